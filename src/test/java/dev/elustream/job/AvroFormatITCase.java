package dev.elustream.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.codec.AvroEncoding;
import dev.elustream.codec.AvroRecordSchema;
import dev.elustream.codec.AvroTestSupport;
import dev.elustream.flink.DeadLetters;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.math.Elu;
import dev.elustream.math.Kernel;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.TestJobs;
import dev.elustream.testing.Ulps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.util.Utf8;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Jobs with {@code format=avro} in both encodings on a real Kafka broker and a Flink mini cluster:
 * the producer encodes with Avro's own writers, the test reads the output back with Avro's readers and
 * the output schema, and checks every number of both vectors (double, and float in a nested record)
 * within 2 ulp, every passthrough field, and every malformed value once in the dead-letter topic with
 * its reason, original bytes and provenance.
 */
class AvroFormatITCase {

    private static final int PARALLELISM = 2;
    private static final double ALPHA = 0.5;
    private static final int[] LENGTHS = {1, 3, 64, 1024};

    @org.junit.jupiter.api.extension.RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    private static EmbeddedKafka kafka;

    /** One input record: the record written (null for a malformed value) or the reason it is rejected with. */
    private record Case(String key, byte[] value, @Nullable GenericRecord record, @Nullable String reason) {}

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

    @ParameterizedTest
    @EnumSource(value = AvroEncoding.class, names = {"BINARY", "SINGLE_OBJECT"})
    void transformsAvroRecordsAndDeadLettersMalformedOnes(AvroEncoding encoding) throws Exception {
        String prefix = "avro-" + encoding.id();
        AvroRecordSchema schema = AvroTestSupport.schema(encoding, "/features,/user/embedding",
                dev.elustream.codec.OutputMode.BOTH, true);
        Schema in = schema.inputSchema();
        List<Case> cases = goodCases(in, encoding, 300, 41);
        byte[] good = cases.get(0).value();
        String of = "value is not a valid Avro " + encoding.id() + " record of example.Features: ";
        List<Case> bad = new ArrayList<>();
        bad.add(new Case("bad-truncated", Arrays.copyOf(good, good.length - 5), null, null));
        bad.add(new Case("bad-trailing", Arrays.copyOf(good, good.length + 1), null,
                of + "value has 1 byte after the record"));
        GenericRecord noUser = record(in, "no-user", new double[] {1.0}, null);
        bad.add(new Case("bad-no-user", AvroTestSupport.encode(noUser, encoding), null,
                "/user/embedding is missing: field 'user' is null"));
        GenericRecord nan = record(in, "nan", new double[] {1.0, Double.NaN}, new float[] {1f});
        bad.add(new Case("bad-nan", AvroTestSupport.encode(nan, encoding), null,
                "/features[1] = NaN is not finite: avro values must be finite float64 numbers"));
        GenericRecord empty = record(in, "empty", new double[0], new float[] {1f});
        bad.add(new Case("bad-empty", AvroTestSupport.encode(empty, encoding), null, "/features is empty"));
        bad.add(new Case("bad-json", "{\"features\":[1.0]}".getBytes(UTF_8), null, null));
        if (encoding == AvroEncoding.SINGLE_OBJECT) {
            Schema other = SchemaBuilder.record("Features").namespace("example").fields()
                    .name("features").type().array().items().doubleType().noDefault().endRecord();
            GenericRecord o = new GenericData.Record(other);
            o.put("features", List.of(1.0));
            bad.add(new Case("bad-fingerprint", AvroTestSupport.encode(o, encoding), null, "value has the schema"
                    + " fingerprint 0x" + hex(SchemaNormalization.parsingFingerprint64(other)) + ", not 0x"
                    + hex(schema.inputFingerprint()) + ", the CRC-64-AVRO of avro single-object example.Features"
                    + " (features.avsc)"));
        }
        Random rnd = new Random(42);
        for (Case c : bad) {
            cases.add(rnd.nextInt(cases.size()), c);
        }

        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        String topic = prefix + "-in";
        kafka.createTopics(PARALLELISM, topic, prefix + "-out", prefix + "-dlq");
        for (Case c : cases) {
            records.add(new ProducerRecord<>(topic, c.key().getBytes(UTF_8), c.value()));
        }
        List<RecordMetadata> landed = KafkaTestSupport.produce(kafka.bootstrapServers(), records);

        JobConfig config = TestJobs.config(kafka.bootstrapServers(), prefix, PARALLELISM, "format", "avro",
                "avro-schema", AvroTestSupport.FEATURES_AVSC.toString(), "avro-encoding", encoding.id(),
                "vector-fields", "/features,/user/embedding", "alpha", Double.toString(ALPHA), "alpha-gradient", "true",
                "max-dimension", "1024");
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
        // the consumer's schema: what `schema` prints, parsed as a consumer would
        Schema output = new Schema.Parser().parse(config.eluSettings().schema().outputSchemaText());
        Elu elu = Elu.withAlpha(ALPHA, Kernel.SCALAR);
        List<String> seen = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            Case c = cases.get(byKey.get(new String(r.key(), UTF_8)));
            seen.add(c.key());
            assertThat(c.record()).as("%s was expected in the dead-letter topic", c.key()).isNotNull();
            assertOutput(elu, c.key(), c.record(), AvroTestSupport.decode(r.value(), output, output, encoding));
        }
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            int index = byKey.get(new String(r.key(), UTF_8));
            Case c = cases.get(index);
            seen.add(c.key());
            assertThat(c.record()).as("%s was expected in the output", c.key()).isNull();
            assertThat(r.value()).isEqualTo(c.value());
            String reason = KafkaTestSupport.header(r, DeadLetters.REASON_HEADER);
            if (c.reason() != null) {
                assertThat(reason).isEqualTo(c.reason());
            } else if (c.key().equals("bad-json") && encoding == AvroEncoding.SINGLE_OBJECT) {
                assertThat(reason).isEqualTo("value does not start with Avro's single-object marker C3 01 (it starts"
                        + " with 7B 22)");
            } else {
                assertThat(reason).startsWith(of);
            }
            KafkaTestSupport.assertProvenance(r, landed.get(index));
        }
        assertThat(dlq).hasSize(bad.size());
        // every record once, in one of the two topics
        assertThat(seen).doesNotHaveDuplicates().hasSameSizeAs(cases);
    }

    private static String hex(long v) {
        return java.util.HexFormat.of().withUpperCase().toHexDigits(v);
    }

    /** Every number of both vectors against the scalar kernel within 2 ulp; every other field as sent. */
    private static void assertOutput(Elu elu, String key, GenericRecord sent, GenericRecord got) {
        double[] x = ((List<?>) sent.get("features")).stream().mapToDouble(o -> (Double) o).toArray();
        int n = x.length;
        double[][] expected = new double[3][n];
        elu.valuesAndDerivatives(x, expected[0], expected[1], n);
        elu.alphaGradients(x, expected[2], n);
        String[] fields = {"features", "derivative", "alpha_gradient"};
        for (int b = 0; b < 3; b++) {
            List<?> actual = (List<?>) got.get(fields[b]);
            assertThat(actual).as("%s %s", key, fields[b]).hasSize(n);
            for (int i = 0; i < n; i++) {
                Ulps.assertWithin2Ulp((Double) actual.get(i), expected[b][i], key + " " + fields[b] + "[" + i + "]");
            }
        }
        GenericRecord sentUser = (GenericRecord) sent.get("user");
        GenericRecord gotUser = (GenericRecord) got.get("user");
        List<?> e = (List<?>) sentUser.get("embedding");
        double[] xe = e.stream().mapToDouble(o -> (Float) o).toArray();
        double[][] expectedE = new double[3][xe.length];
        elu.valuesAndDerivatives(xe, expectedE[0], expectedE[1], xe.length);
        elu.alphaGradients(xe, expectedE[2], xe.length);
        String[] userFields = {"embedding", "embedding_derivative", "embedding_alpha_gradient"};
        for (int b = 0; b < 3; b++) {
            List<?> actual = (List<?>) gotUser.get(userFields[b]);
            assertThat(actual).as("%s %s", key, userFields[b]).hasSize(xe.length);
            for (int i = 0; i < xe.length; i++) {
                Ulps.assertWithin2Ulp((Float) actual.get(i), (float) expectedE[b][i],
                        key + " " + userFields[b] + "[" + i + "]");
            }
        }
        assertThat(got.get("id")).hasToString(sent.get("id").toString());
        assertThat(gotUser.get("id")).isEqualTo(sentUser.get("id"));
        assertThat(got.get("tags")).isEqualTo(Map.of(new Utf8("source"), new Utf8(key)));
        assertThat(got.get("event_time")).isEqualTo(sent.get("event_time"));
    }

    private static GenericRecord record(Schema schema, String id, double[] features, @Nullable float[] embedding) {
        Schema userSchema = AvroRecordSchema.nonNull(schema.getField("user").schema());
        GenericRecord user = null;
        if (embedding != null) {
            List<Float> e = new ArrayList<>();
            for (float f : embedding) {
                e.add(f);
            }
            user = new GenericRecordBuilder(userSchema).set("id", (long) id.hashCode()).set("embedding", e).build();
        }
        List<Double> fs = new ArrayList<>();
        for (double d : features) {
            fs.add(d);
        }
        return new GenericRecordBuilder(schema).set("id", id).set("features", fs).set("user", user)
                .set("tags", Map.of("source", id)).set("event_time", 1_700_000_000_000L + id.length()).build();
    }

    /** Records of every vector length in turn, a -0.0 now and then, embeddings of their own lengths. */
    private static List<Case> goodCases(Schema schema, AvroEncoding encoding, int count, long seed) {
        Random rnd = new Random(seed);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = LENGTHS[i % LENGTHS.length];
            double[] x = new double[n];
            for (int j = 0; j < n; j++) {
                x[j] = rnd.nextGaussian() * 5;
            }
            x[0] = i % 8 == 0 ? -0.0 : x[0];
            float[] e = new float[1 + rnd.nextInt(16)];
            for (int j = 0; j < e.length; j++) {
                e[j] = (float) (rnd.nextGaussian() * 3);
            }
            String key = "id-" + i;
            GenericRecord r = record(schema, key, x, e);
            cases.add(new Case(key, AvroTestSupport.encode(r, encoding), r, null));
        }
        return cases;
    }
}
