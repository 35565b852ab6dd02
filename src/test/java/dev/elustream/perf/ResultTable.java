package dev.elustream.perf;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The results as a fixed-width text table, one row per system and guarantee; a job row's last
 * column is its records/s over the baseline's records/s for the same guarantee.
 */
final class ResultTable {

    private static final String HEADER_FORMAT = "%-8s  %-13s  %9s  %7s  %9s  %8s  %8s  %7s  %7s  %8s  %8s  %5s  %12s%n";
    private static final String ROW_FORMAT = "%-8s  %-13s  %9d  %7.1f  %9.0f  %8.1f  %8.1f  %7d  %7d  %8.1f  %8d  %5d  %12s%n";

    private ResultTable() {}

    static String format(List<RunResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, HEADER_FORMAT, "system", "guarantee", "records", "seconds", "records/s",
                "MB/s in", "MB/s out", "p50 ms", "p99 ms", "maxGC ms", "heapGC MB", "dups", "job/baseline"));
        for (RunResult r : results) {
            sb.append(String.format(Locale.ROOT, ROW_FORMAT, r.system(), r.guarantee(), r.records(), r.seconds(),
                    r.recordsPerSecond(), r.megabytesPerSecondIn(), r.megabytesPerSecondOut(), r.latency().p50(),
                    r.latency().p99(), r.gc().maxPauseMs(), r.gc().maxHeapAfterMb(), r.duplicates(),
                    ratio(r, results).map(x -> String.format(Locale.ROOT, "%.2f", x)).orElse("")));
        }
        return sb.toString();
    }

    /** For a job row: its records/s over the baseline's with the same guarantee, if there is one. */
    static Optional<Double> ratio(RunResult job, List<RunResult> results) {
        if (!job.system().equals(RunResult.JOB)) {
            return Optional.empty();
        }
        return results.stream()
                .filter(b -> b.system().equals(RunResult.BASELINE) && b.guarantee().equals(job.guarantee()))
                .findFirst()
                .map(b -> job.recordsPerSecond() / b.recordsPerSecond());
    }
}
