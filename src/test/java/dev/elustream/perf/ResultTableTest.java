package dev.elustream.perf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTableTest {

    private static final LatencySummary LAT = new LatencySummary(10, 4, 9, 12);
    private static final GcSummary GC = new GcSummary(5, 12.5, 80);

    private static RunResult run(String system, String guarantee, int round, double seconds, double preloadSeconds) {
        return new RunResult(system, guarantee, round, 100_000, (long) (seconds * 1e9), (long) (preloadSeconds * 1e9),
                130_000_000, system.equals("job") ? 260_000_000 : 130_000_000, LAT, GC, 0);
    }

    @Test
    void showsRatesAndTheJobOverBaselineRatioOfTheSameGuaranteeAndRound() {
        List<RunResult> results = List.of(
                run("baseline", "at-least-once", 1, 2.0, 1.0),
                run("job", "at-least-once", 1, 4.0, 1.0),
                run("baseline", "at-least-once", 2, 1.0, 0.5),
                run("job", "at-least-once", 2, 4.0, 1.0),
                run("job", "exactly-once", 1, 5.0, 1.0));
        String[] lines = ResultTable.format(results).split("\n");
        assertThat(lines).hasSize(6);
        assertThat(lines[0]).contains("steady s", "preload s", "records/s", "MB/s in", "p99 ms", "job/baseline");
        assertThat(lines[1].split("\\s+")).containsExactly(
                "baseline", "at-least-once", "1", "100000", "2.0", "1.0", "50000", "65.0", "65.0", "4", "9", "12.5", "80", "0");
        assertThat(lines[2].split("\\s+")).containsExactly(
                "job", "at-least-once", "1", "100000", "4.0", "1.0", "25000", "32.5", "65.0", "4", "9", "12.5", "80", "0", "0.50");
        assertThat(lines[4]).endsWith("0.25");
        assertThat(lines[5].split("\\s+")).as("no baseline for exactly-once: no ratio").hasSize(14);
        assertThat(ResultTable.ratioSummary(results))
                .containsExactly("at-least-once job/baseline: 0.38 (median of 2 rounds: 0.25 0.50)");
    }

    @Test
    void takesTheMedianOfTheRoundsRatios() {
        List<RunResult> results = List.of(
                run("baseline", "exactly-once", 1, 10.0, 10.0), run("job", "exactly-once", 1, 14.0, 10.0),
                run("baseline", "exactly-once", 2, 10.0, 5.0), run("job", "exactly-once", 2, 25.0, 5.0),
                run("baseline", "exactly-once", 3, 10.0, 5.0), run("job", "exactly-once", 3, 20.0, 5.0));
        assertThat(ResultTable.format(results)).doesNotContain("note:");
        assertThat(ResultTable.ratioSummary(results))
                .containsExactly("exactly-once job/baseline: 0.50 (median of 3 rounds: 0.40 0.50 0.71)");
    }
}
