package dev.elustream.codec;

import dev.elustream.math.Elu;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Codec throughput, binary against JSON, against the ELU kernel alone (value and derivative of the
 * same vectors, already decoded: what the binary framing adds is the difference) and against a
 * baseline that does only what any job must (one output array per record, filled from the input),
 * measured in the same run in alternating rounds (the machine is shared and noisy: compare the ratios, not the absolute figures). Not a test:
 * run it with {@code java -cp target/classes:target/test-classes:DEPS dev.elustream.codec.BinaryCodecBenchmark}.
 */
public final class BinaryCodecBenchmark {

    private static final int RECORDS = 1000;
    private static final int ROUNDS = 10;

    private BinaryCodecBenchmark() {}

    public static void main(String[] args) throws Exception {
        for (int dimension : new int[] {64, 1024}) {
            run(dimension);
        }
    }

    private static void run(int dimension) throws Exception {
        Random rnd = new Random(dimension);
        byte[][] binary64 = new byte[RECORDS][];
        byte[][] binary32 = new byte[RECORDS][];
        byte[][] json = new byte[RECORDS][];
        double[][] vectors = new double[RECORDS][];
        for (int r = 0; r < RECORDS; r++) {
            double[] x = new double[dimension];
            float[] f = new float[dimension];
            StringBuilder sb = new StringBuilder("{\"features\":[");
            for (int i = 0; i < dimension; i++) {
                x[i] = rnd.nextGaussian() * 3;
                f[i] = (float) x[i];
                sb.append(i == 0 ? "" : ",").append(x[i]);
            }
            vectors[r] = x;
            binary64[r] = BinaryVectors.encode(x);
            binary32[r] = BinaryVectors.encode(f);
            json[r] = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        }
        EluBinaryTransformer bin = new EluBinaryTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, false, 0, 65536);
        EluJsonTransformer js = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, 0, 65536);
        Elu elu = Elu.withAlpha(1.0);
        double[] values = new double[dimension];
        double[] derivatives = new double[dimension];
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        long sink = 0;
        for (int round = 0; round < ROUNDS; round++) {
            int reps = Math.max(1, 20_000 / dimension);
            // baseline: one output array of the output's size per record, filled from the input
            long t0 = System.nanoTime();
            for (int k = 0; k < reps; k++) {
                for (byte[] v : binary64) {
                    sink += Arrays.copyOf(v, 2 * v.length - 12).length;
                }
            }
            long t1 = System.nanoTime();
            for (int k = 0; k < reps; k++) {
                for (byte[] v : binary64) {
                    sink += bin.transform(v).length;
                }
            }
            long t2 = System.nanoTime();
            for (int k = 0; k < reps; k++) {
                for (byte[] v : binary32) {
                    sink += bin.transform(v).length;
                }
            }
            long t3 = System.nanoTime();
            for (int k = 0; k < Math.max(1, reps / 10); k++) {
                for (byte[] v : json) {
                    sink += js.transform(v).length;
                }
            }
            long t4 = System.nanoTime();
            for (int k = 0; k < reps; k++) {
                for (double[] x : vectors) {
                    elu.valuesAndDerivatives(x, values, derivatives, dimension);
                    sink += (long) values[0];
                }
            }
            long t5 = System.nanoTime();
            double n = (double) reps * RECORDS;
            best[0] = Math.min(best[0], (t1 - t0) / n);
            best[1] = Math.min(best[1], (t2 - t1) / n);
            best[2] = Math.min(best[2], (t3 - t2) / n);
            best[3] = Math.min(best[3], (t4 - t3) / (Math.max(1, reps / 10) * (double) RECORDS));
            best[4] = Math.min(best[4], (t5 - t4) / n);
        }
        System.out.printf(Locale.ROOT, "dimension %4d: ns/record (best of %d rounds): baseline copy %.0f, kernel only %.0f,"
                + " binary float64 %.0f, binary float32 %.0f, json %.0f; json/binary64 %.1fx (sink %d)%n", dimension,
                ROUNDS, best[0], best[4], best[1], best[2], best[3], best[3] / best[1], sink);
    }
}
