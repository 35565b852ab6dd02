package dev.elustream.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.elustream.job.EluJob;
import dev.elustream.job.JobConfig;
import dev.elustream.job.KafkaConnectors;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.testing.EluRecords.Case;
import dev.elustream.testing.EluRecords;
import dev.elustream.testing.TestJobs;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * The job on a secured listener, built as production builds it: job keys with kafka.* security
 * settings, {@link JobConfig#fromMap}, {@link EluJob}, {@link KafkaConnectors}; topics are prepared
 * and checked over the broker's PLAINTEXT listener, which the job never uses.
 */
final class SecureJobs {

    static final int PARTITIONS = 2;
    /** The bound for "fails fast". */
    static final Duration FAST = Duration.ofSeconds(30);
    /** The job's max-dimension: the generated records include vectors one element longer. */
    static final int MAX_DIMENSION = 64;

    private SecureJobs() {}

    /** A mini cluster with a slot per partition, for one secured job at a time. */
    static MiniClusterExtension miniCluster() {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(PARTITIONS)
                .build());
    }

    /** The three topics of a job named {@code name}, created; input records produced to the first. */
    record Topics(String in, String out, String dlq, List<Case> cases, Map<Integer, RecordMetadata> positions) {}

    static Topics topicsWithInput(EmbeddedKafka kafka, String name, int records, long seed) throws Exception {
        String in = name + "-in";
        String out = name + "-out";
        String dlq = name + "-dlq";
        kafka.createTopics(PARTITIONS, in, out, dlq);
        List<Case> cases = EluRecords.generate(records, seed, 0, MAX_DIMENSION);
        return new Topics(in, out, dlq, cases, EluRecords.produce(kafka.bootstrapServers(), in, cases));
    }

    /** The job's keys for these topics on the given (secured) listener, with Kafka client properties under kafka.*. */
    static Map<String, String> jobKeys(String bootstrapServers, Topics topics, String name, Map<String, String> client) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("bootstrap-servers", bootstrapServers);
        values.put("input-topic", topics.in());
        values.put("output-topic", topics.out());
        values.put("dead-letter-topic", topics.dlq());
        values.put("group-id", name + "-group");
        values.put("starting-offsets", "earliest");
        values.put("checkpoint-interval", "1s");
        values.put("transactional-id-prefix", name);
        values.put("parallelism", Integer.toString(PARTITIONS));
        values.put("max-dimension", Integer.toString(MAX_DIMENSION));
        client.forEach((k, v) -> values.put(JobConfig.KAFKA_PREFIX + k, v));
        return values;
    }

    /** SASL_SSL with SCRAM-SHA-512 as client properties (without the kafka. prefix). */
    @SafeVarargs
    static Map<String, String> saslSsl(String user, String password, Map<String, String>... more) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("security.protocol", "SASL_SSL");
        m.put("sasl.mechanism", EmbeddedKafka.SCRAM_MECHANISM);
        m.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        for (Map<String, String> x : more) {
            m.putAll(x);
        }
        return m;
    }

    /** TLS (security.protocol SSL) as client properties (without the kafka. prefix). */
    @SafeVarargs
    static Map<String, String> ssl(Map<String, String>... stores) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("security.protocol", "SSL");
        for (Map<String, String> x : stores) {
            m.putAll(x);
        }
        return m;
    }

    /** The pipeline with a bounded source (it ends at the input's current end), restarts off, run to the end. */
    static void runBounded(JobConfig config) throws Exception {
        StreamExecutionEnvironment env = TestJobs.environment(config);
        TestJobs.build(env, config, TestJobs.boundedSource(config));
        env.execute(config.jobName());
    }

    /** What the job throws and how long it took to throw it. */
    record Failure(Throwable error, Duration after) {
        /** The messages of the whole cause chain, one per line. */
        String chain() {
            StringBuilder sb = new StringBuilder();
            for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
                sb.append(t).append('\n');
            }
            return sb.toString();
        }
    }

    /** Runs what the job runs before it is submitted ({@link EluJob#prepare}: the start-up checks first). */
    static Failure prepareFails(JobConfig config) {
        return failure(() -> EluJob.prepare(StreamExecutionEnvironment.getExecutionEnvironment(), config));
    }

    /** Runs the bounded job (no start-up check), which must fail. */
    static Failure jobFails(JobConfig config) {
        return failure(() -> runBounded(config));
    }

    /** Runs the action, which must fail. */
    static Failure failure(ThrowingCallable action) {
        long start = System.nanoTime();
        Throwable t = catchThrowable(action);
        Duration after = Duration.ofNanos(System.nanoTime() - start);
        assertThat(t).as("expected a failure, after %s", after).isNotNull();
        System.out.printf("failed after %d ms: %s%n", after.toMillis(), t.getMessage());
        return new Failure(t, after);
    }

    /**
     * Everything ever written to the topics, read over PLAINTEXT: each partition's end offset
     * (records of aborted transactions and transaction markers count too). Zero means nothing was written.
     */
    static Map<String, Long> endOffsets(EmbeddedKafka kafka, String... topics) throws Exception {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
            for (String t : topics) {
                for (int p = 0; p < PARTITIONS; p++) {
                    request.put(new TopicPartition(t, p), OffsetSpec.latest());
                }
            }
            Map<TopicPartition, ListOffsetsResultInfo> result =
                    admin.listOffsets(request).all().get(30, TimeUnit.SECONDS);
            return result.entrySet().stream().collect(Collectors.groupingBy(e -> e.getKey().topic(), LinkedHashMap::new,
                    Collectors.summingLong(e -> e.getValue().offset())));
        }
    }

    static Map<String, Long> nothingIn(String... topics) {
        return List.of(topics).stream().collect(Collectors.toMap(Function.identity(), t -> 0L, (a, b) -> a, LinkedHashMap::new));
    }
}
