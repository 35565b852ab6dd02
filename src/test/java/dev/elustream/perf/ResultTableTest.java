package dev.elustream.perf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTableTest {

    private static final LatencySummary LAT = new LatencySummary(10, 4, 9, 12);
    private static final GcSummary GC = new GcSummary(5, 12.5, 80);
    private static final long RECORDS = 100_000;
    /** 1,250 bytes a value in, 50 bytes a key. */
    private static final long VALUE_BYTES_IN = RECORDS * 1250;
    private static final long KEY_BYTES = RECORDS * 50;

    /** The copy writes what it read (k = 1), the job 3 times its input (k = 3), the Kafka Streams app 4 times. */
    private static RunResult run(String system, String guarantee, int round, double seconds, double preloadSeconds) {
        long valueBytesOut = switch (system) {
            case RunResult.JOB -> 3 * VALUE_BYTES_IN;
            case RunResult.STREAMS -> 4 * VALUE_BYTES_IN;
            default -> VALUE_BYTES_IN;
        };
        return new RunResult(system, guarantee, round, RECORDS, (long) (seconds * 1e9), (long) (preloadSeconds * 1e9),
                VALUE_BYTES_IN + KEY_BYTES, valueBytesOut + KEY_BYTES, VALUE_BYTES_IN, valueBytesOut, LAT, GC, 0);
    }

    private static String[] fields(String line) {
        return line.trim().split("\\s+");
    }

    @Test
    void showsRatesKCeilingsAndTheRatiosOfTheSameGuaranteeAndRound() {
        List<RunResult> results = List.of(
                run("baseline", "at-least-once", 1, 2.0, 1.0),
                run("job", "at-least-once", 1, 4.0, 1.0),
                run("streams", "at-least-once", 1, 10.0, 1.0),
                run("baseline", "at-least-once", 2, 1.0, 0.5),
                run("job", "at-least-once", 2, 4.0, 1.0),
                run("streams", "at-least-once", 2, 5.0, 1.0),
                run("job", "exactly-once", 1, 5.0, 1.0));
        String[] lines = ResultTable.format(results, List.of("streams not run: because")).split("\n");
        assertThat(lines).hasSize(8 + 1 + 8 + 3);

        assertThat(lines[0]).contains("steady s", "preload s", "records/s", "MB/s in", "p99 ms", "dups");
        assertThat(fields(lines[1])).containsExactly(
                "baseline", "at-least-once", "1", "100000", "2.0", "1.0", "50000", "65.0", "65.0", "4", "9", "12.5", "80", "0");
        assertThat(fields(lines[2])).containsExactly(
                "job", "at-least-once", "1", "100000", "4.0", "1.0", "25000", "32.5", "95.0", "4", "9", "12.5", "80", "0");
        assertThat(fields(lines[3])).containsExactly(
                "streams", "at-least-once", "1", "100000", "10.0", "1.0", "10000", "13.0", "50.5", "4", "9", "12.5", "80", "0");
        assertThat(lines[8]).isEmpty();

        assertThat(fields(lines[9])).containsExactly(
                "system", "guarantee", "round", "in", "B/rec", "out", "B/rec", "k", "ceiling", "/baseline", "of", "ceiling",
                "job/streams");
        assertThat(fields(lines[10])).as("the copy: k = 1, ceiling 1, no ratios")
                .containsExactly("baseline", "at-least-once", "1", "1250.0", "1250.0", "1.00", "1.00");
        assertThat(fields(lines[11])).as("job: 0.50 of the copy's rate, its ceiling 2/(1+3) = 0.50, so 1.00 of it")
                .containsExactly("job", "at-least-once", "1", "1250.0", "3750.0", "3.00", "0.50", "0.50", "1.00", "2.50");
        assertThat(fields(lines[12])).as("streams: 0.20 of the copy's rate, ceiling 2/(1+4) = 0.40")
                .containsExactly("streams", "at-least-once", "1", "1250.0", "5000.0", "4.00", "0.40", "0.20", "0.50");
        assertThat(fields(lines[14]))
                .containsExactly("job", "at-least-once", "2", "1250.0", "3750.0", "3.00", "0.50", "0.25", "0.50", "1.25");
        assertThat(fields(lines[16])).as("no baseline or streams for exactly-once: no ratios")
                .containsExactly("job", "exactly-once", "1", "1250.0", "3750.0", "3.00", "0.50");
        assertThat(lines[17]).startsWith("note: k = mean output value / mean input value");
        assertThat(lines[18]).startsWith("note: ceiling = 2/(1+k)");
        assertThat(lines[19]).isEqualTo("note: streams not run: because");

        assertThat(ResultTable.ratioSummary(results)).containsExactly(
                "at-least-once job/baseline: 0.38 (median of 2 rounds: 0.25 0.50)",
                "at-least-once job/baseline of its ceiling: 0.75 (median of 2 rounds: 0.50 1.00)",
                "at-least-once streams/baseline: 0.20 (median of 2 rounds: 0.20 0.20)",
                "at-least-once streams/baseline of its ceiling: 0.50 (median of 2 rounds: 0.50 0.50)",
                "at-least-once job/streams: 1.88 (median of 2 rounds: 1.25 2.50)");
    }

    @Test
    void takesTheMedianOfTheRoundsRatiosAndLeavesOutTheSystemsThatDidNotRun() {
        List<RunResult> results = List.of(
                run("baseline", "exactly-once", 1, 10.0, 10.0), run("job", "exactly-once", 1, 14.0, 10.0),
                run("baseline", "exactly-once", 2, 10.0, 5.0), run("job", "exactly-once", 2, 25.0, 5.0),
                run("baseline", "exactly-once", 3, 10.0, 5.0), run("job", "exactly-once", 3, 20.0, 5.0));
        assertThat(ResultTable.format(results, List.of())).doesNotContainPattern("(?m)^streams").doesNotContain("not run");
        assertThat(ResultTable.ratioSummary(results)).containsExactly(
                "exactly-once job/baseline: 0.50 (median of 3 rounds: 0.40 0.50 0.71)",
                "exactly-once job/baseline of its ceiling: 1.00 (median of 3 rounds: 0.80 1.00 1.43)");
    }
}
