package dev.elustream.math;

import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EluTest {

    /** One row of the correctly rounded reference: x, alpha, f(x), f'(x). */
    record Row(double x, double alpha, double value, double derivative) {}

    static List<Row> reference() throws IOException {
        List<Row> rows = new ArrayList<>();
        try (InputStream in = Objects.requireNonNull(
                EluTest.class.getResourceAsStream("/elu-reference.csv"), "elu-reference.csv")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 1; i < lines.length; i++) {
                if (lines[i].isBlank()) {
                    continue;
                }
                String[] f = lines[i].trim().split(",");
                rows.add(new Row(Double.parseDouble(f[0]), Double.parseDouble(f[1]),
                        Double.parseDouble(f[2]), Double.parseDouble(f[3])));
            }
        }
        return rows;
    }

    @Test
    void matchesCorrectlyRoundedReferenceWithin2Ulp() throws IOException {
        List<Row> rows = reference();
        assertThat(rows).hasSizeGreaterThan(700);
        for (Row r : rows) {
            Elu elu = Elu.withAlpha(r.alpha());
            String at = "x=" + r.x() + " alpha=" + r.alpha();
            assertWithin2Ulp(elu.value(r.x()), r.value(), "value " + at);
            assertWithin2Ulp(elu.derivative(r.x()), r.derivative(), "derivative " + at);
        }
    }

    @Test
    void arrayFormsMatchReferenceWithin2Ulp() throws IOException {
        List<Row> rows = reference();
        for (double alpha : new double[] {0.1, 0.5, 1.0, 1.6732632423543772, 2.0}) {
            List<Row> sel = rows.stream().filter(r -> r.alpha() == alpha).toList();
            double[] x = sel.stream().mapToDouble(Row::x).toArray();
            double[] v = new double[x.length];
            double[] d = new double[x.length];
            double[] fusedV = new double[x.length];
            double[] fusedD = new double[x.length];
            Elu elu = Elu.withAlpha(alpha);
            elu.values(x, v, x.length);
            elu.derivatives(x, d, x.length);
            elu.valuesAndDerivatives(x, fusedV, fusedD, x.length);
            for (int i = 0; i < x.length; i++) {
                String at = "x=" + x[i] + " alpha=" + alpha;
                assertWithin2Ulp(v[i], sel.get(i).value(), "values " + at);
                assertWithin2Ulp(d[i], sel.get(i).derivative(), "derivatives " + at);
                assertWithin2Ulp(fusedV[i], sel.get(i).value(), "fused value " + at);
                assertWithin2Ulp(fusedD[i], sel.get(i).derivative(), "fused derivative " + at);
            }
        }
    }

    @Test
    void bundledReferenceIsTheSharedOne() throws IOException {
        // The shared reference sits beside the checkout in the team's workspace and in CI; a user's
        // clone has only the bundled copy, which must not drift from it.
        Path shared = Path.of("..", "shared", "reference", "elu-reference.csv");
        if (Files.isRegularFile(shared)) {
            try (InputStream in = EluTest.class.getResourceAsStream("/elu-reference.csv")) {
                assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(shared));
            }
        }
    }

    @Test
    void zeroTakesTheExponentialBranch() {
        Elu elu = Elu.withAlpha(0.5);
        assertThat(elu.value(0.0)).isEqualTo(0.0);
        assertThat(Double.doubleToRawLongBits(elu.value(0.0))).isEqualTo(0L);
        assertThat(elu.derivative(0.0)).isEqualTo(0.5);
        assertThat(Double.doubleToRawLongBits(elu.value(-0.0)))
                .isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(elu.derivative(-0.0)).isEqualTo(0.5);
    }

    @Test
    void tinyNegativeInputKeepsItsDigits() {
        // exp(x) - 1 would give 0 here
        assertThat(Elu.withAlpha(1.0).value(-1e-17)).isEqualTo(-1e-17);
    }

    @Test
    void derivativeDoesNotCancelForLargeNegativeInput() {
        Elu elu = Elu.withAlpha(1.0);
        assertThat(elu.derivative(-40.0)).isEqualTo(Math.exp(-40.0)).isGreaterThan(0.0);
        assertThat(elu.derivative(-700.0)).isEqualTo(Math.exp(-700.0)).isGreaterThan(0.0);
        assertThat(elu.value(-1000.0)).isEqualTo(-1.0);
        assertThat(elu.derivative(-1000.0)).isEqualTo(0.0);
    }

    @Test
    void extremeFiniteInputsGiveFiniteResults() {
        Elu elu = Elu.withAlpha(Double.MAX_VALUE);
        assertThat(elu.value(Double.MAX_VALUE)).isEqualTo(Double.MAX_VALUE);
        assertThat(elu.value(-Double.MAX_VALUE)).isEqualTo(-Double.MAX_VALUE);
        assertThat(elu.derivative(-Double.MAX_VALUE)).isEqualTo(0.0);
        assertThat(elu.value(Double.MIN_VALUE)).isEqualTo(Double.MIN_VALUE);
        assertThat(elu.value(-Double.MIN_VALUE)).isEqualTo(-Double.MAX_VALUE * Double.MIN_VALUE);
    }

    @Test
    void alphaZeroIsTheRelu() {
        Elu elu = Elu.withAlpha(0.0);
        assertThat(elu.value(-3.0)).isEqualTo(-0.0);
        assertThat(elu.derivative(-3.0)).isEqualTo(0.0);
        assertThat(elu.value(3.0)).isEqualTo(3.0);
    }

    @Test
    void nanPropagates() {
        Elu elu = Elu.withAlpha(1.0);
        assertThat(elu.value(Double.NaN)).isNaN();
        assertThat(elu.derivative(Double.NaN)).isNaN();
    }

    @ParameterizedTest
    @ValueSource(doubles = {-1e-300, -0.5, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void refusesBadAlphaNamingIt(double alpha) {
        assertThatThrownBy(() -> Elu.withAlpha(alpha))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha must be finite and >= 0, got " + alpha);
    }

    @Test
    void fusedKernelWorksInPlaceOnTheValues() {
        Elu elu = Elu.withAlpha(1.0);
        double[] x = {-2.0, 0.0, 3.0};
        double[] d = new double[3];
        elu.valuesAndDerivatives(x, x, d, 3);
        assertThat(x).containsExactly(Math.expm1(-2.0), 0.0, 3.0);
        assertThat(d).containsExactly(Math.exp(-2.0), 1.0, 1.0);
        assertThatThrownBy(() -> elu.valuesAndDerivatives(x, d, x, 3))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> elu.values(x, d, 4)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
