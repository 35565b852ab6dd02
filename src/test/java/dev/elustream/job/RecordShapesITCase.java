package dev.elustream.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job with {@code vector-fields=/user/embedding,/item/vec} end to end on a real Kafka broker and a
 * Flink mini cluster, on a topic of mixed records: two nested vectors, the second sometimes a batch of
 * rows, with passthrough members around them; and malformed records of every kind the record shapes
 * bring. Read back read_committed: every number within 2 ulp, every passthrough member and the kept
 * input byte for byte, every dead letter once with its reason, original bytes and provenance.
 */
class RecordShapesITCase {

    private static final int PARALLELISM = 2;
    private static final double ALPHA = 0.5;
    private static final int DIMENSION = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    /**
     * One input record: its value and, for a good one, the input numbers of each vector (a batch's rows
     * one after the other), the bytes of its members that the job must carry unchanged, and the exact
     * bytes of its embedding array (kept with input-name); for a bad one the reason.
     */
    private record Case(String key, String value, @Nullable double[] embedding, @Nullable double[] vec, int vecRows,
            List<String> passthrough, @Nullable String embeddingText, @Nullable String reason) {}

    @Test
    void transformsNestedVectorsAndBatchesAndDeadLettersEveryMalformedShape() throws Exception {
        List<Case> cases = cases();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            kafka.createTopics(PARALLELISM, "shapes-in", "shapes-out", "shapes-dlq");
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (Case c : cases) {
                records.add(new ProducerRecord<>("shapes-in", c.key().getBytes(UTF_8), c.value().getBytes(UTF_8)));
            }
            List<RecordMetadata> landed = KafkaTestSupport.produce(kafka.bootstrapServers(), records);

            JobConfig config = TestJobs.config(kafka.bootstrapServers(), "shapes", PARALLELISM,
                    "vector-fields", "/user/embedding,/item/vec", "alpha", Double.toString(ALPHA),
                    "alpha-gradient", "true", "input-name", "{name}_x", "dimension", Integer.toString(DIMENSION),
                    "max-dimension", "6");
            TopicCheck.check(config, Duration.ofSeconds(10));
            StreamExecutionEnvironment env = TestJobs.environment(config);
            TestJobs.build(env, config, TestJobs.boundedSource(config));
            env.execute(config.jobName());

            int good = (int) cases.stream().filter(c -> c.reason() == null).count();
            List<ConsumerRecord<byte[], byte[]>> out = KafkaTestSupport.readCommitted(kafka.bootstrapServers(),
                    "shapes-out", good, Duration.ofSeconds(60), Duration.ofSeconds(1));
            List<ConsumerRecord<byte[], byte[]>> dlq = KafkaTestSupport.readCommitted(kafka.bootstrapServers(),
                    "shapes-dlq", cases.size() - good, Duration.ofSeconds(60), Duration.ofSeconds(1));
            assertThat(out).hasSize(good);
            assertThat(dlq).hasSize(cases.size() - good);

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
                String text = new String(r.value(), UTF_8);
                for (String member : c.passthrough()) {
                    assertThat(text).as("%s keeps %s", c.key(), member).contains(member);
                }
                assertThat(text).as(c.key()).contains(",\"embedding_x\":" + c.embeddingText() + ",");
                JsonNode json = JSON.readTree(r.value());
                assertVector(elu, c.key() + " /user/embedding", json.at("/user"), "embedding", c.embedding(), 0);
                assertVector(elu, c.key() + " /item/vec", json.at("/item"), "vec", c.vec(), c.vecRows());
            }
            assertThat(seen).doesNotHaveDuplicates();
            for (ConsumerRecord<byte[], byte[]> r : dlq) {
                int index = byKey.get(new String(r.key(), UTF_8));
                Case c = cases.get(index);
                seen.add(c.key());
                assertThat(c.reason()).as("%s was expected in the output", c.key()).isNotNull();
                assertThat(new String(r.value(), UTF_8)).isEqualTo(c.value());
                assertThat(KafkaTestSupport.header(r, DeadLetters.REASON_HEADER)).as(c.key()).isEqualTo(c.reason());
                assertThat(KafkaTestSupport.header(r, DeadLetters.TOPIC_HEADER)).isEqualTo("shapes-in");
                assertThat(KafkaTestSupport.header(r, DeadLetters.PARTITION_HEADER)).isEqualTo(Integer.toString(landed.get(index).partition()));
                assertThat(KafkaTestSupport.header(r, DeadLetters.OFFSET_HEADER)).isEqualTo(Long.toString(landed.get(index).offset()));
            }
            assertThat(seen).doesNotHaveDuplicates().hasSize(cases.size());
        }
    }

    /**
     * The array {@code name} of {@code parent} and its derivative and alpha gradient members, each
     * number within 2 ulp of the scalar kernel (the job may run the vector one), zeros with their sign;
     * rows > 0: a batch of that many rows.
     */
    private static void assertVector(Elu elu, String what, JsonNode parent, String name, double[] x, int rows) {
        int n = x.length;
        double[] values = new double[n];
        double[] derivatives = new double[n];
        double[] gradients = new double[n];
        elu.alphaGradients(x, gradients, n);
        elu.valuesAndDerivatives(x, values, derivatives, n);
        assertNumbers(what, parent.get(name), values, rows);
        assertNumbers(what + " derivative", parent.get(name + "_derivative"), derivatives, rows);
        assertNumbers(what + " alpha gradient", parent.get(name + "_alpha_gradient"), gradients, rows);
    }

    private static void assertNumbers(String what, JsonNode array, double[] expected, int rows) {
        assertThat(array).as(what).isNotNull();
        List<JsonNode> numbers = new ArrayList<>();
        if (rows == 0) {
            array.forEach(numbers::add);
        } else {
            assertThat(array.size()).as(what + " rows").isEqualTo(rows);
            array.forEach(row -> {
                assertThat(row.size()).as(what + " row length").isEqualTo(expected.length / rows);
                row.forEach(numbers::add);
            });
        }
        assertThat(numbers).as(what).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            Ulps.assertWithin2Ulp(Double.parseDouble(numbers.get(i).asText()), expected[i], what + "[" + i + "]");
        }
    }

    private static List<Case> cases() {
        Random rnd = new Random(23);
        List<Case> cases = new ArrayList<>();
        String[] spaces = {"", " ", "\n  ", "\t"};
        for (int i = 0; i < 600; i++) {
            double[] embedding = numbers(rnd, DIMENSION, i);
            int rows = i % 3 == 0 ? 1 + rnd.nextInt(3) : 0;
            double[] vec = numbers(rnd, DIMENSION * Math.max(rows, 1), i + 1);
            String sp = spaces[i % spaces.length];
            String embeddingText = array(embedding, 0, DIMENSION, sp);
            StringBuilder vecText = new StringBuilder();
            if (rows == 0) {
                vecText.append(array(vec, 0, DIMENSION, sp));
            } else {
                vecText.append('[');
                for (int r = 0; r < rows; r++) {
                    vecText.append(r > 0 ? "," + sp : "").append(array(vec, r * DIMENSION, DIMENSION, sp));
                }
                vecText.append(']');
            }
            List<String> passthrough = List.of("\"user_id\":" + sp + i, "\"name\": \"u-" + i + " é \\u00e9 😀\"",
                    "\"score\" :" + sp + "1.50", "\"tags\":[\"a\"," + sp + "{\"vec\":[1]}]", "\"ts\"" + sp + ":-0.0e0");
            String value = "{" + sp + passthrough.get(0) + "," + sp + "\"user\":" + sp + "{" + passthrough.get(1) + ","
                    + "\"embedding\":" + sp + embeddingText + sp + "," + passthrough.get(2) + "}," + sp + "\"item\": {\"vec\":"
                    + vecText + "," + passthrough.get(3) + "}," + passthrough.get(4) + sp + "}";
            cases.add(new Case("id-" + i, value, embedding, vec, rows, passthrough, embeddingText, null));
        }
        String ok = "[1,2,3,4]";
        String[][] bad = {
            {"{\"user\":{\"embedding\":" + ok + "}}", "/item/vec is missing"},
            {"{\"user\":{\"embedding\":" + ok + "},\"item\":{}}", "/item/vec is missing (/item has no member 'vec')"},
            {"{\"user\":\"{\\\"embedding\\\":" + ok + "}\",\"item\":{\"vec\":" + ok + "}}",
                "/user/embedding is missing (/user is a string)"},
            {"{\"user\":{\"embedding\":\"1,2,3,4\"},\"item\":{\"vec\":" + ok + "}}",
                "/user/embedding is a string, expected an array of numbers"},
            {"{\"user\":{\"embedding\":[]},\"item\":{\"vec\":" + ok + "}}", "/user/embedding is empty"},
            {"{\"user\":{\"embedding\":" + ok + "},\"item\":{\"vec\":[1,2,3,\"4\"]}}",
                "/item/vec[3] is a string, expected a number"},
            {"{\"user\":{\"embedding\":" + ok + "},\"item\":{\"vec\":[[1,2,3,4],[1,2,3]]}}",
                "/item/vec[1] has 3 elements, expected 4 (dimension)"},
            {"{\"user\":{\"embedding\":" + ok + "},\"item\":{\"vec\":[[1,2,3,4],5]}}", "/item/vec[1] is a number, expected"
                + " an array: /item/vec[0] is an array, so every element is a row of a batch"},
            {"{\"user\":{\"embedding\":" + ok + "},\"item\":{\"vec\":[[1,2,3,4],[]]}}", "/item/vec[1] is empty"},
            {"{\"user\":{\"embedding\":[1,2,3,4,5,6,7]},\"item\":{\"vec\":" + ok + "}}",
                "/user/embedding has more than 6 elements (max-dimension)"},
            {"{\"user\":{\"embedding\":" + ok + "},\"user\":{},\"item\":{\"vec\":" + ok + "}}", "/user appears twice"},
            {"{\"user\":{\"embedding\":" + ok + ",\"embedding_derivative\":1},\"item\":{\"vec\":" + ok + "}}",
                "value already has a member /user/embedding_derivative, which this job writes (the derivative of"
                + " /user/embedding, mode both): remove it, or choose another name with derivative-name or use mode"
                + " activation"},
            {"{\"user\":{\"embedding\":" + ok + "},\"item\":{\"vec\":" + ok + ",\"vec_x\":null}}",
                "value already has a member /item/vec_x, which this job writes (the input of /item/vec): remove it, or"
                + " choose another name with input-name"},
            {"{\"user\":{\"embedding\":[1,2,3,1e999]},\"item\":{\"vec\":" + ok + "}}",
                "/user/embedding[3] = 1e999 does not fit a finite double"},
            {"{\"features\":" + ok + "}", "/user/embedding is missing"},
        };
        for (int i = 0; i < bad.length; i++) {
            for (int copy = 0; copy < 3; copy++) {
                cases.add(rnd.nextInt(cases.size()), new Case("bad-" + i + "-" + copy, bad[i][0], null, null, 0,
                        List.of(), null, bad[i][1]));
            }
        }
        return cases;
    }

    /** n numbers, some written as integers, -0 and exponent forms, each read back exactly by the codec. */
    private static double[] numbers(Random rnd, int n, int seed) {
        double[] x = new double[n];
        for (int j = 0; j < n; j++) {
            x[j] = switch ((seed + j) % 7) {
                case 0 -> -0.0;
                case 1 -> rnd.nextInt(20) - 10;
                case 2 -> -40 - rnd.nextDouble() * 10;
                default -> rnd.nextGaussian() * 5;
            };
        }
        return x;
    }

    private static String array(double[] x, int from, int n, String sp) {
        StringBuilder sb = new StringBuilder("[");
        for (int j = 0; j < n; j++) {
            double v = x[from + j];
            sb.append(j > 0 ? "," + sp : "");
            if (Double.doubleToRawLongBits(v) == Double.doubleToRawLongBits(-0.0)) {
                sb.append("-0");
            } else if (v == Math.rint(v)) {
                sb.append((long) v);
            } else {
                sb.append(v);
            }
        }
        return sb.append(']').toString();
    }
}
