package dev.elustream.codec;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The two ways {@link DoubleWriter} finds the shortest digits, Zmij ({@code write}, what the codecs
 * use) against Schubfach ({@code writeSchubfach}), timed in pairs: each pair writes the same 4,096
 * doubles once each way, back to back, in a random order, and the figure is the median over 4,000
 * pairs of the ratio Zmij / Schubfach, after as many pairs of warm-up. On these shared machines the
 * time of one JMH run drifts by 30% from the next, more than the difference; a pair's two halves run
 * within a millisecond of each other and see the same machine.
 *
 * <pre>java -cp target/benchmarks.jar dev.elustream.codec.DoubleWriterPairs [ELU|RANDOM|ORDER]</pre>
 *
 * ELU: alpha expm1(x) and alpha exp(x) for x in [-10, 0), alpha 1 (what the JSON codec writes most);
 * RANDOM: finite doubles from random bit patterns. ORDER: not the two ways but two orders, Zmij on the
 * ELU numbers sorted against the same in their random order: sorted, every branch that depends on the
 * number (its length, its form, its last digit) is predicted, so the ratio bounds what mispredicted
 * branches cost the writer.
 */
public final class DoubleWriterPairs {

    private static final int COUNT = 4_096;
    private static final int PAIRS = 4_000;

    private DoubleWriterPairs() {}

    public static void main(String[] args) {
        String numbers = args.length == 0 ? "ELU" : args[0];
        boolean order = numbers.equals("ORDER");
        double[] values = new double[COUNT];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < COUNT; i++) {
            switch (numbers) {
                case "ELU", "ORDER" -> {
                    double x = -10 * random.nextDouble();
                    values[i] = i % 2 == 0 ? Math.expm1(x) : Math.exp(x);
                }
                case "RANDOM" -> {
                    double d;
                    do {
                        d = Double.longBitsToDouble(random.nextLong());
                    } while (!Double.isFinite(d));
                    values[i] = d;
                }
                default -> throw new IllegalArgumentException("numbers must be ELU, RANDOM or ORDER, got '" + numbers + "'");
            }
        }
        // The first way of a pair: Zmij, on the numbers sorted for ORDER; the second: Schubfach, or
        // for ORDER Zmij again, on the numbers in their random order.
        double[] firstNumbers = values;
        if (order) {
            firstNumbers = values.clone();
            Arrays.sort(firstNumbers);
        }
        boolean secondSchubfach = !order;
        byte[] buf = new byte[COUNT * DoubleWriter.MAX_LENGTH];
        double[] first = new double[PAIRS];
        double[] second = new double[PAIRS];
        long written = 0;
        for (int pair = -PAIRS; pair < PAIRS; pair++) {
            boolean firstFirst = random.nextBoolean();
            for (int half = 0; half < 2; half++) {
                boolean isFirst = (half == 0) == firstFirst;
                long start = System.nanoTime();
                int pos = isFirst ? writeAll(firstNumbers, false, buf) : writeAll(values, secondSchubfach, buf);
                double nsPerNumber = (System.nanoTime() - start) / (double) COUNT;
                written += pos;
                if (pair >= 0) {
                    (isFirst ? first : second)[pair] = nsPerNumber;
                }
            }
        }
        PairedTimes t = PairedTimes.of(first, second);
        if (order) {
            System.out.printf(Locale.ROOT, "ORDER (%d bytes written): sorted %.1f ns a number, random order %.1f ns"
                    + " (medians); sorted / random of a pair: median %.3f, quartiles %.3f-%.3f%n", written,
                    t.firstMedian(), t.secondMedian(), t.ratioMedian(), t.ratioLowerQuartile(), t.ratioUpperQuartile());
            return;
        }
        System.out.printf(Locale.ROOT, "%s (%d bytes written): Zmij %.1f ns a number, Schubfach %.1f ns (medians);"
                + " Zmij / Schubfach of a pair: median %.3f, quartiles %.3f-%.3f%n", numbers, written,
                t.firstMedian(), t.secondMedian(), t.ratioMedian(), t.ratioLowerQuartile(), t.ratioUpperQuartile());
    }

    /** Writes every number into buf, one after the other, by Schubfach or by Zmij; returns the bytes written. */
    private static int writeAll(double[] numbers, boolean schubfach, byte[] buf) {
        int pos = 0;
        for (double v : numbers) {
            pos = schubfach ? DoubleWriter.writeSchubfach(v, buf, pos) : DoubleWriter.write(v, buf, pos);
        }
        return pos;
    }
}
