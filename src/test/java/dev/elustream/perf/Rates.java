package dev.elustream.perf;

/** Rates over a measured interval; MB are 10^6 bytes. */
final class Rates {

    private Rates() {}

    /** Events per second over {@code nanos}. */
    static double perSecond(long count, long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("the interval must be longer than zero, got " + nanos + " ns");
        }
        return count * 1e9 / nanos;
    }

    /** MB (10^6 bytes) per second over {@code nanos}. */
    static double megabytesPerSecond(long bytes, long nanos) {
        return perSecond(bytes, nanos) / 1e6;
    }
}
