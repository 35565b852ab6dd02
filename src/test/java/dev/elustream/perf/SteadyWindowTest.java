package dev.elustream.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SteadyWindowTest {

    @Test
    void startsAtTheFifthPercentileAndEndsAtTheLastAppendTime() {
        // 20 records: k = 1. Sorted: 0 (a start-up straggler), then 1000, 1100, ..., 2800.
        long[] t = {2800, 1000, 0, 2700, 1100, 2600, 1200, 2500, 1300, 2400, 1400, 2300, 1500, 2200, 1600, 2100, 1700,
            2000, 1800, 1900};
        SteadyWindow w = SteadyWindow.of(t);
        assertThat(w).isEqualTo(new SteadyWindow(20, 18, 1000, 1800));
        assertThat(w.recordsPerSecond()).isEqualTo(10.0);
        assertThat(w.nanosForAll()).isEqualTo(2_000_000_000L);
        assertThat(Rates.perSecond(20, w.nanosForAll())).isEqualTo(10.0);
        assertThat(t[0]).as("the append times are not sorted in place").isEqualTo(2800);
    }

    @Test
    void leavesTheFirstFivePercentOut() {
        // 100 records: k = 5. Five slow start-up records at 0..4 s, then one every 10 ms from 10 s on.
        long[] t = new long[100];
        for (int i = 0; i < 5; i++) {
            t[i] = 1000L * i;
        }
        for (int i = 5; i < 100; i++) {
            t[i] = 10_000 + 10L * (i - 5);
        }
        SteadyWindow w = SteadyWindow.of(t);
        assertThat(w).isEqualTo(new SteadyWindow(100, 94, 10_000, 940));
        assertThat(w.recordsPerSecond()).isEqualTo(100.0);
        assertThat(w.nanosForAll()).isEqualTo(1_000_000_000L);
    }

    @Test
    void aZeroLengthWindowCountsAsOneMillisecond() {
        SteadyWindow w = SteadyWindow.of(new long[] {5, 5, 5});
        assertThat(w).isEqualTo(new SteadyWindow(3, 2, 5, 1));
        assertThat(w.recordsPerSecond()).isEqualTo(2000.0);
        assertThat(w.nanosForAll()).isEqualTo(1_500_000L);
    }

    @Test
    void needsTwoRecords() {
        assertThat(SteadyWindow.of(new long[] {7, 3})).isEqualTo(new SteadyWindow(2, 1, 3, 4));
        assertThatThrownBy(() -> SteadyWindow.of(new long[] {7})).hasMessageContaining("at least 2 records, got 1");
    }
}
