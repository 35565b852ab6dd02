package dev.elustream.perf;

/**
 * What one system did in one configuration and round: the throughput phase, a backlog of
 * {@code records} drained ({@code nanos} is the steady-state window of the output's append times,
 * {@link SteadyWindow}, scaled to all {@code records} at the window's rate, so that records/s and MB/s
 * are the window's rate; {@code preloadNanos} is how long the driver took to write the backlog before
 * the system started, for information; the bytes of keys and values in and out, and of the values
 * alone), the latency phase's summary, the GC log of its JVM, and the duplicates the verifier saw.
 */
public record RunResult(
        String system,
        String guarantee,
        int round,
        long records,
        long nanos,
        long preloadNanos,
        long bytesIn,
        long bytesOut,
        long valueBytesIn,
        long valueBytesOut,
        LatencySummary latency,
        GcSummary gc,
        long duplicates) {

    public static final String BASELINE = "baseline";
    public static final String JOB = "job";
    /** The job with a control topic (live parameters, broadcast state), which no update reaches during the run. */
    public static final String JOB_LIVE = "job-live";
    public static final String STREAMS = "streams";

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

    /** The mean input value in bytes over the throughput phase. */
    public double valueBytesInPerRecord() {
        return (double) valueBytesIn / records;
    }

    /** The mean output value in bytes over the throughput phase (each record once, duplicates left out). */
    public double valueBytesOutPerRecord() {
        return (double) valueBytesOut / records;
    }

    /** k: the mean output value over the mean input value (1 for the copy). */
    public double k() {
        return (double) valueBytesOut / valueBytesIn;
    }

    /**
     * 2/(1+k): the copy moves a value in and one of the same size out per record, this system one in
     * and k out; where the bytes through the broker set the pace, this system's records/s can reach
     * at most this fraction of the copy's.
     */
    public double ceiling() {
        return 2 / (1 + k());
    }
}
