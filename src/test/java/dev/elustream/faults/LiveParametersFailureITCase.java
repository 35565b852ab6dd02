package dev.elustream.faults;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.flink.KafkaRecord;
import dev.elustream.flink.KafkaRecordDeserializer;
import dev.elustream.job.ControlTopic;
import dev.elustream.job.EluJob;
import dev.elustream.job.EluPipeline;
import dev.elustream.job.JobConfig;
import dev.elustream.job.KafkaConnectors;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.testing.EluRecords;
import dev.elustream.testing.EluRecords.Case;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.TestJobs;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live parameters through a savepoint and a failure, exactly-once: the job runs with the job file's
 * alpha (version 0), takes update 1, is stopped with a savepoint, restored from it, fails once and
 * recovers from its checkpoint, then takes update 2. Every id is in the output or the dead-letter
 * topic once (read_committed), each output with the version in force when its record was processed
 * and values of that version's alpha.
 */
class LiveParametersFailureITCase {

    private static final int PARALLELISM = 3;
    private static final int MAX_DIMENSION = 16;
    private static final String PREFIX = "live-fault";
    private static final String VERSION_HEADER = "elu.params.version";
    private static final Map<Long, Double> ALPHA = Map.of(0L, 1.0, 1L, 0.5, 2L, 0.25);
    /** The data source fails once when the restored job has deserialized this many records. */
    private static final long FAIL_AT = 1_500;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    /** The job's own deserializer, failing the task once after FAIL_AT records. */
    static final class FailingDeserializer implements KafkaRecordDeserializationSchema<KafkaRecord> {
        private static final long serialVersionUID = 1L;
        static final AtomicLong SEEN = new AtomicLong();
        static final AtomicInteger FAILURES = new AtomicInteger();
        private final KafkaRecordDeserializer delegate = new KafkaRecordDeserializer();

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaRecord> out) throws IOException {
            if (SEEN.incrementAndGet() >= FAIL_AT && FAILURES.compareAndSet(0, 1)) {
                throw new IOException("injected failure after " + SEEN.get() + " records");
            }
            delegate.deserialize(record, out);
        }

        @Override
        public TypeInformation<KafkaRecord> getProducedType() {
            return delegate.getProducedType();
        }
    }

    private final List<Case> cases = new ArrayList<>();
    private final Map<Integer, RecordMetadata> positions = new HashMap<>();
    private final Random rnd = new Random(5);
    private int nextId;

    @Test
    void deliversEveryRecordOnceWithTheVersionInForceThroughASavepointAndAFailure(@TempDir Path savepoints)
            throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            kafka.createTopics(PARALLELISM, PREFIX + "-in", PREFIX + "-out", PREFIX + "-dlq");
            kafka.createTopics(1, PREFIX + "-control");
            JobConfig config = TestJobs.config(kafka.bootstrapServers(), PREFIX, PARALLELISM, "control-topic",
                    PREFIX + "-control", "checkpoint-interval", "500ms", "max-dimension", Integer.toString(MAX_DIMENSION),
                    "delivery-guarantee", "exactly-once");

            // Run 1: version 0, then version 1; stopped with a savepoint.
            List<Case> a = produce(kafka, 2_000);
            JobClient run1 = start(config, new Configuration(), false);
            awaitAll(kafka, a);
            control(kafka, "{\"version\": 1, \"alpha\": 0.5}");
            probeUntilEveryPartitionHas(kafka, 1);
            List<Case> b = produce(kafka, 2_000);
            awaitAll(kafka, b);
            String savepoint = run1.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get();

            // Run 2: restored from the savepoint (version 1), fails once mid-stream, recovers from its checkpoint.
            List<Case> c = produce(kafka, 3_000);
            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            restore.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, false);
            FailingDeserializer.SEEN.set(0);
            FailingDeserializer.FAILURES.set(0);
            JobClient run2 = start(config, restore, true);
            try {
                awaitAll(kafka, c);
                assertThat(FailingDeserializer.FAILURES.get()).as("the injected failure").isEqualTo(1);
                control(kafka, "{\"version\": 2, \"alpha\": 0.25}");
                probeUntilEveryPartitionHas(kafka, 2);
                List<Case> d = produce(kafka, 2_000);
                awaitAll(kafka, d);

                Map<Integer, Long> versionOf = new HashMap<>();
                EluRecords.verify(kafka.bootstrapServers(), PREFIX + "-in", PREFIX + "-out", PREFIX + "-dlq", cases,
                        positions, (id, element, r) -> {
                            long version = Long.parseLong(KafkaTestSupport.header(r, VERSION_HEADER));
                            versionOf.put(id, version);
                            return ALPHA.get(version);
                        }, List.of(VERSION_HEADER), Duration.ofSeconds(120));
                assertVersion(a, versionOf, 0);
                assertVersion(b, versionOf, 1);
                // restored from the savepoint, then from the checkpoint after the failure: still version 1
                assertVersion(c, versionOf, 1);
                assertVersion(d, versionOf, 2);
            } finally {
                run2.cancel().get();
            }
        }
    }

    private static void assertVersion(List<Case> batch, Map<Integer, Long> versionOf, long version) {
        for (Case c : batch) {
            // (a tombstone has no values to look up an alpha for; its header is checked with the rest)
            if (!c.malformed() && c.value() != null) {
                assertThat(versionOf.get(c.id())).as("version of record %d", c.id()).isEqualTo(version);
            }
        }
    }

    private JobClient start(JobConfig config, Configuration extra, boolean failOnce) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EluJob.configure(env, config);
        Configuration conf = new Configuration(extra);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, failOnce ? 2 : 0);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        env.configure(conf);
        ControlTopic.Start start = ControlTopic.read(config, Duration.ofSeconds(30));
        var source = KafkaConnectors.sourceBuilder(config);
        if (failOnce) {
            source.setDeserializer(new FailingDeserializer());
        }
        EluPipeline.build(env, source.build(), KafkaConnectors.controlSource(config, start.endOffsets()),
                start.parameters(), KafkaConnectors.outputSink(config), KafkaConnectors.deadLetterSink(config),
                config.eluSettings());
        return env.executeAsync(config.jobName());
    }

    private List<Case> produce(EmbeddedKafka kafka, int count) throws Exception {
        List<Case> batch = EluRecords.generate(count, 1000L + nextId, nextId, MAX_DIMENSION);
        nextId += count;
        positions.putAll(EluRecords.produce(kafka.bootstrapServers(), PREFIX + "-in", batch));
        cases.addAll(batch);
        return batch;
    }

    private static void control(EmbeddedKafka kafka, String value) throws Exception {
        KafkaTestSupport.produce(kafka.bootstrapServers(),
                List.of(new ProducerRecord<>(PREFIX + "-control", null, value.getBytes(UTF_8))));
    }

    /** Waits until every case of the batch is in the output or dead-letter topic (read_committed). */
    private void awaitAll(EmbeddedKafka kafka, List<Case> batch) {
        java.util.Set<Integer> ids = new java.util.HashSet<>();
        batch.forEach(c -> ids.add(c.id()));
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (String topic : List.of(PREFIX + "-out", PREFIX + "-dlq")) {
                for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readCommitted(kafka.bootstrapServers(), topic,
                        Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO)) {
                    seen.add(EluRecords.testId(r));
                }
            }
            if (seen.containsAll(ids)) {
                return;
            }
            assertThat(System.nanoTime()).as("batch of %d records through the job within 120 s", batch.size())
                    .isLessThan(deadline);
        }
    }

    /** Sends one valid record to each input partition until its output carries the version. */
    private void probeUntilEveryPartitionHas(EmbeddedKafka kafka, long version) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        for (int p = 0; p < PARALLELISM; p++) {
            while (true) {
                assertThat(System.nanoTime()).as("version %d on partition %d", version, p).isLessThan(deadline);
                int id = nextId++;
                double[] x = {-1.5, 0.5, -0.25};
                Case probe = new Case(id, ("probe-" + id).getBytes(UTF_8),
                        EluRecords.vector("p" + id, x, rnd).getBytes(UTF_8), EluRecords.headers(id, rnd),
                        System.currentTimeMillis(), x, null);
                RecordMetadata at = KafkaTestSupport.produce(kafka.bootstrapServers(), List.of(new ProducerRecord<>(
                        PREFIX + "-in", p, probe.timestamp(), probe.key(), probe.value(), probe.headers()))).get(0);
                cases.add(probe);
                positions.put(id, at);
                ConsumerRecord<byte[], byte[]> out = awaitOutput(kafka, id);
                if (Long.parseLong(KafkaTestSupport.header(out, VERSION_HEADER)) == version) {
                    break;
                }
            }
        }
    }

    private static ConsumerRecord<byte[], byte[]> awaitOutput(EmbeddedKafka kafka, int id) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readCommitted(kafka.bootstrapServers(),
                    PREFIX + "-out", Integer.MAX_VALUE, Duration.ofSeconds(1), Duration.ZERO)) {
                if (EluRecords.testId(r) == id) {
                    return r;
                }
            }
            assertThat(System.nanoTime()).as("probe %d in the output", id).isLessThan(deadline);
        }
    }
}
