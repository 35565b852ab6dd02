package dev.elustream.perf;

import java.util.Arrays;

/**
 * The steady-state part of a backlog drain, from the output records' broker append times (ms): the
 * window from the 5th percentile of the sorted append times ({@code t[k]}, {@code k = n / 20}) to the
 * last ({@code t[n - 1]}), in which {@code n - 1 - k} records were appended. It leaves out the
 * system's start-up (JVM, job submission, partition assignment) and needs no commit tail, since
 * append times are set when the system's producer writes a batch. A window shorter than 1 ms (a tiny
 * {@code n}, as in quick runs with few records) counts as 1 ms, so the rate stays finite.
 *
 * @param totalRecords n, all the throughput records
 * @param records the records appended within the window, {@code n - 1 - k}
 * @param fromMillis the window's start, {@code t[k]}
 * @param millis the window, {@code max(1, t[n - 1] - t[k])}
 */
record SteadyWindow(long totalRecords, long records, long fromMillis, long millis) {

    /**
     * The window of these append times (not modified).
     *
     * @throws IllegalArgumentException for fewer than 2 records
     */
    static SteadyWindow of(long[] appendTimesMs) {
        int n = appendTimesMs.length;
        if (n < 2) {
            throw new IllegalArgumentException("a steady-state window needs at least 2 records, got " + n);
        }
        long[] t = appendTimesMs.clone();
        Arrays.sort(t);
        int k = n / 20;
        return new SteadyWindow(n, n - 1 - k, t[k], Math.max(1, t[n - 1] - t[k]));
    }

    /** Records per second within the window. */
    double recordsPerSecond() {
        return records * 1000.0 / millis;
    }

    /**
     * The window scaled to all {@code totalRecords} at the window's rate, in ns: {@code totalRecords}
     * over this is {@link #recordsPerSecond()}, and bytes over it are MB/s at the same rate.
     */
    long nanosForAll() {
        return Math.round(millis * 1e6 * totalRecords / records);
    }
}
