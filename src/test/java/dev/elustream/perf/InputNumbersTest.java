package dev.elustream.perf;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InputNumbersTest {

    private static String six(double x) {
        StringBuilder sb = new StringBuilder();
        InputNumbers.SIX.append(sb, x);
        return sb.toString();
    }

    @Test
    void writesExactlySixDecimals() {
        assertThat(six(-3.5818391234)).isEqualTo("-3.581839");
        assertThat(six(0.0000005)).isEqualTo("0.000001");
        assertThat(six(2.0)).isEqualTo("2.000000");
        assertThat(six(0.012345)).isEqualTo("0.012345");
        assertThat(six(-1e-7)).as("as %.6f: the sign stays").isEqualTo("-0.000000");
        assertThat(six(-0.0)).isEqualTo("-0.000000");
        assertThat(six(123456.9999996)).isEqualTo("123457.000000");
    }

    @Test
    void agreesWithStringFormatOnTheRunsNumbers() {
        Random rnd = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            double x = i % 2 == 0 ? rnd.nextGaussian() : rnd.nextGaussian() * 1e4;
            assertThat(six(x)).as("x = %s", x).isEqualTo(String.format(Locale.ROOT, "%.6f", x));
        }
    }

    @Test
    void expectedValuesAreWhatTheTextParsesToAndWritingThemAgainGivesTheSameText() {
        Random rnd = new Random(7);
        for (int i = 0; i < 100_000; i++) {
            double x = rnd.nextGaussian();
            double w = InputNumbers.SIX.written(x);
            assertThat(w).isEqualTo(Double.parseDouble(six(x)));
            assertThat(six(w)).isEqualTo(six(x));
        }
        assertThat(InputNumbers.FULL.written(0.1 + 0.2)).isEqualTo(0.1 + 0.2);
    }

    @Test
    void jsonInputSetCarriesTheWrittenNumbersAsItsVectors() {
        for (InputNumbers numbers : InputNumbers.values()) {
            InputSet set = new InputSet(PayloadFormat.named("json", numbers), numbers, 16, 50, 3);
            for (int v = 0; v < set.size(); v++) {
                String text = new String(set.payload(v), UTF_8);
                String array = text.substring(text.indexOf('[') + 1, text.indexOf(']'));
                String[] tokens = array.split(",");
                assertThat(tokens).hasSize(16);
                for (int j = 0; j < tokens.length; j++) {
                    assertThat(set.vector(v)[j]).as("%s: element %d of %s", numbers, j, text)
                            .isEqualTo(Double.parseDouble(tokens[j]));
                    if (numbers == InputNumbers.SIX) {
                        assertThat(tokens[j]).matches("-?\\d+\\.\\d{6}");
                    }
                }
            }
        }
    }

    @Test
    void namesTheChoicesForAnUnknownOne() {
        assertThat(InputNumbers.named("six")).isEqualTo(InputNumbers.SIX);
        assertThatThrownBy(() -> InputNumbers.named("4")).hasMessage("--numbers must be full or six, got '4'");
        assertThatThrownBy(() -> six(Double.NaN)).hasMessageContaining("|x| < 1e12");
    }
}
