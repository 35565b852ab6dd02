package dev.elustream.perf;

/**
 * What one system did in one configuration and round: the throughput phase ({@code records} in
 * {@code nanos} from the first send until the last output was visible, of which sending took
 * {@code sendNanos}; the bytes of keys and values in and out), the latency phase's summary, the GC
 * log of its JVM, and the duplicates the verifier saw.
 */
public record RunResult(
        String system,
        String guarantee,
        int round,
        long records,
        long nanos,
        long sendNanos,
        long bytesIn,
        long bytesOut,
        LatencySummary latency,
        GcSummary gc,
        long duplicates) {

    public static final String BASELINE = "baseline";
    public static final String JOB = "job";

    public double seconds() {
        return nanos / 1e9;
    }

    /**
     * Whether the output kept up with the load generator (complete within 10% of the sending time):
     * then the rate is the generator's, a lower bound of what the system could do.
     */
    public boolean loadBound() {
        return nanos <= sendNanos * 1.1;
    }

    public double recordsPerSecond() {
        return Rates.perSecond(records, nanos);
    }

    public double megabytesPerSecondIn() {
        return Rates.megabytesPerSecond(bytesIn, nanos);
    }

    public double megabytesPerSecondOut() {
        return Rates.megabytesPerSecond(bytesOut, nanos);
    }
}
