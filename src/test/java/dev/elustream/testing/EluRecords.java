package dev.elustream.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elustream.flink.DeadLetters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntToDoubleFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Test records for the ELU job: generated with keys, headers, timestamps and every kind of malformed
 * value, produced to Kafka, and checked one by one in the output and dead-letter topics.
 */
public final class EluRecords {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EluRecords() {}

    /** One produced record and what the job must make of it; the header test-id carries its id. */
    public record Case(int id, byte[] key, byte[] value, List<Header> headers, long timestamp,
            double[] features, String expectedReason) {
        public boolean malformed() {
            return expectedReason != null;
        }
    }

    /** Recent, distinct timestamps (a broker deletes records older than its retention). */
    private static final long BASE_TIMESTAMP = System.currentTimeMillis() - 3_600_000L;

    private static final double[] SPECIAL = {0.0, -0.0, 1e-17, -1e-17, -1e-300, -40.0, -745.0, -750.0, 4.9e-324,
        -4.9e-324, 1e300, -1e300, Double.MAX_VALUE, -Double.MAX_VALUE, 1.0, -1.0, 0.5, -37.5};

    /**
     * Records of mixed dimensions (up to maxDimension) with keys (some null), headers (some
     * repeated or null-valued) and timestamps; every 15th is malformed, cycling through every kind;
     * every 97th is a tombstone.
     */
    public static List<Case> generate(int count, long seed, int firstId, int maxDimension) {
        int[] dimensions = {1, 2, 3, Math.min(16, maxDimension), Math.min(64, maxDimension), Math.min(200, maxDimension), maxDimension};
        String[][] malformed = {
            {"UTF8", "not valid UTF-8"},
            {"{\"features\":[1.0,", "not valid JSON"},
            {"not json at all", "not valid JSON"},
            {"[1.0, 2.0]", "JSON array"},
            {"{\"id\":\"x\",\"label\":1}", "'features' is missing"},
            {"{\"features\":\"1,2,3\"}", "'features' is a string"},
            {"{\"features\":[]}", "'features' is empty"},
            {"TOO_LONG", "more than " + maxDimension + " elements"},
            {"{\"features\":[1.0,\"2.0\"]}", "features[1] is a string"},
            {"{\"features\":[1.0,null]}", "features[1] is null"},
            {"{\"features\":[true,1.0]}", "features[0] is a boolean"},
            {"{\"features\":[1.0,[2.0]]}", "features[1] is an array"},
            {"{\"features\":[1.0,{\"v\":2}]}", "features[1] is an object"},
            {"{\"features\":[1.0,1e999]}", "does not fit a finite double"},
            {"{\"features\":[-1e400]}", "does not fit a finite double"},
            {"", "value is empty"},
        };
        Random rnd = new Random(seed);
        List<Case> cases = new ArrayList<>(count);
        int malformedKind = 0;
        for (int i = 0; i < count; i++) {
            int id = firstId + i;
            byte[] key = i % 50 == 49 ? null : ("key-" + rnd.nextInt(40)).getBytes(UTF_8);
            long ts = BASE_TIMESTAMP + id * 13L;
            List<Header> headers = headers(id, rnd);
            if (i % 15 == 14) {
                String[] m = malformed[malformedKind++ % malformed.length];
                byte[] value = switch (m[0]) {
                    case "UTF8" -> concat("{\"features\":[1.0],\"s\":\"".getBytes(UTF_8),
                            new byte[] {(byte) 0xC3, (byte) 0x28}, "\"}".getBytes(UTF_8));
                    case "TOO_LONG" -> vector("long" + id, new double[maxDimension + 1], rnd).getBytes(UTF_8);
                    default -> m[0].getBytes(UTF_8);
                };
                cases.add(new Case(id, key, value, headers, ts, null, m[1]));
            } else if (i % 97 == 96 && key != null) {
                cases.add(new Case(id, key, null, headers, ts, null, null));
            } else {
                int dim = dimensions[rnd.nextInt(dimensions.length)];
                double[] x = new double[dim];
                for (int j = 0; j < dim; j++) {
                    x[j] = rnd.nextInt(10) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : rnd.nextGaussian() * 10;
                }
                cases.add(new Case(id, key, vector("r" + id, x, rnd).getBytes(UTF_8), headers, ts, x, null));
            }
        }
        return cases;
    }

    public static List<Header> headers(int id, Random rnd) {
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
    public static String vector(String id, double[] x, Random rnd) {
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

    /** Produces the cases in order to the topic; returns where each landed, by id. */
    public static Map<Integer, RecordMetadata> produce(String bootstrapServers, String topic, List<Case> cases)
            throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Case c : cases) {
            records.add(new ProducerRecord<>(topic, null, c.timestamp(), c.key(), c.value(), c.headers()));
        }
        List<RecordMetadata> landed = KafkaTestSupport.produce(bootstrapServers, records);
        Map<Integer, RecordMetadata> byId = new HashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            byId.put(cases.get(i).id(), landed.get(i));
        }
        return byId;
    }

    /**
     * Reads the output and dead-letter topics with read_committed and checks that every case is in
     * exactly one of them, once: outputs value by value (bit for bit, with the alpha the case's id
     * was processed with), key, headers, timestamp and order per key; dead letters with their
     * original bytes, key, headers, timestamp, reason and source position.
     */
    public static void verify(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic,
            List<Case> cases, Map<Integer, RecordMetadata> positions, IntToDoubleFunction alphaOf, Duration deadline)
            throws IOException {
        verify(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, cases, positions,
                (id, element, r) -> alphaOf.applyAsDouble(id), List.of(), deadline);
    }

    /** The alpha of one element of an output record (which may say in a header which parameters made it). */
    @FunctionalInterface
    public interface AlphaOf {
        double alpha(int id, int element, ConsumerRecord<byte[], byte[]> output);
    }

    /**
     * As {@link #verify(String, String, String, String, List, Map, IntToDoubleFunction, Duration)}, with
     * the alpha looked up per element of each output record, and headers the job adds to every record
     * out (after a dead letter's own), e.g. the parameter version of a job with a control topic.
     */
    public static void verify(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic,
            List<Case> cases, Map<Integer, RecordMetadata> positions, AlphaOf alphaOf, List<String> addedHeaders,
            Duration deadline) throws IOException {
        int expectedOut = (int) cases.stream().filter(c -> !c.malformed()).count();
        int expectedDead = cases.size() - expectedOut;
        List<ConsumerRecord<byte[], byte[]>> out = KafkaTestSupport.readCommitted(
                bootstrapServers, outputTopic, expectedOut, deadline, Duration.ofSeconds(2));
        List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readCommitted(
                bootstrapServers, deadLetterTopic, expectedDead, deadline, Duration.ofSeconds(2));
        check(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, cases, positions, alphaOf, addedHeaders, out,
                dead, false);
    }

    /**
     * As {@link #verify}, for at-least-once delivery of a finished job: reads both topics to their
     * end and allows duplicates, but no record may be missing and every copy must be right.
     */
    public static void verifyAtLeastOnce(String bootstrapServers, String inputTopic, String outputTopic,
            String deadLetterTopic, List<Case> cases, Map<Integer, RecordMetadata> positions,
            IntToDoubleFunction alphaOf, Duration deadline) throws IOException {
        List<ConsumerRecord<byte[], byte[]>> out = KafkaTestSupport.readToEnd(bootstrapServers, outputTopic, deadline);
        List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readToEnd(bootstrapServers, deadLetterTopic, deadline);
        check(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, cases, positions,
                (id, element, r) -> alphaOf.applyAsDouble(id), List.of(), out, dead, true);
    }

    private static void check(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic,
            List<Case> cases, Map<Integer, RecordMetadata> positions, AlphaOf alphaOf, List<String> addedHeaders,
            List<ConsumerRecord<byte[], byte[]>> out, List<ConsumerRecord<byte[], byte[]>> dead,
            boolean duplicatesAllowed) throws IOException {
        int expectedOut = (int) cases.stream().filter(c -> !c.malformed()).count();
        int expectedDead = cases.size() - expectedOut;
        Map<Integer, Case> byId = new HashMap<>();
        cases.forEach(c -> byId.put(c.id(), c));

        Map<Integer, ConsumerRecord<byte[], byte[]>> outById = new HashMap<>();
        Map<String, List<Integer>> outOrderByKey = new LinkedHashMap<>();
        Map<String, Integer> partitionByKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            int id = testId(r);
            if (outById.put(id, r) != null && !duplicatesAllowed) {
                throw new AssertionError("record " + id + " appears twice in the output");
            }
            Case c = byId.get(id);
            assertThat(c).as("output record %d was never produced", id).isNotNull();
            assertThat(c.malformed()).as("record %d should have been dead-lettered", id).isFalse();
            assertSameKeyHeadersTimestamp(r, c, addedHeaders);
            if (c.value() == null) {
                assertThat(r.value()).as("tombstone %d", id).isNull();
            } else {
                assertValues(r.value(), c, j -> alphaOf.alpha(id, j, r));
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
        // (Replays after a failure repeat a stretch of a key's records: only without duplicates.)
        if (!duplicatesAllowed) {
            outOrderByKey.forEach((key, ids) -> assertThat(ids).as("order of key %s", key).isSorted());
        }

        Map<Integer, ConsumerRecord<byte[], byte[]>> deadById = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            int id = testId(r);
            if (deadById.put(id, r) != null && !duplicatesAllowed) {
                throw new AssertionError("record " + id + " appears twice in the dead-letter topic");
            }
            Case c = byId.get(id);
            assertThat(c).as("dead letter %d was never produced", id).isNotNull();
            assertThat(c.malformed()).as("record %d should have been transformed, got %s", id,
                    header(r, DeadLetters.REASON_HEADER)).isTrue();
            assertThat(r.value()).as("original bytes of %d", id).isEqualTo(c.value());
            List<String> deadLetterHeaders = new ArrayList<>(List.of(DeadLetters.REASON_HEADER, DeadLetters.TOPIC_HEADER,
                    DeadLetters.PARTITION_HEADER, DeadLetters.OFFSET_HEADER));
            deadLetterHeaders.addAll(addedHeaders);
            assertSameKeyHeadersTimestamp(r, c, deadLetterHeaders);
            assertThat(header(r, DeadLetters.REASON_HEADER)).as("reason of %d", id).contains(c.expectedReason());
            RecordMetadata from = positions.get(id);
            assertThat(header(r, DeadLetters.TOPIC_HEADER)).isEqualTo(inputTopic);
            assertThat(header(r, DeadLetters.PARTITION_HEADER)).isEqualTo(Integer.toString(from.partition()));
            assertThat(header(r, DeadLetters.OFFSET_HEADER)).isEqualTo(Long.toString(from.offset()));
        }
        // Counts are conserved: in = out + dead letters, with nothing lost and nothing twice.
        List<Integer> missing = cases.stream().map(Case::id)
                .filter(id -> !outById.containsKey(id) && !deadById.containsKey(id)).limit(20).toList();
        // Described only on failure: reading the topics again takes seconds.
        assertThat(missing).as(() -> String.format("ids in neither topic (first 20), of %d cases; read %d out, %d dead"
                + " letters; %s; %s", cases.size(), out.size(), dead.size(),
                KafkaTestSupport.describe(bootstrapServers, outputTopic),
                KafkaTestSupport.describe(bootstrapServers, deadLetterTopic))).isEmpty();
        if (duplicatesAllowed) {
            assertThat(outById).hasSize(expectedOut);
            assertThat(deadById).hasSize(expectedDead);
        } else {
            assertThat(out).hasSize(expectedOut);
            assertThat(dead).hasSize(expectedDead);
        }
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

    private static void assertValues(byte[] value, Case c, java.util.function.IntToDoubleFunction alphaOfElement)
            throws IOException {
        JsonNode node = JSON.readTree(value);
        JsonNode features = node.get("features");
        JsonNode derivative = node.get("derivative");
        assertThat(features.size()).isEqualTo(c.features().length);
        assertThat(derivative.size()).isEqualTo(c.features().length);
        for (int j = 0; j < c.features().length; j++) {
            double x = c.features()[j];
            double alpha = alphaOfElement.applyAsDouble(j);
            double f = x > 0 ? x : alpha * Math.expm1(x);
            double d = x > 0 ? 1.0 : alpha * Math.exp(x);
            // Within 2 ulp, zeros with their sign (ELU's contract: the vector kernel's exp is not Math's, bit for bit)
            String at = "features[" + j + "] = " + x + " of record " + c.id() + ", alpha " + alpha;
            Ulps.assertWithin2Ulp(Double.parseDouble(features.get(j).asText()), f, "f(" + at + ")");
            Ulps.assertWithin2Ulp(Double.parseDouble(derivative.get(j).asText()), d, "f'(" + at + ")");
        }
        // Every other member is carried unchanged.
        ObjectNode expectedRest = (ObjectNode) JSON.readTree(c.value());
        expectedRest.remove("features");
        ObjectNode actualRest = ((ObjectNode) node).deepCopy();
        actualRest.remove("features");
        actualRest.remove("derivative");
        assertThat(actualRest).isEqualTo(expectedRest);
    }

    public static int testId(ConsumerRecord<byte[], byte[]> r) {
        return ByteBuffer.wrap(r.headers().lastHeader("test-id").value()).getInt();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), UTF_8);
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
