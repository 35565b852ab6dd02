package dev.elustream.codec;

import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.KernelBench;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The JSON codec on records of 64 or 1024 elements, {@code {"id":"sensor-00042","features":[...],
 * "ts":1764258000000}}, with the ELU (alpha 1): {@link #transformBoth} and {@link #transformActivation}
 * are the public {@link EluJsonTransformer#transform} (parse + compute + write, mode both and mode
 * activation; {@link #transformBothFloat32} mode both with {@code precision=float32}), {@link #parse}
 * and {@link #write} its two halves alone (the package-private parser and output buffer), and
 * {@link #copy} a copy of the record's bytes beside them. One op is one record: run with
 * {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes allocated per record. {@code transform}
 * returns a fresh array by contract, so its allocation is at least the output's size (reported in
 * the setup's log line).
 *
 * <p>The records are 65,536 / size distinct ones, used in turn (as {@link KernelBench} does, so that
 * the branch predictor cannot learn one record). Their features are those of
 * {@link KernelBench#mixedSigns} (each vector half in [-10, 0), half in (0, 10], seed 42), written as
 * {@code numbers}: {@code LONG} as a producer writing {@code Double.toString}
 * (16-17 significant digits, e.g. {@code -3.5818388934731496}), {@code SHORT} rounded to quarters
 * (e.g. {@code 0.25}, {@code -7.5}, {@code 3.0}). {@link #write} writes what mode both writes for that
 * input: the 2 * size numbers f(x) and f'(x).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class JsonCodecBench {

    /** More than the longest number {@code Double.toString} writes (24 bytes) plus a separator. */
    private static final int MAX_NUMBER_BYTES = 32;
    /** All records' features together. */
    private static final int TOTAL_ELEMENTS = 65_536;

    @Param({"64", "1024"})
    public int size;

    @Param({"LONG", "SHORT"})
    public String numbers;

    /** 65,536 / size records, a power of two of them, and what mode both writes for each. */
    private byte[][] records;
    private double[][] values;
    private double[][] derivatives;
    private int next;
    private EluJsonTransformer both;
    private EluJsonTransformer activationOnly;
    private EluJsonTransformer bothFloat32;
    private FeatureVectorJsonParser parser;
    private OutputBuffer out;

    @Setup
    public void setUp() throws VectorRejectedException {
        if (!numbers.equals("LONG") && !numbers.equals("SHORT")) {
            throw new IllegalArgumentException("numbers must be LONG or SHORT, got '" + numbers + "'");
        }
        ActivationFunction elu = Activations.of(ActivationKind.ELU, 1.0);
        both = new EluJsonTransformer(elu, OutputMode.BOTH, 0, 65_536);
        activationOnly = new EluJsonTransformer(elu, OutputMode.ACTIVATION, 0, 65_536);
        bothFloat32 = new EluJsonTransformer(elu, OutputMode.BOTH, false, 0, 65_536, JsonVectorFields.defaults(),
                BinaryVectors.ElementType.FLOAT32);
        parser = new FeatureVectorJsonParser(0, 65_536);
        out = new OutputBuffer(1024);

        Random random = new Random(42);
        int count = TOTAL_ELEMENTS / size;
        records = new byte[count][];
        values = new double[count][size];
        derivatives = new double[count][size];
        long bytesIn = 0;
        long bytesOut = 0;
        for (int r = 0; r < count; r++) {
            double[] x = KernelBench.mixedSigns(size, random);
            if (numbers.equals("SHORT")) {
                for (int i = 0; i < size; i++) {
                    x[i] = Math.round(x[i] * 4.0) / 4.0;
                }
            }
            records[r] = record(x);
            elu.valuesAndDerivatives(x, values[r], derivatives[r], size);
            checkParsesBack(records[r], x);
            bytesIn += records[r].length;
            bytesOut += both.transform(records[r]).length;
        }
        System.out.printf("%n%d records, on average %d bytes in, %d bytes out in mode both%n",
                count, bytesIn / count, bytesOut / count);
    }

    /** The record must be what the javadoc says: every element read back exactly. */
    private void checkParsesBack(byte[] record, double[] x) throws VectorRejectedException {
        parser.parse(record);
        if (parser.length() != x.length) {
            throw new IllegalStateException(
                    "a benchmark record has " + parser.length() + " features, expected " + x.length);
        }
        for (int i = 0; i < x.length; i++) {
            if (parser.features()[i] != x[i]) {
                throw new IllegalStateException("a benchmark record's features[" + i + "] reads back as "
                        + parser.features()[i] + ", expected " + x[i]);
            }
        }
    }

    /** The floor every transform stands on: a copy of the record's bytes, what a copy job does per record. */
    @Benchmark
    public byte[] copy() {
        byte[] record = records[advance()];
        return Arrays.copyOf(record, record.length);
    }

    @Benchmark
    public byte[] transformBoth() throws VectorRejectedException {
        return both.transform(records[advance()]);
    }

    /** Mode both with {@code precision=float32}: every result rounded to float and written in its shortest form. */
    @Benchmark
    public byte[] transformBothFloat32() throws VectorRejectedException {
        return bothFloat32.transform(records[advance()]);
    }

    @Benchmark
    public byte[] transformActivation() throws VectorRejectedException {
        return activationOnly.transform(records[advance()]);
    }

    @Benchmark
    public void parse(Blackhole bh) throws VectorRejectedException {
        parser.parse(records[advance()]);
        bh.consume(parser.features());
        bh.consume(parser.length());
    }

    @Benchmark
    public OutputBuffer write() throws VectorRejectedException {
        int r = advance();
        out.reset();
        out.reserve(2L * size * MAX_NUMBER_BYTES);
        for (int i = 0; i < size; i++) {
            out.appendDouble(values[r][i]);
        }
        for (int i = 0; i < size; i++) {
            out.appendDouble(derivatives[r][i]);
        }
        return out;
    }

    /** The index of the next record, round robin. */
    private int advance() {
        int r = next;
        next = (r + 1) & (records.length - 1);
        return r;
    }

    private static byte[] record(double[] x) {
        StringBuilder json = new StringBuilder("{\"id\":\"sensor-00042\",\"features\":[");
        for (int i = 0; i < x.length; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(x[i]);
        }
        return json.append("],\"ts\":1764258000000}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
