package dev.elustream.perf;

import java.util.Arrays;

/**
 * Percentiles of a set of latency samples in milliseconds, by the nearest-rank method: the p-th
 * percentile is the smallest sample that at least p percent of the samples are less than or equal to.
 */
public record LatencySummary(int count, long p50, long p99, long max) {

    /**
     * Summarises the samples (not modified).
     *
     * @throws IllegalArgumentException if there are none
     */
    public static LatencySummary of(long[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no latency samples to summarise");
        }
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new LatencySummary(sorted.length, percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1]);
    }

    /**
     * The nearest-rank percentile of sorted samples.
     *
     * @throws IllegalArgumentException if {@code sorted} is empty or {@code p} is not in (0, 100]
     */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }
}
