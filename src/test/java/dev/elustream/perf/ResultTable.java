package dev.elustream.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The results as a fixed-width text table, one row per system, guarantee and round; a job row's
 * last column is its records/s over the baseline's records/s for the same guarantee and round.
 */
final class ResultTable {

    private static final String HEADER_FORMAT =
            "%-8s  %-13s  %5s  %9s  %7s  %6s  %9s  %8s  %8s  %7s  %7s  %8s  %9s  %5s  %12s%n";
    private static final String ROW_FORMAT =
            "%-8s  %-13s  %5d  %9d  %7.1f  %6.1f  %9.0f  %8.1f  %8.1f  %7d  %7d  %8.1f  %9d  %5d  %12s%n";

    private ResultTable() {}

    static String format(List<RunResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, HEADER_FORMAT, "system", "guarantee", "round", "records", "seconds",
                "send s", "records/s",
                "MB/s in", "MB/s out", "p50 ms", "p99 ms", "maxGC ms", "heapGC MB", "dups", "job/baseline"));
        for (RunResult r : results) {
            sb.append(String.format(Locale.ROOT, ROW_FORMAT, r.system(), r.guarantee(), r.round(), r.records(),
                    r.seconds(), r.sendNanos() / 1e9, r.recordsPerSecond(), r.megabytesPerSecondIn(), r.megabytesPerSecondOut(), r.latency().p50(),
                    r.latency().p99(), r.gc().maxPauseMs(), r.gc().maxHeapAfterMb(), r.duplicates(),
                    ratio(r, results).map(x -> String.format(Locale.ROOT, "%.2f", x)).orElse("")));
        }
        for (RunResult r : results) {
            if (r.loadBound()) {
                sb.append(String.format(Locale.ROOT, "note: %s %s round %d kept up with the load generator (output complete"
                        + " within 10%% of the sending time): its rate is the generator's, a lower bound%n",
                        r.system(), r.guarantee(), r.round()));
            }
        }
        return sb.toString();
    }

    /**
     * Per guarantee, the median of the job/baseline ratios over the rounds, and the median over the
     * rounds whose baseline did not just keep up with the load generator (those ratios are too
     * high), e.g. "exactly-once job/baseline: 0.57 (median of 2 rounds: 0.42 0.72); 0.42 without
     * load-bound baselines".
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
            double[] ratios = ratios(jobs, results, false);
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s job/baseline: %.2f", g, median(ratios)));
            if (ratios.length > 1) {
                sb.append(String.format(Locale.ROOT, " (median of %d rounds:", ratios.length));
                for (double x : ratios) {
                    sb.append(String.format(Locale.ROOT, " %.2f", x));
                }
                sb.append(')');
            }
            double[] unbound = ratios(jobs, results, true);
            if (unbound.length < ratios.length) {
                sb.append(unbound.length == 0 ? "; every baseline round was load-bound: the ratio is too high"
                        : String.format(Locale.ROOT, "; %.2f without load-bound baselines", median(unbound)));
            }
            out.add(sb.toString());
        });
        return out;
    }

    private static double[] ratios(List<RunResult> jobs, List<RunResult> results, boolean skipLoadBoundBaselines) {
        return jobs.stream()
                .filter(j -> !skipLoadBoundBaselines || !baseline(j, results).orElseThrow().loadBound())
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
