package dev.elustream.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The results as two fixed-width text tables, one row per system, guarantee and round. The first has
 * the measurements: "steady s" is the steady-state window scaled to all records ({@link
 * RunResult#nanos()}), which records/s and MB/s are computed over, "preload s" the time the driver took
 * to write the backlog. The second has the mean value sizes in and out, k (out over in), the ceiling
 * 2/(1+k) ({@link RunResult#ceiling()}), the row's records/s over the baseline's of the same guarantee
 * and round ("/baseline"), that ratio over the ceiling ("of ceiling"), and on a job row its records/s
 * over the Kafka Streams app's ("job/streams"). Notes follow the tables.
 */
final class ResultTable {

    private static final String HEADER_FORMAT =
            "%-8s  %-13s  %5s  %9s  %8s  %9s  %9s  %8s  %8s  %7s  %7s  %8s  %9s  %5s%n";
    private static final String ROW_FORMAT =
            "%-8s  %-13s  %5d  %9d  %8.1f  %9.1f  %9.0f  %8.1f  %8.1f  %7d  %7d  %8.1f  %9d  %5d%n";
    private static final String RATIO_HEADER_FORMAT = "%-8s  %-13s  %5s  %9s  %9s  %5s  %7s  %9s  %10s  %11s";
    private static final String RATIO_ROW_FORMAT = "%-8s  %-13s  %5d  %9.1f  %9.1f  %5.2f  %7.2f  %9s  %10s  %11s";
    static final List<String> LEGEND = List.of(
            "k = mean output value / mean input value in bytes, over the throughput phase; of ceiling = /baseline / ceiling",
            "ceiling = 2/(1+k): the copy moves 1 in + 1 out per record, a system 1 in + k out; where the bytes through"
                    + " the broker set the pace, its records/s can reach at most 2/(1+k) of the copy's");

    private ResultTable() {}

    /** Both tables, then the legend and each of {@code notes} as a "note:" line. */
    static String format(List<RunResult> results, List<String> notes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, HEADER_FORMAT, "system", "guarantee", "round", "records", "steady s",
                "preload s", "records/s", "MB/s in", "MB/s out", "p50 ms", "p99 ms", "maxGC ms", "heapGC MB", "dups"));
        for (RunResult r : results) {
            sb.append(String.format(Locale.ROOT, ROW_FORMAT, r.system(), r.guarantee(), r.round(), r.records(),
                    r.seconds(), r.preloadNanos() / 1e9, r.recordsPerSecond(), r.megabytesPerSecondIn(),
                    r.megabytesPerSecondOut(), r.latency().p50(), r.latency().p99(), r.gc().maxPauseMs(),
                    r.gc().maxHeapAfterMb(), r.duplicates()));
        }
        sb.append('\n');
        line(sb, String.format(Locale.ROOT, RATIO_HEADER_FORMAT, "system", "guarantee", "round", "in B/rec", "out B/rec",
                "k", "ceiling", "/baseline", "of ceiling", "job/streams"));
        for (RunResult r : results) {
            line(sb, String.format(Locale.ROOT, RATIO_ROW_FORMAT, r.system(), r.guarantee(), r.round(),
                    r.valueBytesInPerRecord(), r.valueBytesOutPerRecord(), r.k(), r.ceiling(),
                    twoDecimals(overBaseline(r, results)), twoDecimals(ofCeiling(r, results)),
                    twoDecimals(jobOverStreams(r, results))));
        }
        LEGEND.forEach(n -> sb.append("note: ").append(n).append('\n'));
        notes.forEach(n -> sb.append("note: ").append(n).append('\n'));
        return sb.toString();
    }

    /**
     * Per guarantee, the median over the rounds of job/baseline, job/baseline of its ceiling,
     * streams/baseline, streams/baseline of its ceiling and job/streams, each where there is one,
     * e.g. "exactly-once job/baseline: 0.57 (median of 2 rounds: 0.42 0.72)".
     */
    static List<String> ratioSummary(List<RunResult> results) {
        List<String> out = new ArrayList<>();
        results.stream().map(RunResult::guarantee).distinct().forEach(g -> {
            for (String system : List.of(RunResult.JOB, RunResult.JOB_LIVE, RunResult.STREAMS)) {
                summary(out, g, system + "/baseline", system, results, ResultTable::overBaseline);
                summary(out, g, system + "/baseline of its ceiling", system, results, ResultTable::ofCeiling);
            }
            summary(out, g, "job/streams", RunResult.JOB, results, ResultTable::jobOverStreams);
            summary(out, g, "job-live/job", RunResult.JOB_LIVE, results, ResultTable::liveOverJob);
        });
        return out;
    }

    private static void summary(List<String> out, String guarantee, String label, String system, List<RunResult> results,
            BiFunction<RunResult, List<RunResult>, Optional<Double>> ratio) {
        double[] ratios = results.stream()
                .filter(r -> r.guarantee().equals(guarantee) && r.system().equals(system))
                .map(r -> ratio.apply(r, results))
                .flatMap(Optional::stream)
                .mapToDouble(Double::doubleValue)
                .sorted()
                .toArray();
        if (ratios.length == 0) {
            return;
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s %s: %.2f", guarantee, label, median(ratios)));
        if (ratios.length > 1) {
            sb.append(String.format(Locale.ROOT, " (median of %d rounds:", ratios.length));
            for (double x : ratios) {
                sb.append(String.format(Locale.ROOT, " %.2f", x));
            }
            sb.append(')');
        }
        out.add(sb.toString());
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** For a job or streams row: its records/s over the baseline's with the same guarantee and round, if there is one. */
    static Optional<Double> overBaseline(RunResult r, List<RunResult> results) {
        if (r.system().equals(RunResult.BASELINE)) {
            return Optional.empty();
        }
        return peer(RunResult.BASELINE, r, results).map(b -> r.recordsPerSecond() / b.recordsPerSecond());
    }

    /** {@link #overBaseline} over the row's ceiling 2/(1+k). */
    static Optional<Double> ofCeiling(RunResult r, List<RunResult> results) {
        return overBaseline(r, results).map(x -> x / r.ceiling());
    }

    /** For a job row: its records/s over the Kafka Streams app's with the same guarantee and round, if there is one. */
    static Optional<Double> jobOverStreams(RunResult r, List<RunResult> results) {
        if (!r.system().equals(RunResult.JOB)) {
            return Optional.empty();
        }
        return peer(RunResult.STREAMS, r, results).map(s -> r.recordsPerSecond() / s.recordsPerSecond());
    }

    /** For a job-live row: its records/s over the job's (no control topic) with the same guarantee and round. */
    static Optional<Double> liveOverJob(RunResult r, List<RunResult> results) {
        if (!r.system().equals(RunResult.JOB_LIVE)) {
            return Optional.empty();
        }
        return peer(RunResult.JOB, r, results).map(j -> r.recordsPerSecond() / j.recordsPerSecond());
    }

    private static Optional<RunResult> peer(String system, RunResult r, List<RunResult> results) {
        return results.stream()
                .filter(p -> p.system().equals(system) && p.guarantee().equals(r.guarantee()) && p.round() == r.round())
                .findFirst();
    }

    private static String twoDecimals(Optional<Double> x) {
        return x.map(v -> String.format(Locale.ROOT, "%.2f", v)).orElse("");
    }

    private static void line(StringBuilder sb, String s) {
        sb.append(s.stripTrailing()).append('\n');
    }
}
