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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker goes away for 25 seconds mid-stream and comes back on the same data directory and
 * port: the job recovers by itself and, exactly-once, nothing is lost or duplicated.
 */
class BrokerOutageITCase {

    private static final int PARALLELISM = 3;
    private static final int MAX_DIMENSION = 16;
    private static final Duration OUTAGE = Duration.ofSeconds(25);

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    @Test
    void jobRecoversFromABrokerOutageWithoutLossOrDuplicates() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            kafka.createTopics(PARALLELISM, "outage-in", "outage-out", "outage-dlq");
            List<Case> before = EluRecords.generate(20_000, 5L, 0, MAX_DIMENSION);
            Map<Integer, RecordMetadata> positions =
                    new HashMap<>(EluRecords.produce(kafka.bootstrapServers(), "outage-in", before));

            JobConfig config = TestJobs.config(kafka.bootstrapServers(), "outage", PARALLELISM,
                    "max-dimension", Integer.toString(MAX_DIMENSION));

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            EluJob.configure(env, config);
            // What a production job has: retries for a while, so that an outage is ridden out.
            TestJobs.restartOnFaults(env, 100, Duration.ofSeconds(2));
            // Unbounded, as in production: the job keeps running across the outage.
            TestJobs.build(env, config, KafkaConnectors.sourceBuilder(config).build());
            JobClient job = env.executeAsync(config.jobName());
            try {
                // Mid-stream: some output committed, the rest still to come.
                KafkaTestSupport.readCommitted(kafka.bootstrapServers(), "outage-out", 1, Duration.ofSeconds(60),
                        Duration.ZERO);
                kafka.stop();
                long stoppedAt = System.nanoTime();
                // The outage itself is what is waited for here, not a result.
                Thread.sleep(OUTAGE.toMillis());
                kafka.restart();
                assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isGreaterThanOrEqualTo(Duration.ofSeconds(20));

                List<Case> after = EluRecords.generate(10_000, 6L, 20_000, MAX_DIMENSION);
                positions.putAll(EluRecords.produce(kafka.bootstrapServers(), "outage-in", after));
                List<Case> all = new ArrayList<>(before);
                all.addAll(after);
                EluRecords.verify(kafka.bootstrapServers(), "outage-in", "outage-out", "outage-dlq", all, positions,
                        id -> 1.0, Duration.ofSeconds(180));
                assertThat(job.getJobStatus().get().isGloballyTerminalState()).as("the job still runs").isFalse();
            } finally {
                job.cancel().get();
            }
        }
    }
}
