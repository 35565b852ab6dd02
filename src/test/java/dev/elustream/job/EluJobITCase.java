package dev.elustream.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elustream.flink.DeadLetters;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.testing.KafkaTestSupport;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** One produced record and what the job must make of it. */
    record Case(int id, byte[] key, byte[] value, List<Header> headers, long timestamp,
            double[] features, String expectedReason) {
        boolean malformed() {
            return expectedReason != null;
        }
    }

    @Test
    void transformsTenThousandMixedRecordsAndRoutesEveryMalformedOneExactlyOnce() throws Exception {
        List<Case> cases = generate(10_500, 42L, 0);
        long malformed = cases.stream().filter(Case::malformed).count();
        assertThat(malformed).isGreaterThanOrEqualTo(cases.size() / 20);

        String prefix = "mixed";
        runJob(prefix, cases, Map.of("alpha", "0.75", "max-dimension", Integer.toString(MAX_DIMENSION)));
        verify(prefix, cases, 0.75);
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
            cases.add(new Case(i, ("k" + (i % 11)).getBytes(UTF_8), vector("r" + i, x, rnd).getBytes(UTF_8),
                    headers(i, rnd), 1_600_000_000_000L + i, x,
                    dim == 8 ? null : "'features' has 7 elements, expected 8 (dimension)"));
        }
        String prefix = "dimension";
        runJob(prefix, cases, Map.of("dimension", "8", "mode", "both", "alpha", "1.0"));
        verify(prefix, cases, 1.0);
    }

    private static void runJob(String prefix, List<Case> cases, Map<String, String> extra) throws Exception {
        String in = prefix + "-in";
        String out = prefix + "-out";
        String dlq = prefix + "-dlq";
        kafka.createTopics(PARALLELISM, in, out, dlq);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Case c : cases) {
            records.add(new ProducerRecord<>(in, null, c.timestamp(), c.key(), c.value(), c.headers()));
        }
        List<RecordMetadata> landed = KafkaTestSupport.produce(kafka.bootstrapServers(), records);
        for (int i = 0; i < cases.size(); i++) {
            inputPosition.put(prefix + "/" + cases.get(i).id(), landed.get(i));
        }

        Map<String, String> values = new HashMap<>();
        values.put("bootstrap-servers", kafka.bootstrapServers());
        values.put("input-topic", in);
        values.put("output-topic", out);
        values.put("dead-letter-topic", dlq);
        values.put("group-id", prefix + "-group");
        values.put("starting-offsets", "earliest");
        values.put("checkpoint-interval", "1s");
        values.put("transactional-id-prefix", prefix);
        values.put("parallelism", Integer.toString(PARALLELISM));
        values.putAll(extra);
        JobConfig config = JobConfig.fromMap(values);
        TopicCheck.check(config, Duration.ofSeconds(10));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EluJob.configure(env, config);
        Configuration noRestarts = new Configuration();
        noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "disable");
        env.configure(noRestarts);
        EluPipeline.build(env,
                KafkaConnectors.sourceBuilder(config).setBounded(OffsetsInitializer.latest()).build(),
                KafkaConnectors.outputSink(config),
                KafkaConnectors.deadLetterSink(config),
                config.eluSettings());
        env.execute(config.jobName());
    }

    private static final Map<String, RecordMetadata> inputPosition = new HashMap<>();

    private static void verify(String prefix, List<Case> cases, double alpha) throws Exception {
        int expectedOut = (int) cases.stream().filter(c -> !c.malformed()).count();
        int expectedDead = cases.size() - expectedOut;
        List<ConsumerRecord<byte[], byte[]>> out = KafkaTestSupport.readCommitted(
                kafka.bootstrapServers(), prefix + "-out", expectedOut, Duration.ofSeconds(120), Duration.ofSeconds(2));
        List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readCommitted(
                kafka.bootstrapServers(), prefix + "-dlq", expectedDead, Duration.ofSeconds(120), Duration.ofSeconds(2));

        // Counts are conserved: in = out + dead letters, with nothing twice.
        assertThat(out).hasSize(expectedOut);
        assertThat(dead).hasSize(expectedDead);
        Map<Integer, Case> byId = new HashMap<>();
        cases.forEach(c -> byId.put(c.id(), c));

        Map<Integer, ConsumerRecord<byte[], byte[]>> outById = new HashMap<>();
        Map<String, List<Integer>> outOrderByKey = new LinkedHashMap<>();
        Map<String, Integer> partitionByKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            int id = testId(r);
            assertThat(outById.put(id, r)).as("record %d appears twice in the output", id).isNull();
            Case c = byId.get(id);
            assertThat(c.malformed()).as("record %d should have been dead-lettered", id).isFalse();
            assertSameKeyHeadersTimestamp(r, c, List.of());
            if (c.value() == null) {
                assertThat(r.value()).as("tombstone %d", id).isNull();
            } else {
                assertValues(r.value(), c, alpha);
            }
            if (c.key() != null) {
                String key = new String(c.key(), UTF_8);
                outOrderByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(id);
                Integer previous = partitionByKey.put(key, r.partition());
                assertThat(previous == null || previous == r.partition())
                        .as("key %s is in one output partition", key).isTrue();
            }
        }
        // Order per key is kept: within each key, ids come out in the order they went in.
        outOrderByKey.forEach((key, ids) -> assertThat(ids).as("order of key %s", key).isSorted());

        Map<Integer, ConsumerRecord<byte[], byte[]>> deadById = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            int id = testId(r);
            assertThat(deadById.put(id, r)).as("record %d appears twice in the dead-letter topic", id).isNull();
            Case c = byId.get(id);
            assertThat(c.malformed()).as("record %d should have been transformed, got %s", id,
                    header(r, DeadLetters.REASON_HEADER)).isTrue();
            assertThat(r.value()).as("original bytes of %d", id).isEqualTo(c.value());
            RecordMetadata from = inputPosition.get(prefix + "/" + id);
            assertSameKeyHeadersTimestamp(r, c, List.of(DeadLetters.REASON_HEADER, DeadLetters.TOPIC_HEADER,
                    DeadLetters.PARTITION_HEADER, DeadLetters.OFFSET_HEADER));
            assertThat(header(r, DeadLetters.REASON_HEADER)).as("reason of %d", id).contains(c.expectedReason());
            assertThat(header(r, DeadLetters.TOPIC_HEADER)).isEqualTo(prefix + "-in");
            assertThat(header(r, DeadLetters.PARTITION_HEADER)).isEqualTo(Integer.toString(from.partition()));
            assertThat(header(r, DeadLetters.OFFSET_HEADER)).isEqualTo(Long.toString(from.offset()));
        }
        assertThat(outById.size() + deadById.size()).isEqualTo(cases.size());
    }

    private static void assertSameKeyHeadersTimestamp(ConsumerRecord<byte[], byte[]> r, Case c, List<String> added) {
        assertThat(r.key()).as("key of %d", c.id()).isEqualTo(c.key());
        assertThat(r.timestamp()).as("timestamp of %d", c.id()).isEqualTo(c.timestamp());
        Header[] actual = r.headers().toArray();
        assertThat(actual).as("headers of %d", c.id()).hasSize(c.headers().size() + added.size());
        for (int i = 0; i < c.headers().size(); i++) {
            assertThat(actual[i].key()).isEqualTo(c.headers().get(i).key());
            assertThat(actual[i].value()).isEqualTo(c.headers().get(i).value());
        }
        for (int i = 0; i < added.size(); i++) {
            assertThat(actual[c.headers().size() + i].key()).isEqualTo(added.get(i));
        }
    }

    private static void assertValues(byte[] value, Case c, double alpha) throws Exception {
        JsonNode node = JSON.readTree(value);
        JsonNode features = node.get("features");
        JsonNode derivative = node.get("derivative");
        assertThat(features.size()).isEqualTo(c.features().length);
        assertThat(derivative.size()).isEqualTo(c.features().length);
        for (int j = 0; j < c.features().length; j++) {
            double x = c.features()[j];
            double f = x > 0 ? x : alpha * Math.expm1(x);
            double d = x > 0 ? 1.0 : alpha * Math.exp(x);
            // Exact, bit for bit: the text must parse back to the double computed (-0.0 included).
            assertThat(Double.doubleToRawLongBits(Double.parseDouble(features.get(j).asText())))
                    .as("f(features[%d] = %s) of record %d", j, x, c.id()).isEqualTo(Double.doubleToRawLongBits(f));
            assertThat(Double.doubleToRawLongBits(Double.parseDouble(derivative.get(j).asText())))
                    .as("f'(features[%d] = %s) of record %d", j, x, c.id()).isEqualTo(Double.doubleToRawLongBits(d));
        }
        // Every other member is carried unchanged.
        ObjectNode expectedRest = (ObjectNode) JSON.readTree(c.value());
        expectedRest.remove("features");
        ObjectNode actualRest = ((ObjectNode) node).deepCopy();
        actualRest.remove("features");
        actualRest.remove("derivative");
        assertThat(actualRest).isEqualTo(expectedRest);
    }

    private static int testId(ConsumerRecord<byte[], byte[]> r) {
        return ByteBuffer.wrap(r.headers().lastHeader("test-id").value()).getInt();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), UTF_8);
    }

    // ---- test data ----

    private static final double[] SPECIAL = {0.0, -0.0, 1e-17, -1e-17, -1e-300, -40.0, -745.0, -750.0, 4.9e-324,
        -4.9e-324, 1e300, -1e300, Double.MAX_VALUE, -Double.MAX_VALUE, 1.0, -1.0, 0.5, -37.5};
    private static final int[] DIMENSIONS = {1, 2, 3, 16, 64, 200, MAX_DIMENSION};

    /** Malformed values, each with the reason the dead-letter record must carry. */
    private static final String[][] MALFORMED = {
        {"UTF8", "not valid UTF-8"},
        {"{\"features\":[1.0,", "not valid JSON"},
        {"not json at all", "not valid JSON"},
        {"[1.0, 2.0]", "JSON array"},
        {"{\"id\":\"x\",\"label\":1}", "'features' is missing"},
        {"{\"features\":\"1,2,3\"}", "'features' is a string"},
        {"{\"features\":[]}", "'features' is empty"},
        {"TOO_LONG", "more than " + MAX_DIMENSION + " elements"},
        {"{\"features\":[1.0,\"2.0\"]}", "features[1] is a string"},
        {"{\"features\":[1.0,null]}", "features[1] is null"},
        {"{\"features\":[true,1.0]}", "features[0] is a boolean"},
        {"{\"features\":[1.0,[2.0]]}", "features[1] is an array"},
        {"{\"features\":[1.0,{\"v\":2}]}", "features[1] is an object"},
        {"{\"features\":[1.0,1e999]}", "does not fit a finite double"},
        {"{\"features\":[-1e400]}", "does not fit a finite double"},
        {"", "value is empty"},
    };

    /**
     * Records of mixed dimensions with keys (some null), headers (some repeated or null-valued) and
     * timestamps; every 15th is malformed, cycling through every kind; every 97th is a tombstone.
     */
    static List<Case> generate(int count, long seed, int firstId) {
        Random rnd = new Random(seed);
        List<Case> cases = new ArrayList<>(count);
        int malformedKind = 0;
        for (int i = 0; i < count; i++) {
            int id = firstId + i;
            byte[] key = i % 50 == 49 ? null : ("key-" + rnd.nextInt(40)).getBytes(UTF_8);
            long ts = 1_700_000_000_000L + i * 13L;
            List<Header> headers = headers(id, rnd);
            if (i % 15 == 14) {
                String[] m = MALFORMED[malformedKind++ % MALFORMED.length];
                byte[] value = switch (m[0]) {
                    case "UTF8" -> concat("{\"features\":[1.0],\"s\":\"".getBytes(UTF_8),
                            new byte[] {(byte) 0xC3, (byte) 0x28}, "\"}".getBytes(UTF_8));
                    case "TOO_LONG" -> vector("long" + id, new double[MAX_DIMENSION + 1], rnd).getBytes(UTF_8);
                    default -> m[0].getBytes(UTF_8);
                };
                cases.add(new Case(id, key, value, headers, ts, null, m[1]));
            } else if (i % 97 == 96 && key != null) {
                cases.add(new Case(id, key, null, headers, ts, null, null));
            } else {
                int dim = DIMENSIONS[rnd.nextInt(DIMENSIONS.length)];
                double[] x = new double[dim];
                for (int j = 0; j < dim; j++) {
                    x[j] = rnd.nextInt(10) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : rnd.nextGaussian() * 10;
                }
                cases.add(new Case(id, key, vector("r" + id, x, rnd).getBytes(UTF_8), headers, ts, x, null));
            }
        }
        return cases;
    }

    private static List<Header> headers(int id, Random rnd) {
        List<Header> h = new ArrayList<>();
        h.add(new RecordHeader("test-id", ByteBuffer.allocate(4).putInt(id).array()));
        if (rnd.nextBoolean()) {
            h.add(new RecordHeader("trace", ("t-" + id).getBytes(UTF_8)));
        }
        if (rnd.nextInt(5) == 0) {
            h.add(new RecordHeader("nothing", (byte[]) null));
            h.add(new RecordHeader("trace", "again".getBytes(UTF_8)));
        }
        return h;
    }

    /** A JSON vector with passthrough members around it, features at a random position. */
    static String vector(String id, double[] x, Random rnd) {
        StringBuilder f = new StringBuilder("\"features\": [");
        for (int j = 0; j < x.length; j++) {
            if (j > 0) {
                f.append(rnd.nextBoolean() ? "," : ", ");
            }
            double v = x[j];
            boolean integral = v == Math.rint(v) && Math.abs(v) < 1e15 && !(v == 0 && 1 / v < 0);
            f.append(integral && rnd.nextBoolean() ? Long.toString((long) v) : Double.toString(v));
        }
        f.append(']');
        String[] others = {"\"id\":\"" + id + "\"", "\"label\":" + (id.hashCode() % 3),
            "\"meta\":{\"ts\":12345678901234567890123,\"w\":1.50,\"tags\":[\"a\",\"\\u00e9\\n\",null,true]}"};
        int at = rnd.nextInt(others.length + 1);
        StringBuilder sb = new StringBuilder("{");
        for (int k = 0, o = 0; k <= others.length; k++) {
            if (k > 0) {
                sb.append(", ");
            }
            sb.append(k == at ? f : others[o++]);
        }
        return sb.append('}').toString();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}
