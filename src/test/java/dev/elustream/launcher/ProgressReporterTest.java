package dev.elustream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.launcher.ProgressReporter.Sample;
import java.time.LocalTime;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void printsRatesOverTheIntervalTheDeadLettersAndTheLag() {
        Sample before = new Sample(0, 100_000, 99_000, 1_000, 9_000);
        Sample now = new Sample(5 * SECOND, 151_070, 149_950, 1_024, 1_532);
        assertThat(ProgressReporter.line(LocalTime.of(12, 0, 5), before, now))
                .isEqualTo("12:00:05  in 10,214 rec/s  out 10,190 rec/s  dead letters 1,024 (+24)  lag 1,532");
    }

    @Test
    void printsSlowRatesWithADecimalAndAnUnknownLagAsAQuestionMark() {
        Sample before = new Sample(0, 0, 0, 0, -1);
        Sample now = new Sample(5 * SECOND, 2, 1, 1, -1);
        assertThat(ProgressReporter.line(LocalTime.of(9, 5, 0), before, now))
                .isEqualTo("09:05:00  in 0.4 rec/s  out 0.2 rec/s  dead letters 1 (+1)  lag ?");
    }

    @Test
    void printsNothingWhenNothingMoved() {
        Sample idle = new Sample(0, 10, 9, 1, 0);
        assertThat(ProgressReporter.moved(idle, new Sample(5 * SECOND, 10, 9, 1, 0))).isFalse();
        // the lag becoming known is not movement
        assertThat(ProgressReporter.moved(new Sample(0, 0, 0, 0, -1), new Sample(5 * SECOND, 0, 0, 0, 0))).isFalse();
        assertThat(ProgressReporter.moved(idle, new Sample(5 * SECOND, 10, 9, 1, -1))).isFalse();
        // records, or a lag that changes (records waiting while the job is stuck, or caught up)
        assertThat(ProgressReporter.moved(idle, new Sample(5 * SECOND, 11, 10, 1, 0))).isTrue();
        assertThat(ProgressReporter.moved(idle, new Sample(5 * SECOND, 10, 9, 1, 7))).isTrue();
    }

    @Test
    void endsWithTheParameterVersionOfAJobWithAControlTopic() {
        Sample before = new Sample(0, 0, 0, 0, 0, 6, 6);
        Sample now = new Sample(5 * SECOND, 50, 50, 0, 0, 7, 7);
        assertThat(ProgressReporter.line(LocalTime.of(12, 0, 5), before, now))
                .isEqualTo("12:00:05  in 10 rec/s  out 10 rec/s  dead letters 0 (+0)  lag 0  params v7");
        // while an update has reached some subtasks only
        assertThat(ProgressReporter.line(LocalTime.of(12, 0, 5), before, new Sample(5 * SECOND, 50, 50, 0, 0, 6, 7)))
                .endsWith("  lag 0  params v6..v7");
        // a new version is movement; the version becoming known is not
        Sample idle = new Sample(0, 10, 10, 0, 0, 6, 6);
        assertThat(ProgressReporter.moved(idle, new Sample(5 * SECOND, 10, 10, 0, 0, 6, 7))).isTrue();
        assertThat(ProgressReporter.moved(new Sample(0, 10, 10, 0, 0, -1, -1), idle)).isFalse();
    }
}
