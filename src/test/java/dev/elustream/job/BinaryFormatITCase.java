package dev.elustream.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.codec.BinaryVectors.Decoded;
import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.codec.BinaryVectors;
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
import java.util.HexFormat;
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
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job with {@code format=binary} end to end on a real Kafka broker and a Flink mini cluster:
 * float64 and float32 vectors come out decoded value by value with key, headers and timestamp kept;
 * malformed ones land in the dead-letter topic with their original bytes and {@code elu.error.*} headers.
 */
class BinaryFormatITCase {

    private static final int PARALLELISM = 2;
    private static final double ALPHA = 0.5;
    private static final int[] LENGTHS = {1, 3, 64, 1024};

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    /** One input record: its value, and either the input vector (widened) or the reason it must be rejected with. */
    private record Case(String key, byte[] value, long timestamp, @Nullable double[] x, @Nullable ElementType type,
            @Nullable String reason) {}

    @Test
    void transformsBinaryVectorsAndDeadLettersMalformedOnes() throws Exception {
        List<Case> cases = cases();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            kafka.createTopics(PARALLELISM, "binary-in", "binary-out", "binary-dlq");
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (Case c : cases) {
                records.add(new ProducerRecord<>("binary-in", null, c.timestamp(), c.key().getBytes(UTF_8), c.value(),
                        List.<Header>of(new RecordHeader("trace", ("t-" + c.key()).getBytes(UTF_8)))));
            }
            List<RecordMetadata> landed = KafkaTestSupport.produce(kafka.bootstrapServers(), records);

            JobConfig config = TestJobs.config(kafka.bootstrapServers(), "binary", PARALLELISM, "format", "binary",
                    "alpha", Double.toString(ALPHA), "alpha-gradient", "true", "max-dimension", "1024");
            TopicCheck.check(config, Duration.ofSeconds(10));
            StreamExecutionEnvironment env = TestJobs.environment(config);
            TestJobs.build(env, config, TestJobs.boundedSource(config));
            env.execute(config.jobName());

            long good = cases.stream().filter(c -> c.reason() == null).count();
            List<ConsumerRecord<byte[], byte[]>> out = KafkaTestSupport.readToEnd(kafka.bootstrapServers(), "binary-out",
                    Duration.ofSeconds(60));
            List<ConsumerRecord<byte[], byte[]>> dlq = KafkaTestSupport.readToEnd(kafka.bootstrapServers(), "binary-dlq",
                    Duration.ofSeconds(60));
            assertThat(out).hasSize((int) good);
            assertThat(dlq).hasSize(cases.size() - (int) good);

            Map<String, Integer> byKey = new HashMap<>();
            for (int i = 0; i < cases.size(); i++) {
                byKey.put(cases.get(i).key(), i);
            }
            Elu elu = Elu.withAlpha(ALPHA, Kernel.SCALAR);
            for (ConsumerRecord<byte[], byte[]> r : out) {
                Case c = cases.get(byKey.get(new String(r.key(), UTF_8)));
                assertThat(c.reason()).as("%s was expected in the dead-letter topic", c.key()).isNull();
                assertThat(r.timestamp()).isEqualTo(c.timestamp());
                assertThat(r.headers().toArray()).hasSize(1);
                assertThat(r.headers().lastHeader("trace").value()).isEqualTo(("t-" + c.key()).getBytes(UTF_8));
                assertOutput(elu, c, BinaryVectors.decode(r.value()));
            }
            for (ConsumerRecord<byte[], byte[]> r : dlq) {
                int index = byKey.get(new String(r.key(), UTF_8));
                Case c = cases.get(index);
                assertThat(c.reason()).as("%s was expected in the output", c.key()).isNotNull();
                assertThat(r.value()).isEqualTo(c.value());
                assertThat(r.timestamp()).isEqualTo(c.timestamp());
                assertThat(KafkaTestSupport.header(r, "trace")).isEqualTo("t-" + c.key());
                assertThat(KafkaTestSupport.header(r, DeadLetters.REASON_HEADER)).isEqualTo(c.reason());
                assertThat(KafkaTestSupport.header(r, DeadLetters.TOPIC_HEADER)).isEqualTo("binary-in");
                assertThat(KafkaTestSupport.header(r, DeadLetters.PARTITION_HEADER)).isEqualTo(Integer.toString(landed.get(index).partition()));
                assertThat(KafkaTestSupport.header(r, DeadLetters.OFFSET_HEADER)).isEqualTo(Long.toString(landed.get(index).offset()));
            }
        }
    }

    /**
     * Values, derivative and alpha gradient of the scalar ELU kernel (float32: rounded once from
     * double), within 2 ulp of the element type: the job may run the vector kernel, whose last bit
     * can differ. Zeros keep their sign exactly.
     */
    private static void assertOutput(Elu elu, Case c, Decoded d) {
        int n = c.x().length;
        double[] values = new double[n];
        double[] derivatives = new double[n];
        double[] gradients = new double[n];
        elu.alphaGradients(c.x(), gradients, n);
        elu.valuesAndDerivatives(c.x(), values, derivatives, n);
        assertThat(d.elementType()).as(c.key()).isEqualTo(c.type());
        if (c.type() == ElementType.FLOAT32) {
            for (int i = 0; i < n; i++) {
                values[i] = (float) values[i];
                derivatives[i] = (float) derivatives[i];
                gradients[i] = (float) gradients[i];
            }
        }
        assertWithin2Ulp(c.key() + " values", c.type(), d.values(), values);
        assertWithin2Ulp(c.key() + " derivative", c.type(), d.derivatives(), derivatives);
        assertWithin2Ulp(c.key() + " alpha gradient", c.type(), d.alphaGradients(), gradients);
    }

    /** Float32 sections were rounded once to float: within 2 ulp of the float. */
    private static void assertWithin2Ulp(String what, ElementType type, double[] actual, double[] expected) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (type == ElementType.FLOAT32) {
                Ulps.assertWithin2Ulp((float) actual[i], (float) expected[i], what + "[" + i + "]");
            } else {
                Ulps.assertWithin2Ulp(actual[i], expected[i], what + "[" + i + "]");
            }
        }
    }

    private static List<Case> cases() {
        Random rnd = new Random(11);
        long now = System.currentTimeMillis() - 60_000L;
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int n = LENGTHS[i % LENGTHS.length];
            double[] x = new double[n];
            String key = "id-" + i;
            if (i % 2 == 0) {
                for (int j = 0; j < n; j++) {
                    x[j] = rnd.nextGaussian() * 5;
                }
                x[0] = i % 8 == 0 ? -0.0 : x[0];
                cases.add(new Case(key, BinaryVectors.encode(x), now + i, x, ElementType.FLOAT64, null));
            } else {
                float[] f = new float[n];
                for (int j = 0; j < n; j++) {
                    f[j] = (float) (rnd.nextGaussian() * 5);
                    x[j] = f[j];
                }
                cases.add(new Case(key, BinaryVectors.encode(f), now + i, x, ElementType.FLOAT32, null));
            }
        }
        byte[] truncated = BinaryVectors.encode(new double[] {1, 2, 3});
        truncated = Arrays.copyOf(truncated, truncated.length - 1);
        byte[] nan = BinaryVectors.encode(new float[] {1f, Float.NaN});
        byte[] version2 = BinaryVectors.encode(new double[] {1});
        version2[2] = 2;
        byte[] tooLong = BinaryVectors.encode(new double[1025]);
        String[][] bad = {
            {"{\"features\":[1,2]}", "bad magic 0x7b22 (expected 0x4556 \"EV\"): is this a JSON record on a binary job?"},
            {HexFormat.of().formatHex(truncated), "value is 35 bytes, expected 36 for 3 float64 values (12 + 3 x 8)"},
            {HexFormat.of().formatHex(nan), "features[1] = NaN is not finite: binary values must be finite float32 numbers"},
            {HexFormat.of().formatHex(version2), "unsupported version 2 of the binary format (this job reads version 1)"},
            {"455601030100000001000000", "unknown element type 3 (expected 1 = float64 or 2 = float32)"},
            {"455601010300000001000000", "sections 0x03, expected 0x01 (values only): an input carries the features alone"},
            {"455601010100000000000000", "count is 0: a binary vector has at least 1 value"},
            {HexFormat.of().formatHex(tooLong), "count is 1025, more than 1024 elements (max-dimension)"},
            {"4556", "value is 2 bytes, shorter than the 12-byte header of a binary vector"},
        };
        for (int i = 0; i < bad.length; i++) {
            byte[] value = bad[i][0].startsWith("{") ? bad[i][0].getBytes(UTF_8) : HexFormat.of().parseHex(bad[i][0]);
            // spread among the good ones, several times each
            for (int copy = 0; copy < 3; copy++) {
                cases.add(rnd.nextInt(cases.size()), new Case("bad-" + i + "-" + copy, value, now + 1000 + i, null, null,
                        bad[i][1]));
            }
        }
        return cases;
    }
}
