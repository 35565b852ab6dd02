package dev.elustream.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The results as a fixed-width text table, one row per system, guarantee and round: "steady s" is
 * the steady-state window scaled to all records ({@link RunResult#nanos()}), which records/s and MB/s
 * are computed over, "preload s" the time the driver took to write the backlog; a job row's last
 * column is its records/s over the baseline's records/s for the same guarantee and round.
 */
final class ResultTable {

    private static final String HEADER_FORMAT =
            "%-8s  %-13s  %5s  %9s  %8s  %9s  %9s  %8s  %8s  %7s  %7s  %8s  %9s  %5s  %12s%n";
    private static final String ROW_FORMAT =
            "%-8s  %-13s  %5d  %9d  %8.1f  %9.1f  %9.0f  %8.1f  %8.1f  %7d  %7d  %8.1f  %9d  %5d  %12s%n";

    private ResultTable() {}

    static String format(List<RunResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, HEADER_FORMAT, "system", "guarantee", "round", "records", "steady s",
                "preload s", "records/s",
                "MB/s in", "MB/s out", "p50 ms", "p99 ms", "maxGC ms", "heapGC MB", "dups", "job/baseline"));
        for (RunResult r : results) {
            sb.append(String.format(Locale.ROOT, ROW_FORMAT, r.system(), r.guarantee(), r.round(), r.records(),
                    r.seconds(), r.preloadNanos() / 1e9, r.recordsPerSecond(), r.megabytesPerSecondIn(), r.megabytesPerSecondOut(), r.latency().p50(),
                    r.latency().p99(), r.gc().maxPauseMs(), r.gc().maxHeapAfterMb(), r.duplicates(),
                    ratio(r, results).map(x -> String.format(Locale.ROOT, "%.2f", x)).orElse("")));
        }
        return sb.toString();
    }

    /**
     * Per guarantee, the median of the job/baseline ratios over the rounds, e.g. "exactly-once
     * job/baseline: 0.57 (median of 2 rounds: 0.42 0.72)".
     */
    static List<String> ratioSummary(List<RunResult> results) {
        List<String> out = new ArrayList<>();
        results.stream().map(RunResult::guarantee).distinct().forEach(g -> {
            List<RunResult> jobs = results.stream()
                    .filter(r -> r.guarantee().equals(g) && ratio(r, results).isPresent())
                    .toList();
            if (jobs.isEmpty()) {
                return;
            }
            double[] ratios = ratios(jobs, results);
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s job/baseline: %.2f", g, median(ratios)));
            if (ratios.length > 1) {
                sb.append(String.format(Locale.ROOT, " (median of %d rounds:", ratios.length));
                for (double x : ratios) {
                    sb.append(String.format(Locale.ROOT, " %.2f", x));
                }
                sb.append(')');
            }
            out.add(sb.toString());
        });
        return out;
    }

    private static double[] ratios(List<RunResult> jobs, List<RunResult> results) {
        return jobs.stream()
                .mapToDouble(j -> ratio(j, results).orElseThrow())
                .sorted()
                .toArray();
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** For a job row: its records/s over the baseline's with the same guarantee and round, if there is one. */
    static Optional<Double> ratio(RunResult job, List<RunResult> results) {
        if (!job.system().equals(RunResult.JOB)) {
            return Optional.empty();
        }
        return baseline(job, results).map(b -> job.recordsPerSecond() / b.recordsPerSecond());
    }

    private static Optional<RunResult> baseline(RunResult job, List<RunResult> results) {
        return results.stream()
                .filter(b -> b.system().equals(RunResult.BASELINE) && b.guarantee().equals(job.guarantee())
                        && b.round() == job.round())
                .findFirst();
    }
}
