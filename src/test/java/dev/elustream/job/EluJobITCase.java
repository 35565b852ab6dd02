package dev.elustream.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.testing.EluRecords;
import dev.elustream.testing.EluRecords.Case;
import dev.elustream.testing.TestJobs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job end to end on a real Kafka broker and a Flink mini cluster: every input record is checked
 * in the output topic (values, key, headers, timestamp, order per key) or in the dead-letter topic
 * (original bytes, reason), read with read_committed.
 */
class EluJobITCase {

    private static final int PARALLELISM = 3;
    private static final int MAX_DIMENSION = 256;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(0);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void transformsTenThousandMixedRecordsAndRoutesEveryMalformedOneExactlyOnce() throws Exception {
        List<Case> cases = EluRecords.generate(10_500, 42L, 0, MAX_DIMENSION);
        assertThat(cases.stream().filter(Case::malformed).count()).isGreaterThanOrEqualTo(cases.size() / 20);
        runAndVerify("mixed", cases, 0.75, Map.of("alpha", "0.75", "max-dimension", Integer.toString(MAX_DIMENSION)));
    }

    @Test
    void rejectsVectorsOfTheWrongDimensionWhenOneIsSet() throws Exception {
        List<Case> cases = new ArrayList<>();
        Random rnd = new Random(7);
        for (int i = 0; i < 300; i++) {
            int dim = i % 3 == 0 ? 7 : 8;
            double[] x = new double[dim];
            for (int j = 0; j < dim; j++) {
                x[j] = rnd.nextGaussian() * 3;
            }
            cases.add(new Case(i, ("k" + (i % 11)).getBytes(UTF_8),
                    EluRecords.vector("r" + i, x, rnd).getBytes(UTF_8), EluRecords.headers(i, rnd),
                    System.currentTimeMillis() - 60_000L + i, x, dim == 8 ? null : "'features' has 7 elements, expected 8 (dimension)"));
        }
        runAndVerify("dimension", cases, 1.0, Map.of("dimension", "8", "mode", "both", "alpha", "1.0"));
    }

    private static void runAndVerify(String prefix, List<Case> cases, double alpha, Map<String, String> extra)
            throws Exception {
        String in = prefix + "-in";
        String out = prefix + "-out";
        String dlq = prefix + "-dlq";
        kafka.createTopics(PARALLELISM, in, out, dlq);
        Map<Integer, RecordMetadata> positions = EluRecords.produce(kafka.bootstrapServers(), in, cases);

        List<String> keyValues = new ArrayList<>();
        extra.forEach((k, v) -> {
            keyValues.add(k);
            keyValues.add(v);
        });
        JobConfig config = TestJobs.config(kafka.bootstrapServers(), prefix, PARALLELISM, keyValues.toArray(String[]::new));
        TopicCheck.check(config, Duration.ofSeconds(10));
        StreamExecutionEnvironment env = TestJobs.environment(config);
        TestJobs.build(env, config, TestJobs.boundedSource(config));
        env.execute(config.jobName());

        EluRecords.verify(kafka.bootstrapServers(), in, out, dlq, cases, positions, id -> alpha, Duration.ofSeconds(120));
    }
}
