package dev.elustream.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LatencySummaryTest {

    @Test
    void takesNearestRankPercentilesOfUnsortedSamples() {
        long[] samples = new long[100];
        for (int i = 0; i < 100; i++) {
            samples[i] = 100 - i; // 100 .. 1
        }
        LatencySummary s = LatencySummary.of(samples);
        assertThat(s).isEqualTo(new LatencySummary(100, 50, 99, 100));
        assertThat(samples[0]).as("the samples are not sorted in place").isEqualTo(100);
    }

    @Test
    void p99OfFewSamplesIsTheLargest() {
        assertThat(LatencySummary.of(new long[] {7, 3, 5})).isEqualTo(new LatencySummary(3, 5, 7, 7));
        assertThat(LatencySummary.of(new long[] {42})).isEqualTo(new LatencySummary(1, 42, 42, 42));
    }

    @Test
    void p50OfAnEvenCountIsTheLowerMiddle() {
        assertThat(LatencySummary.percentile(new long[] {1, 2, 3, 4}, 50)).isEqualTo(2);
        assertThat(LatencySummary.percentile(new long[] {1, 2, 3, 4}, 51)).isEqualTo(3);
        assertThat(LatencySummary.percentile(new long[] {1, 2, 3, 4}, 100)).isEqualTo(4);
    }

    @Test
    void p99OfAThousandSamplesSkipsTheTopTen() {
        long[] samples = new long[1000];
        for (int i = 0; i < 1000; i++) {
            samples[i] = i < 990 ? 1 : 1000 + i;
        }
        assertThat(LatencySummary.of(samples).p99()).isEqualTo(1);
        samples[989] = 5;
        assertThat(LatencySummary.of(samples).p99()).isEqualTo(5);
    }

    @Test
    void refusesNoSamplesAndPercentilesOutOfRange() {
        assertThatThrownBy(() -> LatencySummary.of(new long[0])).hasMessageContaining("no latency samples");
        assertThatThrownBy(() -> LatencySummary.percentile(new long[] {1}, 0)).hasMessageContaining("got 0.0");
        assertThatThrownBy(() -> LatencySummary.percentile(new long[] {1}, 100.5)).hasMessageContaining("got 100.5");
    }

    @Test
    void ratesAreCountOverSecondsAndMegabytesAreMillionsOfBytes() {
        assertThat(Rates.perSecond(50_000, 2_000_000_000L)).isEqualTo(25_000.0);
        assertThat(Rates.megabytesPerSecond(3_000_000, 500_000_000L)).isEqualTo(6.0);
        assertThatThrownBy(() -> Rates.perSecond(1, 0)).hasMessageContaining("got 0 ns");
    }

    @Test
    void gcSummaryTakesTheLongestPauseAndLargestHeapAfterGc() {
        GcSummary gc = GcSummary.parse(List.of(
                "[0.512s][info][gc] Using G1",
                "[1.234s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 25M->3M(512M) 3.456ms",
                "[2.000s][info][gc] GC(1) Pause Young (Concurrent Start) (G1 Humongous Allocation) 300M->120M(512M) 41.2ms",
                "[2.100s][info][gc] GC(2) Concurrent Mark Cycle 12.000ms",
                "[2.200s][info][gc] GC(2) Pause Remark 130M->90M(512M) 1.5ms"));
        assertThat(gc).isEqualTo(new GcSummary(3, 41.2, 120));
        assertThat(GcSummary.parse(List.of(
                "[1.234s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 25M->3M(512M) 3.456ms",
                "[2.000s][info][gc] GC(1) Pause Young (Concurrent Start) (G1 Humongous Allocation) 300M->120M(512M) 41.2ms",
                "[2.200s][info][gc] GC(2) Pause Remark 130M->90M(512M) 1.5ms"), 2.0))
                .as("pauses before the given uptime are left out").isEqualTo(new GcSummary(2, 41.2, 120));
        assertThat(GcSummary.parse(List.of())).isEqualTo(new GcSummary(0, 0, 0));
    }
}
