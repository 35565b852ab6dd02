package dev.elustream.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.UnknownFieldSet;
import dev.elustream.flink.DeadLetters;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.math.Elu;
import dev.elustream.math.Kernel;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.TestJobs;
import dev.elustream.testing.Ulps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
 * The shipped Protobuf job ({@code jobs/features-elu-protobuf.properties}) on a real Kafka broker and
 * a Flink mini cluster: the producer encodes {@code example.Features} with protobuf-java, the test
 * reads {@code example.FeaturesOut} back with protobuf-java and checks every number of both vectors
 * (double, and float in a nested message) within 2 ulp, every passthrough field, a field unknown to
 * both messages kept, and every malformed value once in the dead-letter topic with its reason,
 * original bytes and provenance.
 */
class ProtobufFormatITCase {

    private static final int PARALLELISM = 2;
    private static final double ALPHA = 0.5;
    private static final int[] LENGTHS = {1, 3, 64, 1024};
    /** A field number neither message has: the job must carry it through as an unknown field. */
    private static final int UNKNOWN_FIELD = 99;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    private static EmbeddedKafka kafka;
    private static Descriptor features;
    private static Descriptor featuresOut;

    /** One input record: the message sent (null for a malformed value) or the reason it is rejected with. */
    private record Case(String key, byte[] value, @Nullable DynamicMessage message, @Nullable String reason) {}

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(0);
        FileDescriptorSet set = FileDescriptorSet.parseFrom(Files.readAllBytes(Path.of("jobs", "features.desc")));
        Map<String, FileDescriptor> built = new HashMap<>();
        for (FileDescriptorProto proto : set.getFileList()) {
            FileDescriptor file = FileDescriptor.buildFrom(proto, proto.getDependencyList().stream().map(built::get)
                    .toArray(FileDescriptor[]::new));
            built.put(proto.getName(), file);
            if (file.findMessageTypeByName("Features") != null) {
                features = file.findMessageTypeByName("Features");
                featuresOut = file.findMessageTypeByName("FeaturesOut");
            }
        }
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void transformsProtobufMessagesAndDeadLettersMalformedOnes() throws Exception {
        String prefix = "protobuf";
        List<Case> cases = goodCases(300, 51);
        byte[] good = cases.get(0).value();
        String of = "value is not a valid protobuf example.Features: ";
        List<Case> bad = new ArrayList<>();
        bad.add(new Case("bad-truncated", Arrays.copyOf(good, good.length - 5), null, null));
        bad.add(new Case("bad-no-user", message("no-user", new double[] {1.0}, null).toByteArray(), null,
                "/user/embedding is missing (field 'user' is not set)"));
        bad.add(new Case("bad-nan", message("nan", new double[] {1.0, Double.NaN}, new float[] {1f}).toByteArray(), null,
                "/features[1] = NaN is not finite: protobuf values must be finite float64 numbers"));
        bad.add(new Case("bad-empty", message("empty", new double[0], new float[] {1f}).toByteArray(), null,
                "/features is empty"));
        bad.add(new Case("bad-json", "{\"features\":[1.0]}".getBytes(UTF_8), null, null));
        bad.add(new Case("bad-empty-value", new byte[0], null, "value is empty: expected a protobuf example.Features"));
        Random rnd = new Random(52);
        for (Case c : bad) {
            cases.add(rnd.nextInt(cases.size()), c);
        }

        String topic = prefix + "-in";
        kafka.createTopics(PARALLELISM, topic, prefix + "-out", prefix + "-dlq");
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Case c : cases) {
            records.add(new ProducerRecord<>(topic, c.key().getBytes(UTF_8), c.value()));
        }
        List<RecordMetadata> landed = KafkaTestSupport.produce(kafka.bootstrapServers(), records);

        // the shipped job file's record keys, with the test's topics
        Map<String, String> shipped = JobConfig.readJobFile(Path.of("jobs", "features-elu-protobuf.properties"));
        JobConfig config = TestJobs.config(kafka.bootstrapServers(), prefix, PARALLELISM, "format", "protobuf",
                "protobuf-descriptor", shipped.get("protobuf-descriptor"), "protobuf-message",
                shipped.get("protobuf-message"), "protobuf-output-message", shipped.get("protobuf-output-message"),
                "vector-fields", shipped.get("vector-fields"), "alpha", Double.toString(ALPHA), "alpha-gradient", "true",
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
        Elu elu = Elu.withAlpha(ALPHA, Kernel.SCALAR);
        List<String> seen = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            Case c = cases.get(byKey.get(new String(r.key(), UTF_8)));
            seen.add(c.key());
            assertThat(c.message()).as("%s was expected in the dead-letter topic", c.key()).isNotNull();
            assertOutput(elu, c.key(), c.message(), DynamicMessage.parseFrom(featuresOut, r.value()));
        }
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            int index = byKey.get(new String(r.key(), UTF_8));
            Case c = cases.get(index);
            seen.add(c.key());
            assertThat(c.message()).as("%s was expected in the output", c.key()).isNull();
            assertThat(r.value()).isEqualTo(c.value());
            String reason = KafkaTestSupport.header(r, DeadLetters.REASON_HEADER);
            if (c.reason() != null) {
                assertThat(reason).isEqualTo(c.reason());
            } else {
                assertThat(reason).startsWith(of);
            }
            KafkaTestSupport.assertProvenance(r, landed.get(index));
        }
        assertThat(dlq).hasSize(bad.size());
        // every record once, in one of the two topics
        assertThat(seen).doesNotHaveDuplicates().hasSameSizeAs(cases);
    }

    /** Every number of both vectors against the scalar kernel within 2 ulp; every other field as sent. */
    private static void assertOutput(Elu elu, String key, DynamicMessage sent, DynamicMessage got) {
        double[] x = numbers(sent, "features");
        double[][] expected = expected(elu, x);
        String[] fields = {"features", "derivative", "alpha_gradient"};
        for (int b = 0; b < 3; b++) {
            double[] actual = numbers(got, fields[b]);
            assertThat(actual).as("%s %s", key, fields[b]).hasSize(x.length);
            for (int i = 0; i < x.length; i++) {
                Ulps.assertWithin2Ulp(actual[i], expected[b][i], key + " " + fields[b] + "[" + i + "]");
            }
        }
        DynamicMessage sentUser = (DynamicMessage) field(sent, "user");
        DynamicMessage gotUser = (DynamicMessage) field(got, "user");
        double[] xe = numbers(sentUser, "embedding");
        double[][] expectedE = expected(elu, xe);
        String[] userFields = {"embedding", "embedding_derivative", "embedding_alpha_gradient"};
        for (int b = 0; b < 3; b++) {
            List<?> actual = (List<?>) field(gotUser, userFields[b]);
            assertThat(actual).as("%s %s", key, userFields[b]).hasSize(xe.length);
            for (int i = 0; i < xe.length; i++) {
                Ulps.assertWithin2Ulp((Float) actual.get(i), (float) expectedE[b][i],
                        key + " " + userFields[b] + "[" + i + "]");
            }
        }
        assertThat(field(got, "id")).isEqualTo(field(sent, "id"));
        assertThat(field(gotUser, "id")).isEqualTo(field(sentUser, "id"));
        assertThat(got.getField(featuresOut.findFieldByName("tags")).toString())
                .isEqualTo(sent.getField(features.findFieldByName("tags")).toString());
        assertThat(got.getUnknownFields().getField(UNKNOWN_FIELD).getLengthDelimitedList())
                .isEqualTo(sent.getUnknownFields().getField(UNKNOWN_FIELD).getLengthDelimitedList());
    }

    private static double[][] expected(Elu elu, double[] x) {
        double[][] e = new double[3][x.length];
        elu.valuesAndDerivatives(x, e[0], e[1], x.length);
        elu.alphaGradients(x, e[2], x.length);
        return e;
    }

    private static Object field(DynamicMessage m, String name) {
        return m.getField(m.getDescriptorForType().findFieldByName(name));
    }

    private static double[] numbers(DynamicMessage m, String name) {
        return ((List<?>) field(m, name)).stream().mapToDouble(o -> ((Number) o).doubleValue()).toArray();
    }

    private static DynamicMessage message(String id, double[] x, @Nullable float[] embedding) {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(features);
        b.setField(features.findFieldByName("id"), id);
        FieldDescriptor f = features.findFieldByName("features");
        for (double v : x) {
            b.addRepeatedField(f, v);
        }
        if (embedding != null) {
            Descriptor userType = features.findFieldByName("user").getMessageType();
            DynamicMessage.Builder user = DynamicMessage.newBuilder(userType);
            user.setField(userType.findFieldByName("id"), (long) id.hashCode());
            for (float v : embedding) {
                user.addRepeatedField(userType.findFieldByName("embedding"), v);
            }
            b.setField(features.findFieldByName("user"), user.build());
        }
        Descriptor entry = features.findFieldByName("tags").getMessageType();
        b.addRepeatedField(features.findFieldByName("tags"), DynamicMessage.newBuilder(entry)
                .setField(entry.findFieldByName("key"), "source").setField(entry.findFieldByName("value"), id).build());
        b.setUnknownFields(UnknownFieldSet.newBuilder().addField(UNKNOWN_FIELD, UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(com.google.protobuf.ByteString.copyFromUtf8("trace-" + id)).build()).build());
        return b.build();
    }

    /** Messages of every vector length in turn, a -0.0 now and then, embeddings of their own lengths. */
    private static List<Case> goodCases(int count, long seed) {
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
            DynamicMessage m = message(key, x, e);
            cases.add(new Case(key, m.toByteArray(), m, null));
        }
        return cases;
    }
}
