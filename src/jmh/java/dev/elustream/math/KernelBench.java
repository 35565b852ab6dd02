package dev.elustream.math;

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
 * The ELU kernels ({@code values}, {@code derivatives} and the fused {@code valuesAndDerivatives}, alpha
 * 1) over {@code double[]} of 16, 64, 1024 and 65,536 elements, next to two baselines measured in the
 * same run on the same input: {@code System.arraycopy} of the array ({@link #copy}) and a ReLU loop
 * ({@link #relu}).
 *
 * <p>Input: vectors of {@code size} doubles from {@code new Random(42)}, each exactly half in [-10, 0)
 * (the expm1/exp branch, drawn as {@code -10 * (1 - u)}) and half in (0, 10] (the identity branch,
 * drawn as {@code 10 * (1 - u)}), {@code u} uniform in [0, 1), then shuffled with the same generator:
 * the branch is taken at random. There are 65,536 / size distinct vectors (65,536 doubles in all),
 * used in turn, one per call: with one short vector repeated, the CPU's branch predictor would learn
 * its signs and flatter the branchy kernels, which a stream of different records never lets it do.
 * Every benchmark, baselines included, pays the same round-robin step (a load and an increment).
 * Results go to separate arrays, so the inputs never change.
 *
 * <p>Scores are the average time of one call over the whole array (ns/op); <b>ns per element =
 * score / size</b> ({@code src/jmh/bench.sh kernels} prints that column). The {@code kernel}
 * parameter only applies to the ELU kernels, not to the baselines: SCALAR is the Math.expm1/exp
 * loop, VECTOR the Vector API kernel (the forks get {@code --add-modules jdk.incubator.vector}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KernelBench {

    /** All input vectors of one size together: the largest size. */
    private static final int TOTAL_ELEMENTS = 65_536;

    /** The input and output arrays of one size. */
    @State(Scope.Thread)
    public static class Data {

        @Param({"16", "64", "1024", "65536"})
        public int size;

        /** 65,536 / size vectors, a power of two of them. */
        double[][] inputs;
        int next;
        double[] values;
        double[] derivatives;

        @Setup
        public void setUp() {
            Random random = new Random(42);
            inputs = new double[TOTAL_ELEMENTS / size][];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = mixedSigns(size, random);
            }
            values = new double[size];
            derivatives = new double[size];
        }

        /** The next input vector, round robin. */
        double[] nextInput() {
            double[] in = inputs[next];
            next = (next + 1) & (inputs.length - 1);
            return in;
        }
    }

    /** The ELU under test, by kernel. */
    @State(Scope.Thread)
    public static class KernelChoice {

        @Param({"SCALAR", "VECTOR"})
        public String kernel;

        ActivationFunction elu;

        @Setup
        public void setUp() {
            elu = activation(kernel);
        }
    }

    /**
     * The ELU with one alpha per element (a job's {@code alpha=[...]}), by kernel: the vector is one
     * row of {@code size} elements, alphas from 0.5 to 2 across it.
     */
    @State(Scope.Thread)
    public static class PerElementChoice {

        @Param({"SCALAR", "VECTOR"})
        public String kernel;

        ArrayActivation elu;

        @Setup
        public void setUp(Data d) {
            double[] alphas = new double[d.size];
            for (int i = 0; i < alphas.length; i++) {
                alphas[i] = 0.5 + 1.5 * i / Math.max(1, alphas.length - 1);
            }
            elu = Activations.of(ActivationKind.ELU, Alpha.perElement(alphas), Kernel.valueOf(kernel));
        }
    }

    /** Baseline: the cheapest pass over the array, a memory copy. */
    @Benchmark
    public double[] copy(Data d) {
        System.arraycopy(d.nextInput(), 0, d.values, 0, d.size);
        return d.values;
    }

    /** Baseline: the cheapest activation, max(x, 0), as a plain loop the JIT may vectorise. */
    @Benchmark
    public double[] relu(Data d) {
        double[] in = d.nextInput();
        double[] out = d.values;
        for (int i = 0; i < d.size; i++) {
            double x = in[i];
            out[i] = x > 0.0 ? x : 0.0;
        }
        return out;
    }

    @Benchmark
    public double[] values(Data d, KernelChoice k) {
        k.elu.values(d.nextInput(), d.values, d.size);
        return d.values;
    }

    @Benchmark
    public double[] derivatives(Data d, KernelChoice k) {
        k.elu.derivatives(d.nextInput(), d.derivatives, d.size);
        return d.derivatives;
    }

    @Benchmark
    public double[] valuesAndDerivatives(Data d, KernelChoice k) {
        k.elu.valuesAndDerivatives(d.nextInput(), d.values, d.derivatives, d.size);
        return d.derivatives;
    }

    /** {@link #valuesAndDerivatives} with one alpha per element. */
    @Benchmark
    public double[] valuesAndDerivativesPerElement(Data d, PerElementChoice k) {
        k.elu.valuesAndDerivatives(d.nextInput(), d.values, d.derivatives, d.size);
        return d.derivatives;
    }

    /** The ELU with alpha 1 on the named kernel; VECTOR fails the trial where it is not usable. */
    private static ActivationFunction activation(String kernel) {
        return Activations.of(ActivationKind.ELU, 1.0, Kernel.valueOf(kernel));
    }

    /**
     * {@code size} doubles, half in [-10, 0) and half in (0, 10], in random order (see the class doc);
     * the JSON benchmarks use the same input.
     */
    public static double[] mixedSigns(int size, Random random) {
        double[] x = new double[size];
        for (int i = 0; i < size; i++) {
            double magnitude = 10.0 * (1.0 - random.nextDouble());
            x[i] = i < size / 2 ? -magnitude : magnitude;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
        return x;
    }
}
