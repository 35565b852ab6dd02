package dev.elustream.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.flink.KafkaRecord;
import dev.elustream.flink.KafkaRecordDeserializer;
import dev.elustream.job.EluJob;
import dev.elustream.job.JobConfig;
import dev.elustream.job.KafkaConnectors;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.testing.EluRecords;
import dev.elustream.testing.EluRecords.Case;
import dev.elustream.testing.TestJobs;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 100,000 records (7% malformed) through the job while it is made to fail three times mid-stream,
 * as flink-connector-kafka's KafkaSinkITCase does: with exactly-once every input id is in the output
 * or dead-letter topic exactly once (read_committed); with at-least-once none is missing.
 */
class InjectedFailureITCase {

    private static final int PARALLELISM = 3;
    private static final int RECORDS = 100_000;
    private static final int MAX_DIMENSION = 16;
    /** Failures are injected when the whole job has deserialized this many records (replays included). */
    private static final long[] FAIL_AT = {15_000, 48_000, 83_000};

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    private static EmbeddedKafka kafka;
    private static List<Case> cases;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(0);
        cases = EluRecords.generate(RECORDS, 99L, 0, MAX_DIMENSION);
        assertThat(cases.stream().filter(Case::malformed).count()).isGreaterThanOrEqualTo(RECORDS / 100);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** The job's own deserializer, failing the task once at each of FAIL_AT. */
    static final class FailingDeserializer implements KafkaRecordDeserializationSchema<KafkaRecord> {
        private static final long serialVersionUID = 1L;
        // Static: the mini cluster runs in this JVM, and the counts must survive the task restarts.
        static final AtomicLong SEEN = new AtomicLong();
        static final AtomicInteger FAILURES = new AtomicInteger();
        private final KafkaRecordDeserializer delegate = new KafkaRecordDeserializer();

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaRecord> out) throws IOException {
            long n = SEEN.incrementAndGet();
            int f = FAILURES.get();
            if (f < FAIL_AT.length && n >= FAIL_AT[f] && FAILURES.compareAndSet(f, f + 1)) {
                throw new IOException("injected failure " + (f + 1) + " after " + n + " records");
            }
            delegate.deserialize(record, out);
        }

        @Override
        public TypeInformation<KafkaRecord> getProducedType() {
            return delegate.getProducedType();
        }
    }

    @Test
    void exactlyOnceDeliversEveryRecordOnceThroughThreeFailures() throws Exception {
        String prefix = "eos";
        Map<Integer, RecordMetadata> positions = produce(prefix);
        JobExecutionResult result = runWithFailures(prefix, "exactly-once");
        assertThat(FailingDeserializer.FAILURES.get()).isEqualTo(FAIL_AT.length);
        EluRecords.verify(kafka.bootstrapServers(), prefix + "-in", prefix + "-out", prefix + "-dlq", cases,
                positions, id -> 1.0, Duration.ofSeconds(120));
        assertThat(result.getNetRuntime()).isPositive();
    }

    @Test
    void atLeastOnceLosesNothingThroughThreeFailures() throws Exception {
        String prefix = "alo";
        Map<Integer, RecordMetadata> positions = produce(prefix);
        runWithFailures(prefix, "at-least-once");
        assertThat(FailingDeserializer.FAILURES.get()).isEqualTo(FAIL_AT.length);
        EluRecords.verifyAtLeastOnce(kafka.bootstrapServers(), prefix + "-in", prefix + "-out", prefix + "-dlq",
                cases, positions, id -> 1.0, Duration.ofSeconds(120));
    }

    private static Map<Integer, RecordMetadata> produce(String prefix) throws Exception {
        kafka.createTopics(PARALLELISM, prefix + "-in", prefix + "-out", prefix + "-dlq");
        return EluRecords.produce(kafka.bootstrapServers(), prefix + "-in", cases);
    }

    private static JobExecutionResult runWithFailures(String prefix, String guarantee) throws Exception {
        FailingDeserializer.SEEN.set(0);
        FailingDeserializer.FAILURES.set(0);
        JobConfig config = TestJobs.config(kafka.bootstrapServers(), prefix, PARALLELISM,
                "delivery-guarantee", guarantee, "checkpoint-interval", "500ms",
                "max-dimension", Integer.toString(MAX_DIMENSION));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EluJob.configure(env, config);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, FAIL_AT.length + 2);
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        env.configure(restarts);
        TestJobs.build(env, config, KafkaConnectors.sourceBuilder(config)
                .setDeserializer(new FailingDeserializer())
                .setBounded(OffsetsInitializer.latest())
                .build());
        return env.execute(config.jobName());
    }
}
