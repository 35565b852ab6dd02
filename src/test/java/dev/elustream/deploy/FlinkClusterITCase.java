package dev.elustream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.testing.EluRecords;
import dev.elustream.testing.EluRecords.Case;
import dev.elustream.testing.FlinkCluster;
import dev.elustream.testing.KafkaTestSupport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * target/elu-stream.jar on a real Flink session cluster: a JobManager and two TaskManagers as
 * separate JVMs built from Flink's Maven artifacts, submitted with the CLI frontend like
 * {@code flink run}, against an embedded Kafka broker; a TaskManager is killed mid-stream (SIGKILL)
 * and replaced; then the job is stopped with a savepoint and resumed from it with another alpha.
 * Nothing is lost or duplicated.
 */
class FlinkClusterITCase {

    private static final Path JOB_JAR = Path.of("target", "elu-stream.jar");
    private static final int MAX_DIMENSION = 128;
    private static final int FIRST = 30_000;

    @Test
    void jobJarSurvivesALostTaskManagerAndResumesFromASavepointWithANewAlpha(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0);
                FlinkCluster cluster = FlinkCluster.start(dir, 2)) {
            try {
                run(kafka, cluster);
            } catch (AssertionError | Exception e) {
                throw new AssertionError(e.getMessage() + "\n" + cluster.logs(), e);
            } finally {
                cluster.close();
                assertThat(cluster.allStopped()).as("every cluster process stopped").isTrue();
            }
        }
    }

    private static void run(EmbeddedKafka kafka, FlinkCluster cluster) throws Exception {
        kafka.createTopics(3, "cluster-in", "cluster-out", "cluster-dlq");
        List<Case> first = EluRecords.generate(FIRST, 11L, 0, MAX_DIMENSION);
        Map<Integer, RecordMetadata> positions = new HashMap<>(
                EluRecords.produce(kafka.bootstrapServers(), "cluster-in", first));

        // The shipped job file, with the cluster-specific keys overridden as a user would.
        List<String> args = List.of("--job", "jobs/features-elu.properties",
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--input-topic", "cluster-in", "--output-topic", "cluster-out", "--dead-letter-topic", "cluster-dlq",
                "--group-id", "cluster-test", "--transactional-id-prefix", "cluster-test",
                "--checkpoint-interval", "1s", "--max-dimension", Integer.toString(MAX_DIMENSION));
        String job = cluster.submit(JOB_JAR, List.of("-p", "2"), args);
        cluster.awaitRunning(job, Duration.ofSeconds(90));
        assertThat(cluster.taskManagersOf(job)).as("both TaskManagers run subtasks").hasSize(2);

        // Mid-stream, a TaskManager dies like a lost machine; a new one takes its place.
        KafkaTestSupport.readCommitted(kafka.bootstrapServers(), "cluster-out", 1, Duration.ofSeconds(60), Duration.ZERO);
        cluster.killTaskManager(0);
        cluster.startTaskManager();

        EluRecords.verify(kafka.bootstrapServers(), "cluster-in", "cluster-out", "cluster-dlq", first, positions,
                id -> 1.0, Duration.ofSeconds(120));
        assertThat(cluster.failures(job)).as("failures after the TaskManager was killed").isNotEmpty();

        String savepoint = cluster.stopWithSavepoint(job, Duration.ofSeconds(60));
        assertThat(cluster.jobState(job)).isEqualTo("FINISHED");

        // Records produced while the job is stopped are picked up from the savepoint's offsets.
        List<Case> second = EluRecords.generate(2000, 12L, FIRST, MAX_DIMENSION);
        positions.putAll(EluRecords.produce(kafka.bootstrapServers(), "cluster-in", second));
        List<String> resumed = new ArrayList<>(args);
        resumed.addAll(List.of("--alpha", "0.5"));
        String job2 = cluster.submit(JOB_JAR, List.of("-p", "2", "-s", savepoint), resumed);
        cluster.awaitRunning(job2, Duration.ofSeconds(90));

        List<Case> all = new ArrayList<>(first);
        all.addAll(second);
        EluRecords.verify(kafka.bootstrapServers(), "cluster-in", "cluster-out", "cluster-dlq", all, positions,
                id -> id < FIRST ? 1.0 : 0.5, Duration.ofSeconds(120));
        assertThat(cluster.failures(job2)).as("failures of the resumed job").isEmpty();
        cluster.cancel(job2);
    }
}
