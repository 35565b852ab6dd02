package dev.elustream.codec;

import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.elustream.codec.BinaryVectors.Decoded;
import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ActivationFunction;
import dev.elustream.math.Celu;
import dev.elustream.math.Elu;
import dev.elustream.testing.EluReference;
import dev.elustream.math.Kernel;
import dev.elustream.math.Selu;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The binary codec: layout, values against the kernels and the reference, and every reject with its reason. */
class EluBinaryTransformerTest {

    // The scalar kernel: these tests compare the codec with the kernel bit for bit, which the vector
    // kernel only guarantees within 2 ulp (interpreted and compiled vector code may differ).
    private static final Elu ELU = Elu.withAlpha(1.0, Kernel.SCALAR);
    private static final EluBinaryTransformer BOTH = new EluBinaryTransformer(ELU, OutputMode.BOTH, false, 0, 8);

    private static VectorRejectedException reject(VectorTransformer transformer, byte[] value) {
        VectorRejectedException e = catchThrowableOfType(VectorRejectedException.class, () -> transformer.transform(value));
        assertThat(e).as("rejected").isNotNull();
        return e;
    }

    /** A header (12 bytes, from hex) followed by the given little-endian doubles. */
    private static byte[] value(String headerHex, double... values) {
        byte[] header = HexFormat.of().parseHex(headerHex.replace(" ", ""));
        ByteBuffer b = ByteBuffer.allocate(header.length + 8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header);
        for (double v : values) {
            b.putDouble(v);
        }
        return b.array();
    }

    private static double[] random(int n, long seed) {
        Random rnd = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextGaussian() * 4;
        }
        return x;
    }

    @Test
    void writesTheDocumentedLayout() throws Exception {
        byte[] in = BinaryVectors.encode(new double[] {1.5, -2.0});
        assertThat(HexFormat.of().formatHex(in)).isEqualTo("4556" + "01" + "01" + "01" + "000000" + "02000000"
                + "000000000000f83f" + "00000000000000c0");

        byte[] out = BOTH.transform(in);
        assertThat(HexFormat.of().formatHex(Arrays.copyOf(out, 12))).isEqualTo("455601010300000002000000");
        ByteBuffer b = ByteBuffer.wrap(out, 12, out.length - 12).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(out).hasSize(12 + 2 * 2 * 8);
        assertThat(b.getDouble()).isEqualTo(1.5);
        assertThat(b.getDouble()).isEqualTo(Math.expm1(-2.0));
        assertThat(b.getDouble()).isEqualTo(1.0);
        assertThat(b.getDouble()).isEqualTo(Math.exp(-2.0));
    }

    @Test
    void writesTheSectionsTheJobAsksFor() throws Exception {
        double[] x = {3.0, -1.0};
        Celu celu = Celu.withAlpha(0.5);
        Decoded activationOnly = BinaryVectors.decode(
                new EluBinaryTransformer(celu, OutputMode.ACTIVATION, false, 0, 8).transform(BinaryVectors.encode(x)));
        assertThat(activationOnly.values()).containsExactly(3.0, celu.value(-1.0));
        assertThat(activationOnly.derivatives()).isNull();
        assertThat(activationOnly.alphaGradients()).isNull();

        byte[] out = new EluBinaryTransformer(celu, OutputMode.ACTIVATION, true, 0, 8).transform(BinaryVectors.encode(x));
        assertThat(out[4]).as("sections").isEqualTo((byte) 5);
        Decoded withGradient = BinaryVectors.decode(out);
        assertThat(withGradient.derivatives()).isNull();
        assertThat(withGradient.alphaGradients()).containsExactly(0.0, celu.alphaGradient(-1.0));

        out = new EluBinaryTransformer(celu, OutputMode.BOTH, true, 0, 8).transform(BinaryVectors.encode(x));
        assertThat(out[4]).as("sections").isEqualTo((byte) 7);
        Decoded all = BinaryVectors.decode(out);
        assertThat(all.elementType()).isEqualTo(ElementType.FLOAT64);
        assertThat(all.values()).containsExactly(3.0, celu.value(-1.0));
        assertThat(all.derivatives()).containsExactly(1.0, celu.derivative(-1.0));
        assertThat(all.alphaGradients()).containsExactly(0.0, celu.alphaGradient(-1.0));
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 3, 64, 1024})
    void float64ResultsAreTheKernelsBitForBitAtEveryTail(int n) throws Exception {
        double[] x = random(n, n);
        EluBinaryTransformer t = new EluBinaryTransformer(ELU, OutputMode.BOTH, true, 0, 2048);
        Decoded d = BinaryVectors.decode(t.transform(BinaryVectors.encode(x)));
        double[] values = new double[n];
        double[] derivatives = new double[n];
        double[] gradients = new double[n];
        ELU.valuesAndDerivatives(x, values, derivatives, n);
        ELU.alphaGradients(x, gradients, n);
        assertThat(d.values()).containsExactly(values);
        assertThat(d.derivatives()).containsExactly(derivatives);
        assertThat(d.alphaGradients()).containsExactly(gradients);
        assertThat(t.lastLength()).isEqualTo(n);
        assertThat(t.lastNonPositiveCount()).isEqualTo((int) Arrays.stream(x).filter(v -> v <= 0).count());
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 3, 64, 1024})
    void float32ResultsAreComputedInDoubleAndRoundedOnce(int n) throws Exception {
        float[] x = new float[n];
        double[] wide = new double[n];
        double[] gaussian = random(n, 100 + n);
        for (int i = 0; i < n; i++) {
            x[i] = (float) gaussian[i];
            wide[i] = x[i];
        }
        byte[] in = BinaryVectors.encode(x);
        assertThat(in).hasSize(12 + 4 * n);
        assertThat(in[3]).as("element type").isEqualTo((byte) 2);
        byte[] out = new EluBinaryTransformer(ELU, OutputMode.BOTH, false, 0, 2048).transform(in);
        assertThat(out).hasSize(12 + 2 * 4 * n);
        assertThat(out[3]).as("element type").isEqualTo((byte) 2);

        Decoded d = BinaryVectors.decode(out);
        assertThat(d.elementType()).isEqualTo(ElementType.FLOAT32);
        double[] values = new double[n];
        double[] derivatives = new double[n];
        ELU.valuesAndDerivatives(wide, values, derivatives, n);
        for (int i = 0; i < n; i++) {
            assertThat((float) d.values()[i]).as("f(x[%d])", i).isEqualTo((float) values[i]);
            assertThat((float) d.derivatives()[i]).as("f'(x[%d])", i).isEqualTo((float) derivatives[i]);
        }
    }

    @Test
    void keepsTheSignOfZero() throws Exception {
        Elu elu = Elu.withAlpha(0.5);
        EluBinaryTransformer t = new EluBinaryTransformer(elu, OutputMode.BOTH, false, 0, 8);
        Decoded d64 = BinaryVectors.decode(t.transform(BinaryVectors.encode(new double[] {-0.0, 0.0})));
        assertThat(Double.doubleToRawLongBits(d64.values()[0])).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(Double.doubleToRawLongBits(d64.values()[1])).isEqualTo(0L);
        assertThat(d64.derivatives()).containsExactly(0.5, 0.5);
        assertThat(t.lastNonPositiveCount()).isEqualTo(2);

        Decoded d32 = BinaryVectors.decode(t.transform(BinaryVectors.encode(new float[] {-0.0f, 0.0f})));
        assertThat(Float.floatToRawIntBits((float) d32.values()[0])).isEqualTo(Float.floatToRawIntBits(-0.0f));
        assertThat(Float.floatToRawIntBits((float) d32.values()[1])).isZero();
        assertThat(d32.derivatives()).containsExactly(0.5, 0.5);
    }

    @Test
    void neverWritesIntoTheInputOrAnEarlierOutput() throws Exception {
        EluBinaryTransformer t = new EluBinaryTransformer(ELU, OutputMode.BOTH, true, 0, 2048);
        byte[] in = BinaryVectors.encode(random(64, 1));
        byte[] inCopy = in.clone();
        byte[] first = t.transform(in);
        byte[] firstCopy = first.clone();
        assertThat(in).isEqualTo(inCopy);

        byte[] longer = BinaryVectors.encode(random(1024, 2));
        byte[] second = t.transform(longer);
        assertThat(second).isNotSameAs(first);
        assertThat(first).as("the first output, after the transformer grew its buffers").isEqualTo(firstCopy);
        assertThat(t.transform(in)).as("the same input again").isEqualTo(firstCopy);
    }

    @Test
    void allocatesOnlyTheOutputPerRecord() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // The scalar kernel: this is about the codec. The vector kernel allocates its vectors until C2
        // has compiled it, which on a busy machine can take longer than any warm-up here; JMH's
        // BinaryCodecBench measures it compiled (-prof gc).
        EluBinaryTransformer t = new EluBinaryTransformer(
                Elu.withAlpha(1.0, Kernel.SCALAR), OutputMode.BOTH, false, 0, 2048);
        byte[] in64 = BinaryVectors.encode(random(1024, 3));
        float[] f = new float[1024];
        Arrays.fill(f, -0.5f);
        byte[] in32 = BinaryVectors.encode(f);
        for (int i = 0; i < 20_000; i++) {
            t.transform(in64);
            t.transform(in32);
        }
        long outputs = 0;
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100; i++) {
            outputs += t.transform(in64).length + t.transform(in32).length;
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // 200 outputs of 16 and 8 KiB; boxing or a per-element object would be ~16 bytes x 2048 elements each
        assertThat(allocated).isLessThan(outputs + 200 * 256);
    }

    @Test
    void matchesTheCorrectlyRoundedReferenceWithin2Ulp() throws Exception {
        Map<Double, List<double[]>> byAlpha = new LinkedHashMap<>();
        for (double[] row : EluReference.rows()) {
            byAlpha.computeIfAbsent(row[1], a -> new ArrayList<>()).add(row);
        }
        int checked = 0;
        for (Map.Entry<Double, List<double[]>> e : byAlpha.entrySet()) {
            List<double[]> rows = e.getValue();
            double[] x = rows.stream().mapToDouble(r -> r[0]).toArray();
            EluBinaryTransformer t = new EluBinaryTransformer(Elu.withAlpha(e.getKey()), OutputMode.BOTH, false, 0, 4096);
            Decoded d = BinaryVectors.decode(t.transform(BinaryVectors.encode(x)));
            for (int i = 0; i < x.length; i++) {
                String at = "x=" + x[i] + " alpha=" + e.getKey();
                assertWithin2Ulp(d.values()[i], rows.get(i)[2], "value " + at);
                assertWithin2Ulp(d.derivatives()[i], rows.get(i)[3], "derivative " + at);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(700);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty||EMPTY|value is empty: expected a binary vector (\"EV\" header and values)",
        "one byte|45|WRONG_LENGTH|value is 1 byte, shorter than the 12-byte header of a binary vector",
        "JSON|7b22666561747572|BAD_MAGIC|bad magic 0x7b22 (expected 0x4556 \"EV\"): is this a JSON record on a binary job?",
        "zeros|000001010100000001000000|BAD_MAGIC|bad magic 0x0000 (expected 0x4556 \"EV\"): not a binary vector",
        "short header|4556010101000000|WRONG_LENGTH|value is 8 bytes, shorter than the 12-byte header of a binary vector",
        "version 2|455602010100000001000000|UNSUPPORTED_VERSION|unsupported version 2 of the binary format (this job reads version 1)",
        "element type 3|455601030100000001000000|UNKNOWN_ELEMENT_TYPE|unknown element type 3 (expected 1 = float64 or 2 = float32)",
        "reserved|455601010100010001000000|INVALID_HEADER|reserved header bytes 5-7 must be 0, got 0x00 0x01 0x00",
        "an output as input|455601010300000001000000|INVALID_HEADER|sections 0x03, expected 0x01 (values only): an input carries the features alone",
        "no sections|455601010000000001000000|INVALID_HEADER|sections 0x00, expected 0x01 (values only): an input carries the features alone",
        "count 0|455601010100000000000000|FEATURES_EMPTY|count is 0: a binary vector has at least 1 value",
        "count 9|455601010100000009000000|TOO_MANY_ELEMENTS|count is 9, more than 8 elements (max-dimension)",
        "count 2^32-1|4556010101000000ffffffff|TOO_MANY_ELEMENTS|count is 4294967295, more than 8 elements (max-dimension)",
        "header only|455601010100000001000000|WRONG_LENGTH|value is 12 bytes, expected 20 for 1 float64 values (12 + 1 x 8)",
        "float32 one byte short|45560102010000000200000000000000000000|WRONG_LENGTH|value is 19 bytes, expected 20 for 2 float32 values (12 + 2 x 4)",
        "one byte too many|4556010101000000010000000000000000000000ff|WRONG_LENGTH|value is 21 bytes, expected 20 for 1 float64 values (12 + 1 x 8)",
        "float32 NaN|4556010201000000020000000000803f0000c07f|NUMBER_NOT_FINITE|features[1] = NaN is not finite: binary values must be finite float32 numbers",
        "float64 -Infinity|455601010100000001000000000000000000f0ff|NUMBER_NOT_FINITE|features[0] = -Infinity is not finite: binary values must be finite float64 numbers",
    })
    void rejectsEachBadValueWithItsKindAndReason(String name, String hex, RejectKind kind, String reason) {
        byte[] value = hex == null ? new byte[0] : HexFormat.of().parseHex(hex);
        VectorRejectedException e = reject(BOTH, value);
        assertThat(e.kind()).as(e.reason()).isEqualTo(kind);
        assertThat(e.reason()).isEqualTo(reason);
    }

    @Test
    void rejectsATombstoneAsEmpty() {
        assertThat(reject(BOTH, null).kind()).isEqualTo(RejectKind.EMPTY);
    }

    @Test
    void rejectsACountOtherThanTheDimension() {
        EluBinaryTransformer dimension2 = new EluBinaryTransformer(ELU, OutputMode.BOTH, false, 2, 8);
        VectorRejectedException e = reject(dimension2, BinaryVectors.encode(new double[] {1, 2, 3}));
        assertThat(e.kind()).isEqualTo(RejectKind.WRONG_DIMENSION);
        assertThat(e.reason()).isEqualTo("count is 3, expected 2 (dimension)");
    }

    @Test
    void rejectsAValueWhoseSeluWouldOverflowInItsElementType() throws Exception {
        EluBinaryTransformer selu = new EluBinaryTransformer(Selu.instance(), OutputMode.BOTH, false, 0, 8);
        VectorRejectedException e = reject(selu, BinaryVectors.encode(new double[] {1.0, 1.75e308}));
        assertThat(e.kind()).isEqualTo(RejectKind.NUMBER_NOT_FINITE);
        assertThat(e.reason()).isEqualTo("features[1] = 1.75E308 is too large for activation selu: f(x) would not fit"
                + " a finite float64 (the largest x it takes is " + Selu.MAX_FINITE_INPUT + ")");

        float limit = (float) (Float.MAX_VALUE / Selu.instance().value(1.0));
        e = reject(selu, BinaryVectors.encode(new float[] {-1f, 0f, Float.MAX_VALUE}));
        assertThat(e.kind()).isEqualTo(RejectKind.NUMBER_NOT_FINITE);
        assertThat(e.reason()).startsWith("features[2] = 3.4028235E38 is too large for activation selu: f(x) would not"
                + " fit a finite float32 (the largest x it takes is ");
        // the boundary is exact: the largest float taken rounds to a finite result, the next one does not
        float largest = Float.parseFloat(e.reason().replaceAll(".*it takes is (.*)\\)", "$1"));
        assertThat(largest).isCloseTo(limit, Percentage.withPercentage(1e-5));
        Decoded d = BinaryVectors.decode(selu.transform(BinaryVectors.encode(new float[] {largest})));
        assertThat(Float.isFinite((float) d.values()[0])).isTrue();
        assertThat(Float.isFinite((float) Selu.instance().value(Math.nextUp(largest)))).isFalse();
        assertThat(reject(selu, BinaryVectors.encode(new float[] {Math.nextUp(largest)})).kind())
                .isEqualTo(RejectKind.NUMBER_NOT_FINITE);
    }

    @Test
    void aRejectLeavesTheLastGoodVectorsMetricsAndTheNextRecordUnharmed() throws Exception {
        EluBinaryTransformer t = new EluBinaryTransformer(ELU, OutputMode.BOTH, false, 0, 8);
        byte[] good = BinaryVectors.encode(new double[] {-1, 2, -3});
        byte[] expected = t.transform(good);
        reject(t, BinaryVectors.encode(new double[] {1, Double.NaN, -1}));
        assertThat(t.lastLength()).isEqualTo(3);
        assertThat(t.lastNonPositiveCount()).isEqualTo(2);
        assertThat(t.transform(good)).isEqualTo(expected);
    }

    @Test
    void decodeRefusesAMalformedValueWithTheJobsReason() {
        assertThatThrownBy(() -> BinaryVectors.decode("{\"features\":[1]}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad magic 0x7b22 (expected 0x4556 \"EV\"): is this a JSON record on a binary job?");
        assertThatThrownBy(() -> BinaryVectors.decode(HexFormat.of().parseHex("455601010800000001000000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sections 0x08, expected values (0x01) plus any of derivative (0x02) and alpha gradient (0x04)");
        assertThatThrownBy(() -> BinaryVectors.decode(value("455601010300000001000000", 1.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value is 20 bytes, expected 28 for 1 float64 values (12 + 2 x 1 x 8)");
    }

    @Test
    void decodeReadsWhatAProducerWrote() {
        Decoded d = BinaryVectors.decode(value("455601010100000002000000", Double.MIN_VALUE, -Double.MAX_VALUE));
        assertThat(d.values()).containsExactly(Double.MIN_VALUE, -Double.MAX_VALUE);
        assertThat(BinaryVectors.decode(BinaryVectors.encode(new float[] {1.1f})).values()).containsExactly((double) 1.1f);
    }

    @Test
    void encodeRefusesAnEmptyVector() {
        assertThatThrownBy(() -> BinaryVectors.encode(new double[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a binary vector has at least 1 value, got 0");
    }

    @Test
    void refusesADimensionAboveTheMaximum() {
        ActivationFunction elu = ELU;
        assertThatThrownBy(() -> new EluBinaryTransformer(elu, OutputMode.BOTH, false, 9, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dimension must be 0 (any) or between 1 and maxDimension (8), got 9");
    }
}
