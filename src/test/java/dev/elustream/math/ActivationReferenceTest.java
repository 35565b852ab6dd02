package dev.elustream.math;

import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.elustream.testing.Ulps;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every kind of the family, scalar, array and fused forms, against the correctly rounded references:
 * the committed CSV files, special values, and a seeded sweep computed by {@link ReferenceGenerator}.
 * Errors are checked with {@link Ulps}: within 2 ulp of the reference, zeros with their sign.
 */
class ActivationReferenceTest {

    static final double[] SPECIAL_X = {
        0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, -1e-300, -1e-17, -1e-8, -0.5, -1.0, -36.7, -40.0,
        -700.0, -708.5, -745.0, -745.2, -746.0, -1000.0, -1e300, -Double.MAX_VALUE, 1e-300, 1.0, 1e300,
        Selu.MAX_FINITE_INPUT, Double.MAX_VALUE, -7.795141163890988e-298, -3e-310,
    };
    static final double[] SPECIAL_ALPHA = {5.8e-300, 1e-3, 0.1, 0.5, 1.0, ActivationKind.SELU_ALPHA, 2.0, 37.0, 1e300};

    /** One reference row: x, alpha, f, f', df/dalpha (NaN where the file has no such column). */
    record Row(double x, double alpha, double value, double derivative, double alphaGradient) {}

    static List<Row> load(String file) throws IOException {
        String[] lines = ReferenceGenerator.resource(file).split("\n");
        List<String> header = Arrays.asList(lines[0].split(","));
        int value = header.contains("elu") ? header.indexOf("elu") : header.indexOf("value");
        int derivative = header.indexOf("derivative");
        int gradient = header.indexOf("alpha_gradient");
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",");
            rows.add(new Row(ReferenceGenerator.parse(f[0]), ReferenceGenerator.parse(f[1]),
                    value < 0 ? Double.NaN : ReferenceGenerator.parse(f[value]),
                    derivative < 0 ? Double.NaN : ReferenceGenerator.parse(f[derivative]),
                    gradient < 0 ? Double.NaN : ReferenceGenerator.parse(f[gradient])));
        }
        return rows;
    }

    static ActivationFunction function(ActivationKind kind, double alpha) {
        return Activations.of(kind, kind == ActivationKind.SELU ? ActivationKind.SELU_ALPHA : alpha);
    }

    static ReferenceGenerator.Row reference(ActivationKind kind, double x, double alpha) {
        return switch (kind) {
            case ELU -> ReferenceGenerator.elu(x, alpha);
            case SELU -> ReferenceGenerator.selu(x);
            case CELU -> ReferenceGenerator.celu(x, alpha);
        };
    }

    static void assertMatches(ActivationFunction f, double x, double value, double derivative, double gradient, String at) {
        if (!Double.isNaN(value) || Double.isNaN(x)) {
            assertWithin2Ulp(f.value(x), value, "value " + at);
        }
        if (!Double.isNaN(derivative) || Double.isNaN(x)) {
            assertWithin2Ulp(f.derivative(x), derivative, "derivative " + at);
        }
        if (!Double.isNaN(gradient) || Double.isNaN(x)) {
            assertWithin2Ulp(f.alphaGradient(x), gradient, "alpha-gradient " + at);
        }
    }

    @Test
    void eluMatchesItsReferences() throws IOException {
        List<Row> rows = load(ReferenceGenerator.ELU_FILE);
        List<Row> gradients = load(ReferenceGenerator.ELU_ALPHA_GRADIENT_FILE);
        assertThat(rows).hasSize(703);
        assertThat(gradients).hasSize(703);
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Row g = gradients.get(i);
            assertThat(g.x()).isEqualTo(r.x());
            ActivationFunction elu = Activations.of(ActivationKind.ELU, r.alpha());
            assertMatches(elu, r.x(), r.value(), r.derivative(), g.alphaGradient(), "x=" + r.x() + " alpha=" + r.alpha());
        }
    }

    @Test
    void seluMatchesItsReference() throws IOException {
        List<Row> rows = load(ReferenceGenerator.SELU_FILE);
        assertThat(rows).hasSizeGreaterThan(600);
        for (Row r : rows) {
            assertThat(r.alpha()).isEqualTo(ActivationKind.SELU_ALPHA);
            assertMatches(Selu.instance(), r.x(), r.value(), r.derivative(), r.alphaGradient(), "x=" + r.x());
        }
    }

    @Test
    void celuMatchesItsReference() throws IOException {
        List<Row> rows = load(ReferenceGenerator.CELU_FILE);
        assertThat(rows).hasSize(703);
        for (Row r : rows) {
            ActivationFunction celu = Activations.of(ActivationKind.CELU, r.alpha());
            assertMatches(celu, r.x(), r.value(), r.derivative(), r.alphaGradient(), "x=" + r.x() + " alpha=" + r.alpha());
        }
    }

    @ParameterizedTest
    @EnumSource(ActivationKind.class)
    void arrayAndFusedFormsGiveTheScalarResultsBitForBit(ActivationKind kind) throws IOException {
        // on the scalar kernel; EluKernelTest holds the vector kernel to 2 ulp
        List<Row> rows = load(kind.id() + "-reference.csv");
        for (double alpha : new double[] {0.1, 1.0, ActivationKind.SELU_ALPHA, 2.0}) {
            ActivationFunction f = Activations.of(kind, kind == ActivationKind.SELU ? ActivationKind.SELU_ALPHA : alpha, Kernel.SCALAR);
            double[] x = rows.stream().mapToDouble(Row::x).toArray();
            int n = x.length;
            double[] values = new double[n];
            double[] derivatives = new double[n];
            double[] gradients = new double[n];
            double[] fusedValues = x.clone(); // in place, as the codec calls it
            double[] fusedDerivatives = new double[n];
            f.values(x, values, n);
            f.derivatives(x, derivatives, n);
            f.alphaGradients(x, gradients, n);
            f.valuesAndDerivatives(fusedValues, fusedValues, fusedDerivatives, n);
            for (int i = 0; i < n; i++) {
                String at = kind.id() + " x=" + x[i] + " alpha=" + alpha;
                assertThat(values[i]).as("values " + at).isEqualTo(f.value(x[i]));
                assertThat(derivatives[i]).as("derivatives " + at).isEqualTo(f.derivative(x[i]));
                assertThat(gradients[i]).as("alphaGradients " + at).isEqualTo(f.alphaGradient(x[i]));
                assertThat(fusedValues[i]).as("fused value " + at).isEqualTo(f.value(x[i]));
                assertThat(fusedDerivatives[i]).as("fused derivative " + at).isEqualTo(f.derivative(x[i]));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ActivationKind.class)
    void specialValuesAreCorrectlyRoundedWithin2Ulp(ActivationKind kind) {
        for (double alpha : SPECIAL_ALPHA) {
            ActivationFunction f = function(kind, alpha);
            for (double x : SPECIAL_X) {
                ReferenceGenerator.Row r = reference(kind, x, f.alpha());
                assertMatches(f, x, r.value(), r.derivative(), r.alphaGradient(), kind.id() + " x=" + x + " alpha=" + f.alpha());
            }
            assertThat(f.value(Double.NaN)).isNaN();
            assertThat(f.derivative(Double.NaN)).isNaN();
            assertThat(f.alphaGradient(Double.NaN)).isNaN();
        }
    }

    @ParameterizedTest
    @EnumSource(ActivationKind.class)
    void seededSweepIsWithin2Ulp(ActivationKind kind) {
        Random random = new Random(20261127L + kind.ordinal());
        for (int i = 0; i < 400; i++) {
            double x = switch (i % 5) {
                case 0 -> -random.nextDouble() * 3;
                case 1 -> -random.nextDouble() * 40;
                case 2 -> -Math.pow(10, -random.nextDouble() * 300);
                case 3 -> -700 - random.nextDouble() * 800;
                default -> -random.nextDouble() * 0.3;
            };
            double alpha = i % 7 == 0 ? Math.pow(10, random.nextDouble() * 600 - 300) : Math.pow(10, random.nextDouble() * 4 - 2);
            ActivationFunction f = function(kind, alpha);
            ReferenceGenerator.Row r = reference(kind, x, f.alpha());
            assertMatches(f, x, r.value(), r.derivative(), r.alphaGradient(), kind.id() + " x=" + x + " alpha=" + f.alpha());
        }
    }

    @Test
    void negativeZeroStaysNegativeAndZeroTakesTheExponentialBranch() {
        for (ActivationKind kind : ActivationKind.values()) {
            ActivationFunction f = function(kind, 0.5);
            assertThat(Double.doubleToRawLongBits(f.value(-0.0))).as(kind.id()).isEqualTo(Double.doubleToRawLongBits(-0.0));
            assertThat(Double.doubleToRawLongBits(f.value(0.0))).as(kind.id()).isZero();
            assertThat(Double.doubleToRawLongBits(f.alphaGradient(-0.0))).as(kind.id()).isEqualTo(Double.doubleToRawLongBits(-0.0));
            assertThat(Double.doubleToRawLongBits(f.alphaGradient(0.0))).as(kind.id()).isZero();
        }
        // f'(0) is the x <= 0 branch's: alpha, scale*alpha, 1
        assertThat(Activations.of(ActivationKind.ELU, 0.5).derivative(0.0)).isEqualTo(0.5);
        assertThat(Selu.instance().derivative(0.0)).isEqualTo(ActivationKind.SELU_SCALE * ActivationKind.SELU_ALPHA);
        assertThat(Selu.instance().derivative(Double.MIN_VALUE)).isEqualTo(ActivationKind.SELU_SCALE);
        assertThat(Celu.withAlpha(0.5).derivative(0.0)).isEqualTo(1.0);
    }

    @Test
    void derivativesDoNotCancelForLargeNegativeInput() {
        // from exp(x), never from f(x) + constant, which is 0 below x = -37
        double seluAt40 = ActivationKind.SELU_SCALE * ActivationKind.SELU_ALPHA * Math.exp(-40.0);
        assertThat(Selu.instance().derivative(-40.0)).isGreaterThan(0.0).isCloseTo(seluAt40, withinPercentage(1e-12));
        assertThat(Celu.withAlpha(0.5).derivative(-40.0)).isEqualTo(Math.exp(-80.0)).isGreaterThan(0.0);
        assertThat(Celu.withAlpha(1.0).alphaGradient(-1000.0)).isEqualTo(-1.0);
        assertThat(Selu.instance().value(-1000.0)).isEqualTo(-ActivationKind.SELU_SCALE * ActivationKind.SELU_ALPHA);
        assertThat(Selu.instance().derivative(-1000.0)).isEqualTo(0.0);
    }

    @Test
    void eluDerivativeSurvivesTheUnderflowOfExp() {
        // exp(-800) is 0 in doubles, alpha*exp(-800) is not: 1e300 * 3.7e-348
        ActivationFunction elu = Activations.of(ActivationKind.ELU, 1e300);
        assertThat(elu.derivative(-800.0)).isCloseTo(3.6678745841776874e-48, withinPercentage(1e-13));
        assertThat(Ulps.between(elu.derivative(-800.0), ReferenceGenerator.elu(-800.0, 1e300).derivative())).isLessThanOrEqualTo(1);
    }

    @Test
    void celuAlphaGradientKeepsItsDigitsNearZero() {
        double t = -1e-17;
        // expm1(t) - t*exp(t) in doubles: both terms are -1e-17, the difference 0
        assertThat(Math.expm1(t) - t * Math.exp(t)).isEqualTo(0.0);
        // the exact value is -t^2/2 * (1 + 2t/3 + ...)
        assertThat(Celu.withAlpha(1.0).alphaGradient(t)).isCloseTo(-5e-35, withinPercentage(1e-13));
        assertThat(Celu.withAlpha(1.0).alphaGradient(-1e-9)).isEqualTo(ReferenceGenerator.celu(-1e-9, 1.0).alphaGradient());
    }
}
