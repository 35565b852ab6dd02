package dev.elustream.perf;

/**
 * What one system did in one configuration: the throughput phase ({@code records} in {@code nanos}
 * from the first send until the last output was visible, with the bytes of keys and values in and
 * out), the latency phase's summary, the GC log of its JVM, and the duplicates the verifier saw.
 */
public record RunResult(
        String system,
        String guarantee,
        long records,
        long nanos,
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
