package dev.elustream.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.codec.AvroRecordSchema;
import dev.elustream.codec.AvroTestSupport;
import dev.elustream.codec.SchemaRegistryClient;
import dev.elustream.codec.ServiceUnavailableException;
import dev.elustream.codec.VectorTransformer;
import dev.elustream.flink.DeadLetters;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.math.Elu;
import dev.elustream.math.Kernel;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.SchemaRegistryServer;
import dev.elustream.testing.TestJobs;
import dev.elustream.testing.Ulps;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
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
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
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
 * {@code avro-encoding=confluent} against a real schema registry (Apicurio Registry's
 * Confluent-compatible API, started from its Maven Central distribution) and a real broker: values of
 * two writer schema versions (the second with a field the job's schema lacks) are read by their ids,
 * the output schema is registered under the output topic's subject and every output value names it;
 * an unknown id, an incompatible writer schema, a value without the magic byte and a truncated one are
 * dead letters with their reasons; with the registry gone, a new id fails the task rather than
 * dead-lettering the record, while known ids still work.
 */
class ConfluentAvroITCase {

    private static final int PARALLELISM = 2;
    private static final double ALPHA = 0.5;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    private static EmbeddedKafka kafka;
    private static SchemaRegistryServer registry;

    private record Case(String key, byte[] value, @Nullable GenericRecord record, @Nullable String reason) {}

    @BeforeAll
    static void start() throws Exception {
        registry = SchemaRegistryServer.start();
        kafka = EmbeddedKafka.start(0);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    /** What Confluent's KafkaAvroSerializer writes: 0, the id big-endian, the binary encoding. */
    private static byte[] confluent(int id, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(5).put((byte) 0).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static GenericRecord record(Schema schema, String id, double[] x) {
        GenericRecord r = new GenericData.Record(schema);
        List<Double> features = new ArrayList<>();
        for (double v : x) {
            features.add(v);
        }
        r.put("id", id);
        r.put("features", features);
        r.put("tags", Map.of("source", id));
        r.put("event_time", 1_700_000_000_000L);
        if (schema.getField("producer") != null) {
            r.put("producer", "v2");
        }
        return r;
    }

    @Test
    void readsValuesByTheirRegistryIdsAndWritesTheOutputSchemasId() throws Exception {
        SchemaRegistryClient client = new SchemaRegistryClient(registry.ccompatUrl(), null, Duration.ofSeconds(10));
        Schema v1 = new Schema.Parser().parse(Files.readString(AvroTestSupport.FEATURES_AVSC));
        // a newer producer: one more field, which the job's avro-schema does not have
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : v1.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field("producer", Schema.create(Schema.Type.STRING), null, "unknown"));
        Schema v2 = Schema.createRecord(v1.getName(), v1.getDoc(), v1.getNamespace(), false, fields);
        Schema incompatible = SchemaBuilder.record("Features").namespace("example").fields()
                .name("features").type().array().items().stringType().noDefault().endRecord();
        int id1 = client.register("confluent-in-value", v1.toString());
        int id2 = client.register("confluent-in-value", v2.toString());
        int id3 = client.register("something-else-value", incompatible.toString());
        assertThat(List.of(id1, id2, id3)).doesNotHaveDuplicates();
        assertThat(client.register("confluent-in-value", v1.toString())).isEqualTo(id1);

        Random rnd = new Random(61);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            double[] x = new double[i % 2 == 0 ? 3 : 64];
            for (int j = 0; j < x.length; j++) {
                x[j] = rnd.nextGaussian() * 4;
            }
            Schema writer = i % 3 == 0 ? v2 : v1;
            GenericRecord r = record(writer, "id-" + i, x);
            cases.add(new Case("id-" + i, confluent(writer == v2 ? id2 : id1, r), r, null));
        }
        GenericRecord bad = new GenericData.Record(incompatible);
        bad.put("features", List.of("1.0"));
        byte[] good = cases.get(1).value();
        String url = registry.ccompatUrl();
        List<Case> badCases = List.of(
                new Case("bad-unknown-id", confluent(987_654, record(v1, "u", new double[] {1})), null,
                        "value names schema id 987654 of the registry at " + url + ", which does not exist"),
                new Case("bad-incompatible", confluent(id3, bad), null, null),
                new Case("bad-no-magic", "{\"features\":[1]}".getBytes(UTF_8), null,
                        "value does not start with the Confluent wire format's magic byte 0 (it starts with 7B)"),
                new Case("bad-truncated", Arrays.copyOf(good, good.length - 4), null, null),
                new Case("bad-header", new byte[] {0, 0, 1}, null, "value is not a valid Avro confluent record of"
                        + " example.Features: value is 3 bytes, shorter than the 5-byte Confluent header"));
        for (Case c : badCases) {
            cases.add(rnd.nextInt(cases.size()), c);
        }

        String prefix = "confluent";
        kafka.createTopics(PARALLELISM, prefix + "-in", prefix + "-out", prefix + "-dlq");
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Case c : cases) {
            records.add(new ProducerRecord<>(prefix + "-in", c.key().getBytes(UTF_8), c.value()));
        }
        List<RecordMetadata> landed = KafkaTestSupport.produce(kafka.bootstrapServers(), records);
        JobConfig config = TestJobs.config(kafka.bootstrapServers(), prefix, PARALLELISM, "format", "avro",
                "avro-schema", AvroTestSupport.FEATURES_AVSC.toString(), "avro-encoding", "confluent",
                "avro-registry-url", url, "vector-fields", "/features", "alpha", Double.toString(ALPHA),
                "alpha-gradient", "true");
        // what the job does before it is submitted
        EluJob.registerOutputSchema(config);
        StreamExecutionEnvironment env = TestJobs.environment(config);
        TestJobs.build(env, config, TestJobs.boundedSource(config));
        env.execute(config.jobName());

        List<ConsumerRecord<byte[], byte[]>> out = KafkaTestSupport.readToEnd(kafka.bootstrapServers(), prefix + "-out",
                Duration.ofSeconds(60));
        List<ConsumerRecord<byte[], byte[]>> dlq = KafkaTestSupport.readToEnd(kafka.bootstrapServers(), prefix + "-dlq",
                Duration.ofSeconds(60));
        // the output schema is the latest version of the output topic's subject
        AvroRecordSchema schema = (AvroRecordSchema) config.eluSettings().schema();
        assertThat(schema.registry().subject()).isEqualTo(prefix + "-out-value");
        int outputId = client.register(prefix + "-out-value", schema.outputSchema().toString());
        Schema registered = new Schema.Parser().parse(client.schema(outputId).orElseThrow());
        assertThat(registered).isEqualTo(schema.outputSchema());

        Map<String, Integer> byKey = new HashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            byKey.put(cases.get(i).key(), i);
        }
        Elu elu = Elu.withAlpha(ALPHA, Kernel.SCALAR);
        List<String> seen = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            Case c = cases.get(byKey.get(new String(r.key(), UTF_8)));
            seen.add(c.key());
            assertThat(c.record()).as("%s was expected in the dead-letter topic", c.key()).isNotNull();
            ByteBuffer header = ByteBuffer.wrap(r.value(), 0, 5);
            assertThat(header.get()).isZero();
            assertThat(header.getInt()).as("the output schema's id").isEqualTo(outputId);
            GenericRecord got = new GenericDatumReader<GenericRecord>(registered).read(null,
                    DecoderFactory.get().binaryDecoder(r.value(), 5, r.value().length - 5, null));
            double[] x = ((List<?>) c.record().get("features")).stream().mapToDouble(o -> (Double) o).toArray();
            double[][] expected = new double[3][x.length];
            elu.valuesAndDerivatives(x, expected[0], expected[1], x.length);
            elu.alphaGradients(x, expected[2], x.length);
            String[] names = {"features", "derivative", "alpha_gradient"};
            for (int b = 0; b < 3; b++) {
                List<?> actual = (List<?>) got.get(names[b]);
                assertThat(actual).hasSize(x.length);
                for (int i = 0; i < x.length; i++) {
                    Ulps.assertWithin2Ulp((Double) actual.get(i), expected[b][i], c.key() + " " + names[b] + "[" + i + "]");
                }
            }
            assertThat(got.get("id")).hasToString(c.key());
            assertThat(got.get("event_time")).isEqualTo(1_700_000_000_000L);
            assertThat(got.getSchema().getField("producer")).as("a field avro-schema lacks is not carried").isNull();
        }
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            int index = byKey.get(new String(r.key(), UTF_8));
            Case c = cases.get(index);
            seen.add(c.key());
            assertThat(c.record()).as("%s was expected in the output", c.key()).isNull();
            assertThat(r.value()).isEqualTo(c.value());
            String reason = KafkaTestSupport.header(r, DeadLetters.REASON_HEADER);
            switch (c.key()) {
                case "bad-incompatible" -> assertThat(reason).startsWith("value names schema id " + id3
                        + " of the registry at " + url + " (example.Features), which cannot be read as example.Features"
                        + " of avro-schema: ");
                case "bad-truncated" -> assertThat(reason).startsWith("value is not a valid Avro confluent record of"
                        + " example.Features: ");
                default -> assertThat(reason).isEqualTo(c.reason());
            }
            KafkaTestSupport.assertProvenance(r, landed.get(index));
        }
        assertThat(dlq).hasSize(badCases.size());
        assertThat(seen).doesNotHaveDuplicates().hasSameSizeAs(cases);

        // The registry gone: ids this transformer has fetched still work, a new one fails the task
        // (the operator rethrows it, Flink restarts from the last checkpoint) instead of a dead letter.
        VectorTransformer t = schema.transformer(elu, 0, 65536);
        t.transform(cases.get(byKey.get("id-1")).value()); // writer schema v1, fetched now
        registry.close();
        registry = null;
        // v1 again: no registry needed, and the same bytes as the job wrote for it
        byte[] jobOutput = out.stream().filter(r -> new String(r.key(), UTF_8).equals("id-2")).findFirst()
                .orElseThrow().value();
        assertThat(t.transform(cases.get(byKey.get("id-2")).value())).isEqualTo(jobOutput);
        assertThatThrownBy(() -> t.transform(cases.get(byKey.get("id-3")).value())) // v2: not fetched yet
                .isInstanceOf(ServiceUnavailableException.class)
                .hasMessageStartingWith("the schema registry at " + url + " cannot be reached to read schema id " + id2);
    }
}
