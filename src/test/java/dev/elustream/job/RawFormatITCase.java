package dev.elustream.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.codec.Endianness;
import dev.elustream.codec.RawTensors;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Jobs with {@code format=raw-float32} (little-endian) and {@code raw-float64} (big-endian) end to
 * end on a real Kafka broker and a Flink mini cluster, fed by a plain byte-array producer as numpy's
 * {@code tobytes()} would: every output block decoded and checked element by element, key, headers
 * and timestamp kept; malformed values land in the dead-letter topic once each, with their original
 * bytes and {@code elu.error.*} headers.
 */
class RawFormatITCase {

    private static final int PARALLELISM = 2;
    private static final double ALPHA = 0.5;
    private static final int[] LENGTHS = {1, 3, 64, 1024};

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    private static EmbeddedKafka kafka;

    /**
     * One input record: its value (null: a tombstone), and either the input vector (widened) or the
     * reason it must be rejected with.
     */
    private record Case(String key, @Nullable byte[] value, long timestamp, @Nullable double[] x,
            @Nullable String reason) {}

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
    void transformsLittleEndianFloat32TensorsAndDeadLettersMalformedOnes() throws Exception {
        List<Case> cases = goodCases(ElementType.FLOAT32, Endianness.LITTLE_ENDIAN, 300, 21);
        byte[] nan = RawTensors.encode(new float[] {1f, -2f, 3f, Float.NaN}, Endianness.LITTLE_ENDIAN);
        String[][] bad = {
            {"", "value is empty: expected raw float32 elements (4 bytes each, little-endian)"},
            {"0000c03f000000c00000", "value is 10 bytes, not a multiple of 4 (raw-float32: 4 bytes per element)"},
            {"000080", "value is 3 bytes, not a multiple of 4 (raw-float32: 4 bytes per element)"},
            {HexFormat.of().formatHex(nan), "features[3] = NaN is not finite: raw-float32 values must be finite float32 numbers"},
            {"0000803f000080ff", "features[1] = -Infinity is not finite: raw-float32 values must be finite float32 numbers"},
            {HexFormat.of().formatHex(new byte[1025 * 4]), "value has 1025 elements, more than 1024 (max-dimension)"},
        };
        addBadCases(cases, bad, 22);
        run("raw32", ElementType.FLOAT32, Endianness.LITTLE_ENDIAN, cases, "format", "raw-float32");
    }

    @Test
    void transformsBigEndianFloat64Tensors() throws Exception {
        List<Case> cases = goodCases(ElementType.FLOAT64, Endianness.BIG_ENDIAN, 100, 31);
        String[][] bad = {
            {"3ff8000000000000c000", "value is 10 bytes, not a multiple of 8 (raw-float64: 8 bytes per element)"},
            // NaN written big-endian
            {"3ff80000000000007ff8000000000000", "features[1] = NaN is not finite: raw-float64 values must be finite float64 numbers"},
        };
        addBadCases(cases, bad, 32);
        run("raw64", ElementType.FLOAT64, Endianness.BIG_ENDIAN, cases, "format", "raw-float64",
                "byte-order", "big-endian");
    }

    private static void run(String prefix, ElementType type, Endianness order, List<Case> cases, String... settings)
            throws Exception {
        String in = prefix + "-in";
        kafka.createTopics(PARALLELISM, in, prefix + "-out", prefix + "-dlq");
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Case c : cases) {
            records.add(new ProducerRecord<>(in, null, c.timestamp(), c.key().getBytes(UTF_8), c.value(),
                    List.<Header>of(new RecordHeader("trace", ("t-" + c.key()).getBytes(UTF_8)))));
        }
        List<RecordMetadata> landed = KafkaTestSupport.produce(kafka.bootstrapServers(), records);

        List<String> extra = new ArrayList<>(List.of(settings));
        extra.addAll(List.of("alpha", Double.toString(ALPHA), "alpha-gradient", "true", "max-dimension", "1024"));
        JobConfig config = TestJobs.config(kafka.bootstrapServers(), prefix, PARALLELISM, extra.toArray(String[]::new));
        TopicCheck.check(config, Duration.ofSeconds(10));
        StreamExecutionEnvironment env = TestJobs.environment(config);
        TestJobs.build(env, config, TestJobs.boundedSource(config));
        env.execute(config.jobName());

        List<ConsumerRecord<byte[], byte[]>> out = KafkaTestSupport.readToEnd(kafka.bootstrapServers(), prefix + "-out",
                Duration.ofSeconds(60));
        List<ConsumerRecord<byte[], byte[]>> dlq = KafkaTestSupport.readToEnd(kafka.bootstrapServers(), prefix + "-dlq",
                Duration.ofSeconds(60));
        long good = cases.stream().filter(c -> c.reason() == null).count();
        assertThat(out).hasSize((int) good);
        assertThat(dlq).hasSize(cases.size() - (int) good);

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
            assertThat(r.timestamp()).isEqualTo(c.timestamp());
            assertThat(r.headers().toArray()).hasSize(1);
            assertThat(r.headers().lastHeader("trace").value()).isEqualTo(("t-" + c.key()).getBytes(UTF_8));
            if (c.value() == null) {
                assertThat(r.value()).as("%s: a tombstone stays one", c.key()).isNull();
                continue;
            }
            assertThat(r.value()).as(c.key()).hasSize(3 * c.value().length);
            assertOutput(elu, c, type, RawTensors.decode(r.value(), type, order, 3));
        }
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            int index = byKey.get(new String(r.key(), UTF_8));
            Case c = cases.get(index);
            seen.add(c.key());
            assertThat(c.reason()).as("%s was expected in the output", c.key()).isNotNull();
            assertThat(r.value()).isEqualTo(c.value());
            assertThat(r.timestamp()).isEqualTo(c.timestamp());
            assertThat(KafkaTestSupport.header(r, "trace")).isEqualTo("t-" + c.key());
            assertThat(KafkaTestSupport.header(r, DeadLetters.REASON_HEADER)).isEqualTo(c.reason());
            assertThat(KafkaTestSupport.header(r, DeadLetters.TOPIC_HEADER)).isEqualTo(in);
            assertThat(KafkaTestSupport.header(r, DeadLetters.PARTITION_HEADER)).isEqualTo(Integer.toString(landed.get(index).partition()));
            assertThat(KafkaTestSupport.header(r, DeadLetters.OFFSET_HEADER)).isEqualTo(Long.toString(landed.get(index).offset()));
        }
        // every record once, in one of the two topics
        assertThat(seen).doesNotHaveDuplicates().hasSameSizeAs(cases);
    }

    /**
     * f(x), f'(x) and df/dalpha of the scalar ELU kernel (float32: rounded once from double), within
     * 2 ulp of the element type: the job may run the vector kernel, whose last bit can differ. Zeros
     * keep their sign exactly.
     */
    private static void assertOutput(Elu elu, Case c, ElementType type, double[][] blocks) {
        int n = c.x().length;
        double[][] expected = new double[3][n];
        elu.valuesAndDerivatives(c.x(), expected[0], expected[1], n);
        elu.alphaGradients(c.x(), expected[2], n);
        String[] names = {"values", "derivative", "alpha gradient"};
        for (int b = 0; b < 3; b++) {
            assertThat(blocks[b]).as("%s %s", c.key(), names[b]).hasSize(n);
            for (int i = 0; i < n; i++) {
                String what = c.key() + " " + names[b] + "[" + i + "]";
                if (type == ElementType.FLOAT32) {
                    Ulps.assertWithin2Ulp((float) blocks[b][i], (float) expected[b][i], what);
                } else {
                    Ulps.assertWithin2Ulp(blocks[b][i], expected[b][i], what);
                }
            }
        }
    }

    /** Vectors of every length in turn, as numpy would write them, a -0.0 now and then, and one tombstone. */
    private static List<Case> goodCases(ElementType type, Endianness order, int count, long seed) {
        Random rnd = new Random(seed);
        long now = System.currentTimeMillis() - 60_000L;
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = LENGTHS[i % LENGTHS.length];
            double[] x = new double[n];
            for (int j = 0; j < n; j++) {
                x[j] = rnd.nextGaussian() * 5;
            }
            x[0] = i % 8 == 0 ? -0.0 : x[0];
            byte[] value;
            if (type == ElementType.FLOAT32) {
                float[] f = new float[n];
                for (int j = 0; j < n; j++) {
                    f[j] = (float) x[j];
                    x[j] = f[j];
                }
                value = RawTensors.encode(f, order);
            } else {
                value = RawTensors.encode(x, order);
            }
            cases.add(new Case("id-" + i, value, now + i, x, null));
        }
        cases.add(rnd.nextInt(cases.size()), new Case("tombstone", null, now + count, null, null));
        return cases;
    }

    /** Each malformed value once, spread among the good ones. */
    private static void addBadCases(List<Case> cases, String[][] bad, long seed) {
        Random rnd = new Random(seed);
        long now = System.currentTimeMillis() - 30_000L;
        for (int i = 0; i < bad.length; i++) {
            cases.add(rnd.nextInt(cases.size()), new Case("bad-" + i, HexFormat.of().parseHex(bad[i][0]), now + i, null,
                    bad[i][1]));
        }
    }
}
