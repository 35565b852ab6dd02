package dev.elustream.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OutputModeTest {

    @Test
    void parsesBothAndActivationInAnyCase() {
        assertThat(OutputMode.parse("both")).isEqualTo(OutputMode.BOTH);
        assertThat(OutputMode.parse("BOTH")).isEqualTo(OutputMode.BOTH);
        assertThat(OutputMode.parse("activation")).isEqualTo(OutputMode.ACTIVATION);
        assertThat(OutputMode.parse("Activation")).isEqualTo(OutputMode.ACTIVATION);
    }

    @Test
    void rejectsAnythingElseNamingTheValue() {
        assertThatThrownBy(() -> OutputMode.parse("derivative"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mode must be 'both' or 'activation', got 'derivative'");
        assertThatThrownBy(() -> OutputMode.parse(" both"))
                .hasMessage("mode must be 'both' or 'activation', got ' both'");
        assertThatThrownBy(() -> OutputMode.parse(""))
                .hasMessage("mode must be 'both' or 'activation', got ''");
        assertThatThrownBy(() -> OutputMode.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mode must be 'both' or 'activation', got null");
    }
}
