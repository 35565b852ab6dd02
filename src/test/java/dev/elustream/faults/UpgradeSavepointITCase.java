package dev.elustream.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.job.EluJob;
import dev.elustream.job.JobConfig;
import dev.elustream.job.KafkaConnectors;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.testing.EluRecords;
import dev.elustream.testing.EluRecords.Case;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.TestJobs;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upgrades: a savepoint taken with the first released version (0.1.0, kept under
 * src/test/resources/savepoints) must restore into this build with no state left unclaimed, and
 * the job must carry on from the offsets it holds. A change of uids or of state types fails here.
 *
 * <p>The savepoint was made by {@link #createReleaseSavepoint} ({@code mvn verify -Dit.test=UpgradeSavepointITCase
 * -Delu.savepoint.create=true}); only a release makes a new one, and the old ones stay.
 */
class UpgradeSavepointITCase {

    static final String RELEASE = "0.1.0";
    private static final int PARTITIONS = 3;
    /** Records the release's job had processed when the savepoint was taken, RECORDS / PARTITIONS a partition. */
    private static final int BEFORE = 300;
    private static final int MAX_DIMENSION = 16;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARTITIONS)
            .build());

    private static JobConfig config(EmbeddedKafka kafka) {
        return TestJobs.config(kafka.bootstrapServers(), "upgrade", PARTITIONS, "max-dimension",
                Integer.toString(MAX_DIMENSION));
    }

    /**
     * Produces the cases to the partition Kafka's default partitioner picks for their key (id %
     * PARTITIONS for no key, which it would spread at random), so that every run puts them at the same
     * offsets.
     */
    private static Map<Integer, RecordMetadata> produce(EmbeddedKafka kafka, List<Case> cases) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Case c : cases) {
            int partition = c.key() == null ? c.id() % PARTITIONS : Utils.toPositive(Utils.murmur2(c.key())) % PARTITIONS;
            records.add(new ProducerRecord<>("upgrade-in", partition, c.timestamp(), c.key(), c.value(), c.headers()));
        }
        List<RecordMetadata> landed = KafkaTestSupport.produce(kafka.bootstrapServers(), records);
        Map<Integer, RecordMetadata> byId = new HashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            byId.put(cases.get(i).id(), landed.get(i));
        }
        return byId;
    }

    private static JobClient start(EmbeddedKafka kafka, Configuration extra) throws Exception {
        JobConfig config = config(kafka);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EluJob.configure(env, config);
        Configuration conf = new Configuration(extra);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "disable");
        env.configure(conf);
        TestJobs.build(env, config, KafkaConnectors.sourceBuilder(config).build());
        return env.executeAsync(config.jobName());
    }

    @Test
    void restoresTheFirstReleasesSavepointAndCarriesOnFromItsOffsets() throws Exception {
        URL savepoint = getClass().getResource("/savepoints/elu-stream-" + RELEASE + "/_metadata");
        assertThat(savepoint).as("the %s savepoint under src/test/resources", RELEASE).isNotNull();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            kafka.createTopics(PARTITIONS, "upgrade-in", "upgrade-out", "upgrade-dlq");
            // The same input as when the savepoint was taken, at the same offsets, then new records.
            produce(kafka, EluRecords.generate(BEFORE, 77L, 0, MAX_DIMENSION));
            List<Case> after = EluRecords.generate(600, 78L, BEFORE, MAX_DIMENSION);
            Map<Integer, RecordMetadata> positions = produce(kafka, after);

            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, Path.of(savepoint.toURI()).getParent().toString());
            // Every piece of state in the savepoint must find its operator: a changed uid fails here.
            restore.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, false);
            JobClient job = start(kafka, restore);
            try {
                awaitFirstOutputOrFailure(kafka, job);
                // Only what came after the savepoint: the release had already written the rest.
                EluRecords.verify(kafka.bootstrapServers(), "upgrade-in", "upgrade-out", "upgrade-dlq", after,
                        positions, id -> 1.0, Duration.ofSeconds(120));
                assertThat(job.getJobStatus().get().isGloballyTerminalState()).isFalse();
            } finally {
                if (!job.getJobStatus().get().isGloballyTerminalState()) {
                    job.cancel().get();
                }
            }
        }
    }

    /** Fails at once, with the job's own error, when the restore fails (say, state no operator claims). */
    private static void awaitFirstOutputOrFailure(EmbeddedKafka kafka, JobClient job) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (KafkaTestSupport.readCommitted(kafka.bootstrapServers(), "upgrade-out", 1, Duration.ofSeconds(1),
                Duration.ZERO).isEmpty()) {
            if (job.getJobStatus().get().isGloballyTerminalState()) {
                try {
                    job.getJobExecutionResult().get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new AssertionError("the job did not restore from the " + RELEASE + " savepoint", e);
                }
                throw new AssertionError("the job ended without output");
            }
            assertThat(System.nanoTime()).as("first output within 90 s").isLessThan(deadline);
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "elu.savepoint.create", matches = "true")
    void createReleaseSavepoint(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            kafka.createTopics(PARTITIONS, "upgrade-in", "upgrade-out", "upgrade-dlq");
            List<Case> before = EluRecords.generate(BEFORE, 77L, 0, MAX_DIMENSION);
            Map<Integer, RecordMetadata> positions = produce(kafka, before);
            JobClient job = start(kafka, new Configuration());
            EluRecords.verify(kafka.bootstrapServers(), "upgrade-in", "upgrade-out", "upgrade-dlq", before, positions,
                    id -> 1.0, Duration.ofSeconds(120));
            String path = job.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL).get();
            Path target = Path.of("src", "test", "resources", "savepoints", "elu-stream-" + RELEASE);
            copy(Path.of(java.net.URI.create(path.startsWith("file:") ? path : "file:" + path)), target);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path dest = to.resolve(from.relativize(f).toString());
                Files.createDirectories(dest.getParent());
                Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
