package dev.elustream.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PerfOptionsTest {

    @Test
    void runsAllThreeSystemsWithFullNumbersByDefault() {
        PerfOptions o = PerfOptions.parse(new String[] {"--quick"});
        assertThat(o.systemsToRun()).containsExactly("baseline", "job", "streams");
        assertThat(o.notRunNotes()).isEmpty();
        assertThat(o.numbers()).isEqualTo(InputNumbers.FULL);
    }

    @Test
    void runsTheSystemsAskedForInTheRoundsOrder() {
        PerfOptions o = PerfOptions.parse(new String[] {"--systems", "streams,baseline", "--numbers", "six"});
        assertThat(o.systemsToRun()).containsExactly("baseline", "streams");
        assertThat(o.numbers()).isEqualTo(InputNumbers.SIX);
        assertThat(new String(o.format().encode(1, new double[] {-3.5818391234}))).contains("[-3.581839]");
    }

    @Test
    void skipsStreamsForBinaryAndSaysSo() {
        PerfOptions o = PerfOptions.parse(new String[] {"--format", "binary"});
        assertThat(o.systemsToRun()).containsExactly("baseline", "job");
        assertThat(o.notRunNotes()).containsExactly("streams not run: --format binary, and the Kafka Streams app reads JSON only");
        assertThatThrownBy(() -> PerfOptions.parse(new String[] {"--format", "binary", "--systems", "streams"}))
                .hasMessageContaining("leaves nothing to run");
    }

    @Test
    void rejectsAnUnknownSystem() {
        assertThatThrownBy(() -> PerfOptions.parse(new String[] {"--systems", "baseline,flink"}))
                .hasMessage("--systems must list baseline, job, job-live and/or streams, got 'flink'");
    }
}
