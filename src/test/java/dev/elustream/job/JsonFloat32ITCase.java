package dev.elustream.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.io.NumberOutput;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elustream.flink.DeadLetters;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.math.Elu;
import dev.elustream.math.Kernel;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.TestJobs;
import dev.elustream.testing.Ulps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.annotation.Nullable;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A JSON job with {@code precision=float32} end to end on a real Kafka broker and a Flink mini
 * cluster: every output number is the shortest text of a float, within 2 float ulp of the ELU of its
 * input (f, f' and df/dalpha), every other member kept; a value whose f(x) does not fit a float, and
 * other malformed ones, land in the dead-letter topic once each with the reason and original bytes.
 */
class JsonFloat32ITCase {

    private static final int PARALLELISM = 2;
    private static final double ALPHA = 0.5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    private static EmbeddedKafka kafka;

    /** One input record: its value, and either its input vector or the reason it must be rejected with. */
    private record Case(String key, byte[] value, @Nullable double[] x, @Nullable String reason) {}

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
    void writesShortestFloat32ResultsAndDeadLettersWhatDoesNotFitAFloat() throws Exception {
        Random rnd = new Random(17);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            double[] x = new double[1 + rnd.nextInt(100)];
            StringBuilder value = new StringBuilder("{\"id\":\"id-" + i + "\",\"features\":[");
            for (int j = 0; j < x.length; j++) {
                x[j] = j == 0 && i % 10 == 0 ? -0.0 : rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-6, 4));
                value.append(j > 0 ? "," : "").append(x[j]);
            }
            cases.add(new Case("id-" + i, value.append("],\"ts\":").append(i).append('}').toString().getBytes(UTF_8),
                    x, null));
        }
        String[][] bad = {
            {"{\"features\":[1.5,-2,1e39]}", "features[2] = 1.0E39 is too large for activation elu: f(x) would not fit a"
                    + " finite float32 (precision float32) (the largest x it takes is " + Math.nextDown(
                    (double) Float.MAX_VALUE + Math.ulp(Float.MAX_VALUE) / 2.0) + ")"},
            {"{\"features\":[1,\"2\"]}", "features[1] is a string, expected a number"},
            {"{\"features\":[]}", "'features' is empty"},
        };
        for (int i = 0; i < bad.length; i++) {
            cases.add(rnd.nextInt(cases.size()), new Case("bad-" + i, bad[i][0].getBytes(UTF_8), null, bad[i][1]));
        }

        String prefix = "f32";
        String in = prefix + "-in";
        kafka.createTopics(PARALLELISM, in, prefix + "-out", prefix + "-dlq");
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Case c : cases) {
            records.add(new ProducerRecord<>(in, c.key().getBytes(UTF_8), c.value()));
        }
        List<RecordMetadata> landed = KafkaTestSupport.produce(kafka.bootstrapServers(), records);

        JobConfig config = TestJobs.config(kafka.bootstrapServers(), prefix, PARALLELISM, "precision", "float32",
                "alpha", Double.toString(ALPHA), "alpha-gradient", "true");
        TopicCheck.check(config, Duration.ofSeconds(10));
        StreamExecutionEnvironment env = TestJobs.environment(config);
        TestJobs.build(env, config, TestJobs.boundedSource(config));
        env.execute(config.jobName());

        List<ConsumerRecord<byte[], byte[]>> out = KafkaTestSupport.readToEnd(kafka.bootstrapServers(), prefix + "-out",
                Duration.ofSeconds(60));
        List<ConsumerRecord<byte[], byte[]>> dlq = KafkaTestSupport.readToEnd(kafka.bootstrapServers(), prefix + "-dlq",
                Duration.ofSeconds(60));
        Map<String, Integer> byKey = new HashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            byKey.put(cases.get(i).key(), i);
        }
        Elu elu = Elu.withAlpha(ALPHA, Kernel.SCALAR);
        List<String> seen = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            Case c = cases.get(byKey.get(new String(r.key(), UTF_8)));
            seen.add(c.key());
            assertThat(c.reason()).as("%s was expected in the dead-letter topic", c.key()).isNull();
            JsonNode node = JSON.readTree(r.value());
            assertThat(node.get("id").asText()).isEqualTo(c.key());
            assertThat(node.get("ts").asText()).isEqualTo(c.key().substring("id-".length()));
            double[] x = c.x();
            String[] names = {"features", "derivative", "alpha_gradient"};
            for (String name : names) {
                JsonNode array = node.get(name);
                assertThat(array.size()).as("%s %s", c.key(), name).isEqualTo(x.length);
                for (int i = 0; i < x.length; i++) {
                    String text = array.get(i).asText();
                    float written = Float.parseFloat(text);
                    assertThat(text).as("%s %s[%d] is the shortest text of its float", c.key(), name, i)
                            .isEqualTo(NumberOutput.toString(written, true));
                    double expected = switch (name) {
                        case "features" -> elu.value(x[i]);
                        case "derivative" -> elu.derivative(x[i]);
                        default -> elu.alphaGradient(x[i]);
                    };
                    Ulps.assertWithin2Ulp(written, (float) expected, c.key() + " " + name + "[" + i + "]");
                }
            }
        }
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            int index = byKey.get(new String(r.key(), UTF_8));
            Case c = cases.get(index);
            seen.add(c.key());
            assertThat(c.reason()).as("%s was expected in the output", c.key()).isNotNull();
            assertThat(r.value()).isEqualTo(c.value());
            assertThat(KafkaTestSupport.header(r, DeadLetters.REASON_HEADER)).isEqualTo(c.reason());
            assertThat(KafkaTestSupport.header(r, DeadLetters.TOPIC_HEADER)).isEqualTo(in);
            assertThat(KafkaTestSupport.header(r, DeadLetters.OFFSET_HEADER))
                    .isEqualTo(Long.toString(landed.get(index).offset()));
        }
        // every record once, in one of the two topics
        assertThat(seen).doesNotHaveDuplicates().hasSameSizeAs(cases);
    }
}
