package dev.elustream.codec;

import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.KernelBench;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The binary codecs ({@code format=binary} and {@code raw-float32} / {@code raw-float64}) on records
 * of 64 or 1024 float64 or float32 elements with the ELU (alpha 1), mode both: {@link #transform} is
 * {@link EluBinaryTransformer#transform} (decode + compute + encode), {@link #rawTransform} and
 * {@link #rawTransformBigEndian} {@link RawTensorTransformer#transform} on the same vectors without
 * the header (little-endian as EV, and big-endian), {@link #copy} the least any job does per record
 * (a fresh output array of the EV output's size, filled from the input), measured in the same run.
 * One op is one record: with {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes allocated per
 * record, of which the output array (EV: 12 + 2 * size * element bytes, raw: 2 * size * element
 * bytes, plus a 16-byte array header) is kept by Kafka and the rest would be waste.
 *
 * <p>Inputs: 65,536 / size distinct vectors used in turn, from {@link KernelBench#mixedSigns}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class BinaryCodecBench {

    private static final int TOTAL_ELEMENTS = 65_536;

    @Param({"64", "1024"})
    public int size;

    @Param({"FLOAT64", "FLOAT32"})
    public String type;

    private byte[][] records;
    private byte[][] rawRecords;
    private byte[][] rawBigEndianRecords;
    private int outputBytes;
    private int next;
    private EluBinaryTransformer transformer;
    private RawTensorTransformer raw;
    private RawTensorTransformer rawBigEndian;

    @Setup
    public void setUp() throws VectorRejectedException {
        ActivationFunction elu = Activations.of(ActivationKind.ELU, 1.0);
        BinaryVectors.ElementType elementType = BinaryVectors.ElementType.valueOf(type);
        transformer = new EluBinaryTransformer(elu, OutputMode.BOTH, false, 0, 65_536);
        raw = new RawTensorTransformer(elu, OutputMode.BOTH, false, 0, 65_536, elementType, Endianness.LITTLE_ENDIAN);
        rawBigEndian = new RawTensorTransformer(elu, OutputMode.BOTH, false, 0, 65_536, elementType,
                Endianness.BIG_ENDIAN);
        Random random = new Random(42);
        records = new byte[TOTAL_ELEMENTS / size][];
        rawRecords = new byte[records.length][];
        rawBigEndianRecords = new byte[records.length][];
        for (int r = 0; r < records.length; r++) {
            double[] x = KernelBench.mixedSigns(size, random);
            switch (type) {
                case "FLOAT64" -> {
                    records[r] = BinaryVectors.encode(x);
                    rawRecords[r] = RawTensors.encode(x, Endianness.LITTLE_ENDIAN);
                    rawBigEndianRecords[r] = RawTensors.encode(x, Endianness.BIG_ENDIAN);
                }
                case "FLOAT32" -> {
                    float[] f = new float[size];
                    for (int i = 0; i < size; i++) {
                        f[i] = (float) x[i];
                    }
                    records[r] = BinaryVectors.encode(f);
                    rawRecords[r] = RawTensors.encode(f, Endianness.LITTLE_ENDIAN);
                    rawBigEndianRecords[r] = RawTensors.encode(f, Endianness.BIG_ENDIAN);
                }
                default -> throw new IllegalArgumentException("type must be FLOAT64 or FLOAT32, got '" + type + "'");
            }
        }
        outputBytes = transformer.transform(records[0]).length;
        int expected = BinaryVectors.HEADER_BYTES + 2 * size * elementType.size();
        if (outputBytes != expected) {
            throw new IllegalStateException("output is " + outputBytes + " bytes, expected " + expected);
        }
        // the raw output is the EV output without its header, byte for byte
        byte[] ev = transformer.transform(records[0]);
        byte[] rawOut = raw.transform(rawRecords[0]);
        if (!Arrays.equals(rawOut, 0, rawOut.length, ev, BinaryVectors.HEADER_BYTES, ev.length)) {
            throw new IllegalStateException("raw output differs from the EV output's values");
        }
        if (rawBigEndian.transform(rawBigEndianRecords[0]).length != rawOut.length) {
            throw new IllegalStateException("big-endian raw output has another length");
        }
    }

    @Benchmark
    public byte[] transform() throws VectorRejectedException {
        return transformer.transform(records[advance()]);
    }

    @Benchmark
    public byte[] rawTransform() throws VectorRejectedException {
        return raw.transform(rawRecords[advance()]);
    }

    @Benchmark
    public byte[] rawTransformBigEndian() throws VectorRejectedException {
        return rawBigEndian.transform(rawBigEndianRecords[advance()]);
    }

    @Benchmark
    public byte[] copy() {
        byte[] in = records[advance()];
        byte[] out = new byte[outputBytes];
        System.arraycopy(in, 0, out, 0, in.length);
        System.arraycopy(in, BinaryVectors.HEADER_BYTES, out, in.length, in.length - BinaryVectors.HEADER_BYTES);
        return out;
    }

    private int advance() {
        int r = next;
        next = (r + 1) & (records.length - 1);
        return r;
    }
}
