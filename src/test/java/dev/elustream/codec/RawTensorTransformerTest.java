package dev.elustream.codec;

import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.Elu;
import dev.elustream.math.Kernel;
import dev.elustream.math.Selu;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The raw tensor codec ({@code raw-float32}, {@code raw-float64}): layout in both byte orders, every
 * output block against the correctly rounded references, and every reject with its kind and reason.
 */
class RawTensorTransformerTest {

    // The scalar kernel where a test compares with the kernel bit for bit, which the vector kernel
    // only guarantees within 2 ulp.
    private static final Elu ELU = Elu.withAlpha(1.0, Kernel.SCALAR);

    private static RawTensorTransformer transformer(ActivationFunction f, OutputMode mode, boolean alphaGradient,
            ElementType type, Endianness order) {
        return new RawTensorTransformer(f, mode, alphaGradient, 0, 4096, type, order);
    }

    private static VectorRejectedException reject(VectorTransformer transformer, byte[] value) {
        VectorRejectedException e = catchThrowableOfType(VectorRejectedException.class, () -> transformer.transform(value));
        assertThat(e).as("rejected").isNotNull();
        return e;
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    private static double[] random(int n, long seed) {
        Random rnd = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextGaussian() * 4;
        }
        return x;
    }

    /** Both element types in both byte orders. */
    static Stream<Arguments> typesAndOrders() {
        return Stream.of(ElementType.values())
                .flatMap(t -> Stream.of(Endianness.values()).map(o -> Arguments.of(t, o)));
    }

    @Test
    void encodesWhatNumpyTobytesWrites() {
        // python3 -c "import numpy as np; print(np.array([1.5,-2.0],'<f4').tobytes().hex())", and '>f4', '<f8', '>f8'
        assertThat(HexFormat.of().formatHex(RawTensors.encode(new float[] {1.5f, -2f}, Endianness.LITTLE_ENDIAN)))
                .isEqualTo("0000c03f000000c0");
        assertThat(HexFormat.of().formatHex(RawTensors.encode(new float[] {1.5f, -2f}, Endianness.BIG_ENDIAN)))
                .isEqualTo("3fc00000c0000000");
        assertThat(HexFormat.of().formatHex(RawTensors.encode(new double[] {1.5, -2}, Endianness.LITTLE_ENDIAN)))
                .isEqualTo("000000000000f83f00000000000000c0");
        assertThat(HexFormat.of().formatHex(RawTensors.encode(new double[] {1.5, -2}, Endianness.BIG_ENDIAN)))
                .isEqualTo("3ff8000000000000c000000000000000");
    }

    @Test
    void writesTheReadmesExample() throws Exception {
        byte[] in = hex("0000c03f 000000c0");
        byte[] out = transformer(ELU, OutputMode.BOTH, false, ElementType.FLOAT32, Endianness.LITTLE_ENDIAN).transform(in);
        assertThat(HexFormat.of().formatHex(out)).isEqualTo("0000c03f" + "ab5a5dbf" + "0000803f" + "55950a3e");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("typesAndOrders")
    void writesTheBlocksOneAfterTheOtherInTheInputsTypeAndOrder(ElementType type, Endianness order) throws Exception {
        byte[] in = type == ElementType.FLOAT32
                ? RawTensors.encode(new float[] {1.5f, -2f}, order)
                : RawTensors.encode(new double[] {1.5, -2}, order);
        assertThat(in).hasSize(2 * type.size());

        byte[] out = transformer(ELU, OutputMode.BOTH, true, type, order).transform(in);

        // read back with the JDK, not with our decoder
        assertThat(out).hasSize(3 * 2 * type.size());
        ByteBuffer b = ByteBuffer.wrap(out).order(order.toByteOrder());
        double[] expected = {1.5, Math.expm1(-2.0), 1.0, Math.exp(-2.0), 0.0, Math.expm1(-2.0)};
        for (double e : expected) {
            if (type == ElementType.FLOAT32) {
                assertThat(b.getFloat()).isEqualTo((float) e);
            } else {
                assertThat(b.getDouble()).isEqualTo(e);
            }
        }
        assertThat(b.hasRemaining()).isFalse();
    }

    @Test
    void writesOnlyTheBlocksTheJobAsksFor() throws Exception {
        byte[] in = RawTensors.encode(new double[] {3.0, -1.0}, Endianness.LITTLE_ENDIAN);
        byte[] activation = transformer(ELU, OutputMode.ACTIVATION, false, ElementType.FLOAT64, Endianness.LITTLE_ENDIAN)
                .transform(in);
        assertThat(RawTensors.decode(activation, ElementType.FLOAT64, Endianness.LITTLE_ENDIAN))
                .containsExactly(3.0, Math.expm1(-1.0));
        byte[] gradient = transformer(ELU, OutputMode.ACTIVATION, true, ElementType.FLOAT64, Endianness.LITTLE_ENDIAN)
                .transform(in);
        assertThat(RawTensors.decode(gradient, ElementType.FLOAT64, Endianness.LITTLE_ENDIAN, 2))
                .isDeepEqualTo(new double[][] {{3.0, Math.expm1(-1.0)}, {0.0, Math.expm1(-1.0)}});
        byte[] both = transformer(ELU, OutputMode.BOTH, false, ElementType.FLOAT64, Endianness.LITTLE_ENDIAN).transform(in);
        assertThat(RawTensors.decode(both, ElementType.FLOAT64, Endianness.LITTLE_ENDIAN, 2))
                .isDeepEqualTo(new double[][] {{3.0, Math.expm1(-1.0)}, {1.0, Math.exp(-1.0)}});
    }

    /** The blocks the job writes with this mode and alpha-gradient setting: "value", "derivative", "alpha-gradient". */
    private static List<String> blocks(OutputMode mode, boolean alphaGradient) {
        List<String> blocks = new ArrayList<>(List.of("value"));
        if (mode == OutputMode.BOTH) {
            blocks.add("derivative");
        }
        if (alphaGradient) {
            blocks.add("alpha-gradient");
        }
        return blocks;
    }

    static Stream<Arguments> everyCombination() {
        List<Arguments> out = new ArrayList<>();
        for (ActivationKind kind : ActivationKind.values()) {
            for (ElementType type : ElementType.values()) {
                for (Endianness order : Endianness.values()) {
                    for (OutputMode mode : OutputMode.values()) {
                        for (boolean alphaGradient : new boolean[] {false, true}) {
                            out.add(Arguments.of(kind, type, order, mode, alphaGradient));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    /**
     * Every block of every row of the references whose x the element type holds exactly: float64
     * within 2 ulp of the correctly rounded value, float32 within 2 ulp of it rounded to float.
     */
    @ParameterizedTest(name = "{0} {1} {2} mode={3} alpha-gradient={4}")
    @MethodSource("everyCombination")
    void matchesTheCorrectlyRoundedReferenceWithin2Ulp(ActivationKind kind, ElementType type, Endianness order,
            OutputMode mode, boolean alphaGradient) throws Exception {
        Map<Double, List<Row>> byAlpha = new LinkedHashMap<>();
        for (Row row : reference(kind)) {
            boolean exact = type == ElementType.FLOAT64 || (double) (float) row.x() == row.x();
            boolean finite = type == ElementType.FLOAT64 ? Double.isFinite(row.value()) : Float.isFinite((float) row.value());
            if (exact && finite) {
                byAlpha.computeIfAbsent(row.alpha(), a -> new ArrayList<>()).add(row);
            }
        }
        List<String> blocks = blocks(mode, alphaGradient);
        int checked = 0;
        for (Map.Entry<Double, List<Row>> e : byAlpha.entrySet()) {
            List<Row> rows = e.getValue();
            double[] x = rows.stream().mapToDouble(Row::x).toArray();
            byte[] in = encode(x, type, order);
            RawTensorTransformer t = transformer(Activations.of(kind, e.getKey()), mode, alphaGradient, type, order);
            double[][] out = RawTensors.decode(t.transform(in), type, order, blocks.size());
            for (int b = 0; b < blocks.size(); b++) {
                for (int i = 0; i < x.length; i++) {
                    double expected = rows.get(i).get(blocks.get(b));
                    String what = kind.id() + " " + blocks.get(b) + " at x=" + x[i] + " alpha=" + e.getKey();
                    if (type == ElementType.FLOAT32) {
                        assertWithin2Ulp((float) out[b][i], (float) expected, what);
                    } else {
                        assertWithin2Ulp(out[b][i], expected, what);
                    }
                    checked++;
                }
            }
        }
        // the float32 rows are those whose x is a float: 0, -0.5, -37.5, -745, 3.5, ...
        assertThat(checked).isGreaterThanOrEqualTo(blocks.size() * (type == ElementType.FLOAT64 ? 600 : 10));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("typesAndOrders")
    void resultsAreTheKernelsComputedInDoubleAndRoundedOnceAtEveryTail(ElementType type, Endianness order)
            throws Exception {
        RawTensorTransformer t = transformer(ELU, OutputMode.BOTH, true, type, order);
        for (int n : new int[] {1, 3, 64, 1024}) {
            double[] x = random(n, n);
            if (type == ElementType.FLOAT32) {
                for (int i = 0; i < n; i++) {
                    x[i] = (float) x[i];
                }
            }
            double[][] out = RawTensors.decode(t.transform(encode(x, type, order)), type, order, 3);
            double[] values = new double[n];
            double[] derivatives = new double[n];
            double[] gradients = new double[n];
            ELU.valuesAndDerivatives(x, values, derivatives, n);
            ELU.alphaGradients(x, gradients, n);
            if (type == ElementType.FLOAT32) {
                for (int i = 0; i < n; i++) {
                    assertThat((float) out[0][i]).as("f(x[%d])", i).isEqualTo((float) values[i]);
                    assertThat((float) out[1][i]).as("f'(x[%d])", i).isEqualTo((float) derivatives[i]);
                    assertThat((float) out[2][i]).as("df/dalpha(x[%d])", i).isEqualTo((float) gradients[i]);
                }
            } else {
                assertThat(out[0]).containsExactly(values);
                assertThat(out[1]).containsExactly(derivatives);
                assertThat(out[2]).containsExactly(gradients);
            }
            assertThat(t.lastLength()).isEqualTo(n);
            assertThat(t.lastNonPositiveCount()).isEqualTo((int) Arrays.stream(x).filter(v -> v <= 0).count());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("typesAndOrders")
    void keepsTheSignOfZero(ElementType type, Endianness order) throws Exception {
        RawTensorTransformer t = transformer(Elu.withAlpha(0.5), OutputMode.BOTH, true, type, order);
        double[][] out = RawTensors.decode(t.transform(encode(new double[] {-0.0, 0.0}, type, order)), type, order, 3);
        assertThat(Double.doubleToRawLongBits(out[0][0])).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(Double.doubleToRawLongBits(out[0][1])).isZero();
        assertThat(out[1]).containsExactly(0.5, 0.5);
        assertThat(Double.doubleToRawLongBits(out[2][0])).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(Double.doubleToRawLongBits(out[2][1])).isZero();
        assertThat(t.lastNonPositiveCount()).isEqualTo(2);
    }

    @Test
    void readsTheConfiguredByteOrder() throws Exception {
        // A big-endian NaN read little-endian is a tiny finite float: the byte order is the job's to know.
        byte[] bigEndianNaN = hex("7fc00000");
        assertThat(reject(transformer(ELU, OutputMode.BOTH, false, ElementType.FLOAT32, Endianness.BIG_ENDIAN),
                bigEndianNaN).reason()).isEqualTo(
                        "features[0] = NaN is not finite: raw-float32 values must be finite float32 numbers");
        byte[] out = transformer(ELU, OutputMode.ACTIVATION, false, ElementType.FLOAT32, Endianness.LITTLE_ENDIAN)
                .transform(bigEndianNaN);
        assertThat(RawTensors.decode(out, ElementType.FLOAT32, Endianness.LITTLE_ENDIAN))
                .containsExactly((double) Float.intBitsToFloat(0x0000c07f));
        assertThat(Float.intBitsToFloat(0x0000c07f)).isPositive().isLessThan(Float.MIN_NORMAL);
    }

    @Test
    void neverWritesIntoTheInputOrAnEarlierOutput() throws Exception {
        RawTensorTransformer t = transformer(ELU, OutputMode.BOTH, true, ElementType.FLOAT64, Endianness.BIG_ENDIAN);
        byte[] in = RawTensors.encode(random(64, 1), Endianness.BIG_ENDIAN);
        byte[] inCopy = in.clone();
        byte[] first = t.transform(in);
        byte[] firstCopy = first.clone();
        assertThat(in).isEqualTo(inCopy);

        byte[] second = t.transform(RawTensors.encode(random(1024, 2), Endianness.BIG_ENDIAN));
        assertThat(second).isNotSameAs(first).hasSize(3 * 1024 * 8);
        assertThat(first).as("the first output, after the transformer grew its buffers").isEqualTo(firstCopy);
        assertThat(t.transform(in)).as("the same input again").isEqualTo(firstCopy);
    }

    @Test
    void allocatesOnlyTheOutputPerRecord() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // The scalar kernel: this is about the codec (BinaryCodecBench measures the vector one, -prof gc).
        Elu elu = Elu.withAlpha(1.0, Kernel.SCALAR);
        RawTensorTransformer[] transformers = new RawTensorTransformer[4];
        byte[][] inputs = new byte[4][];
        int k = 0;
        for (ElementType type : ElementType.values()) {
            for (Endianness order : Endianness.values()) {
                transformers[k] = new RawTensorTransformer(elu, OutputMode.BOTH, false, 0, 2048, type, order);
                inputs[k++] = encode(random(1024, k), type, order);
            }
        }
        for (int i = 0; i < 20_000; i++) {
            for (int j = 0; j < 4; j++) {
                transformers[j].transform(inputs[j]);
            }
        }
        long outputs = 0;
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100; i++) {
            for (int j = 0; j < 4; j++) {
                outputs += transformers[j].transform(inputs[j]).length;
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // 400 outputs of 16 and 8 KiB; boxing or a per-element object would be ~16 bytes x 2048 elements each
        assertThat(allocated).isLessThan(outputs + 400 * 256);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty float32|f32le||EMPTY|value is empty: expected raw float32 elements (4 bytes each, little-endian)",
        "empty float64 big-endian|f64be||EMPTY|value is empty: expected raw float64 elements (8 bytes each, big-endian)",
        "one byte|f32le|00|WRONG_LENGTH|value is 1 byte, not a multiple of 4 (raw-float32: 4 bytes per element)",
        "ten bytes|f32le|0000c03f000000c00000|WRONG_LENGTH|value is 10 bytes, not a multiple of 4 (raw-float32: 4 bytes per element)",
        "float32 values on a float64 job|f64be|0000c03f000000c00000803f|WRONG_LENGTH|value is 12 bytes, not a multiple of 8 (raw-float64: 8 bytes per element)",
        "nine elements|f32le|000000000000000000000000000000000000000000000000000000000000000000000000|TOO_MANY_ELEMENTS|value has 9 elements, more than 8 (max-dimension)",
        "float32 NaN|f32le|0000803f00000040000040400000c07f|NUMBER_NOT_FINITE|features[3] = NaN is not finite: raw-float32 values must be finite float32 numbers",
        "float32 Infinity|f32le|0000807f|NUMBER_NOT_FINITE|features[0] = Infinity is not finite: raw-float32 values must be finite float32 numbers",
        "float64 -Infinity big-endian|f64be|3ff0000000000000fff0000000000000|NUMBER_NOT_FINITE|features[1] = -Infinity is not finite: raw-float64 values must be finite float64 numbers",
        "float64 NaN big-endian|f64be|7ff8000000000000|NUMBER_NOT_FINITE|features[0] = NaN is not finite: raw-float64 values must be finite float64 numbers",
    })
    void rejectsEachBadValueWithItsKindAndReason(String name, String transformer, String hex, RejectKind kind,
            String reason) {
        RawTensorTransformer t = transformer.equals("f32le")
                ? new RawTensorTransformer(ELU, OutputMode.BOTH, false, 0, 8, ElementType.FLOAT32, Endianness.LITTLE_ENDIAN)
                : new RawTensorTransformer(ELU, OutputMode.BOTH, false, 0, 8, ElementType.FLOAT64, Endianness.BIG_ENDIAN);
        VectorRejectedException e = reject(t, hex == null ? new byte[0] : hex(hex));
        assertThat(e.kind()).as(e.reason()).isEqualTo(kind);
        assertThat(e.reason()).isEqualTo(reason);
    }

    @Test
    void rejectsATombstoneAsEmpty() {
        VectorRejectedException e = reject(transformer(ELU, OutputMode.BOTH, false, ElementType.FLOAT32,
                Endianness.LITTLE_ENDIAN), null);
        assertThat(e.kind()).isEqualTo(RejectKind.EMPTY);
        assertThat(e.reason()).isEqualTo("value is empty: expected raw float32 elements (4 bytes each, little-endian)");
    }

    @Test
    void rejectsACountOtherThanTheDimension() {
        RawTensorTransformer dimension64 = new RawTensorTransformer(ELU, OutputMode.BOTH, false, 64, 65536,
                ElementType.FLOAT32, Endianness.LITTLE_ENDIAN);
        VectorRejectedException e = reject(dimension64, RawTensors.encode(new float[63], Endianness.LITTLE_ENDIAN));
        assertThat(e.kind()).isEqualTo(RejectKind.WRONG_DIMENSION);
        assertThat(e.reason()).isEqualTo("value has 63 elements, expected 64 (dimension)");
    }

    @Test
    void rejectsAnOutputLargerThanTheLimit() throws Exception {
        RawTensorTransformer t = new RawTensorTransformer(ELU, OutputMode.BOTH, true, 0, 8, ElementType.FLOAT32,
                Endianness.LITTLE_ENDIAN, 36);
        // 3 blocks of 3 float32: 36 bytes, at the limit
        assertThat(t.transform(RawTensors.encode(new float[] {1, 2, 3}, Endianness.LITTLE_ENDIAN))).hasSize(36);
        VectorRejectedException e = reject(t, RawTensors.encode(new float[] {1, 2, 3, 4}, Endianness.LITTLE_ENDIAN));
        assertThat(e.kind()).isEqualTo(RejectKind.OUTPUT_TOO_LARGE);
        assertThat(e.reason()).isEqualTo("the transformed value would be larger than a byte array can hold (48 bytes):"
                + " send shorter vectors");
    }

    @Test
    void rejectsAValueWhoseSeluWouldOverflowInItsElementType() throws Exception {
        RawTensorTransformer selu64 = transformer(Selu.instance(), OutputMode.BOTH, false, ElementType.FLOAT64,
                Endianness.BIG_ENDIAN);
        VectorRejectedException e = reject(selu64, RawTensors.encode(new double[] {1.0, 1.75e308}, Endianness.BIG_ENDIAN));
        assertThat(e.kind()).isEqualTo(RejectKind.NUMBER_NOT_FINITE);
        assertThat(e.reason()).isEqualTo("features[1] = 1.75E308 is too large for activation selu: f(x) would not fit"
                + " a finite float64 (the largest x it takes is " + Selu.MAX_FINITE_INPUT + ")");

        RawTensorTransformer selu32 = transformer(Selu.instance(), OutputMode.BOTH, false, ElementType.FLOAT32,
                Endianness.LITTLE_ENDIAN);
        e = reject(selu32, RawTensors.encode(new float[] {-1f, 0f, Float.MAX_VALUE}, Endianness.LITTLE_ENDIAN));
        assertThat(e.kind()).isEqualTo(RejectKind.NUMBER_NOT_FINITE);
        assertThat(e.reason()).startsWith("features[2] = 3.4028235E38 is too large for activation selu: f(x) would not"
                + " fit a finite float32 (the largest x it takes is ");
        // the largest float taken gives a finite float, the next one is refused
        float largest = Float.parseFloat(e.reason().replaceAll(".*it takes is (.*)\\)", "$1"));
        double[] out = RawTensors.decode(selu32.transform(RawTensors.encode(new float[] {largest},
                Endianness.LITTLE_ENDIAN)), ElementType.FLOAT32, Endianness.LITTLE_ENDIAN);
        assertThat(Float.isFinite((float) out[0])).isTrue();
        assertThat(reject(selu32, RawTensors.encode(new float[] {Math.nextUp(largest)}, Endianness.LITTLE_ENDIAN))
                .kind()).isEqualTo(RejectKind.NUMBER_NOT_FINITE);
    }

    @Test
    void aRejectLeavesTheLastGoodVectorsMetricsAndTheNextRecordUnharmed() throws Exception {
        RawTensorTransformer t = transformer(ELU, OutputMode.BOTH, false, ElementType.FLOAT32, Endianness.LITTLE_ENDIAN);
        byte[] good = RawTensors.encode(new float[] {-1, 2, -3}, Endianness.LITTLE_ENDIAN);
        byte[] expected = t.transform(good);
        reject(t, RawTensors.encode(new float[] {1, Float.NaN, -1}, Endianness.LITTLE_ENDIAN));
        reject(t, new byte[] {1, 2, 3});
        assertThat(t.lastLength()).isEqualTo(3);
        assertThat(t.lastNonPositiveCount()).isEqualTo(2);
        assertThat(t.transform(good)).isEqualTo(expected);
    }

    @Test
    void decodeRefusesAMalformedValueWithTheJobsReason() {
        assertThatThrownBy(() -> RawTensors.decode(new byte[6], ElementType.FLOAT32, Endianness.LITTLE_ENDIAN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value is 6 bytes, not a multiple of 4 (raw-float32: 4 bytes per element)");
        assertThatThrownBy(() -> RawTensors.decode(new byte[0], ElementType.FLOAT64, Endianness.BIG_ENDIAN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value is empty: expected raw float64 elements (8 bytes each, big-endian)");
        assertThatThrownBy(() -> RawTensors.decode(new byte[20], ElementType.FLOAT32, Endianness.LITTLE_ENDIAN, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value has 5 elements, not 2 blocks of equal length");
    }

    @Test
    void decodeReadsWhatAProducerWroteIncludingNonFiniteValues() {
        assertThat(RawTensors.decode(hex("7fc00000 ff800000 00000001"), ElementType.FLOAT32, Endianness.BIG_ENDIAN))
                .containsExactly(Double.NaN, Double.NEGATIVE_INFINITY, (double) Float.MIN_VALUE);
        assertThat(RawTensors.decode(RawTensors.encode(new double[] {Double.MIN_VALUE, -Double.MAX_VALUE},
                Endianness.LITTLE_ENDIAN), ElementType.FLOAT64, Endianness.LITTLE_ENDIAN))
                .containsExactly(Double.MIN_VALUE, -Double.MAX_VALUE);
        assertThat(RawTensors.decode(RawTensors.encode(new float[] {1.1f}, Endianness.BIG_ENDIAN), ElementType.FLOAT32,
                Endianness.BIG_ENDIAN)).containsExactly((double) 1.1f);
    }

    @Test
    void encodeRefusesAnEmptyVector() {
        assertThatThrownBy(() -> RawTensors.encode(new float[0], Endianness.LITTLE_ENDIAN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a raw tensor has at least 1 element, got 0");
    }

    @ParameterizedTest
    @EnumSource(ElementType.class)
    void refusesADimensionAboveTheMaximum(ElementType type) {
        assertThatThrownBy(() -> new RawTensorTransformer(ELU, OutputMode.BOTH, false, 9, 8, type, Endianness.BIG_ENDIAN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dimension must be 0 (any) or between 1 and maxDimension (8), got 9");
        assertThatThrownBy(() -> new RawTensorTransformer(ELU, OutputMode.BOTH, false, 0, 8, type, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("byteOrder");
    }

    private static byte[] encode(double[] x, ElementType type, Endianness order) {
        if (type == ElementType.FLOAT64) {
            return RawTensors.encode(x, order);
        }
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return RawTensors.encode(f, order);
    }

    /** One row of a reference file: x, alpha, f, f', df/dalpha. */
    record Row(double x, double alpha, double value, double derivative, double alphaGradient) {
        double get(String block) {
            return switch (block) {
                case "value" -> value;
                case "derivative" -> derivative;
                default -> alphaGradient;
            };
        }
    }

    /** The committed references of the activation (ELU's alpha gradient is a file of its own). */
    static List<Row> reference(ActivationKind kind) throws IOException {
        return switch (kind) {
            case ELU -> {
                List<double[]> values = csv("/elu-reference.csv");
                List<double[]> gradients = csv("/elu-alpha-gradient-reference.csv");
                assertThat(values).hasSameSizeAs(gradients);
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < values.size(); i++) {
                    double[] v = values.get(i);
                    double[] g = gradients.get(i);
                    assertThat(g[0]).isEqualTo(v[0]);
                    assertThat(g[1]).isEqualTo(v[1]);
                    rows.add(new Row(v[0], v[1], v[2], v[3], g[2]));
                }
                yield rows;
            }
            case SELU, CELU -> csv("/" + kind.id() + "-reference.csv").stream()
                    .map(r -> new Row(r[0], r[1], r[2], r[3], r[4])).toList();
        };
    }

    private static List<double[]> csv(String resource) throws IOException {
        String text;
        try (InputStream in = Objects.requireNonNull(RawTensorTransformerTest.class.getResourceAsStream(resource),
                resource)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<double[]> rows = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                rows.add(Arrays.stream(lines[i].trim().split(","))
                        .mapToDouble(f -> f.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(f)).toArray());
            }
        }
        return rows;
    }
}
