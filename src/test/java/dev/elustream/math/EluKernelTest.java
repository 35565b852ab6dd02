package dev.elustream.math;

import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.elustream.math.ActivationReferenceTest.Row;
import dev.elustream.testing.Ulps;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ELU's array methods on both kernels against the correctly rounded references, at lengths with
 * and without a tail, in place and not. The vector kernel is checked after C2 has compiled it: the
 * interpreter's vector math (Java fallbacks) and the compiled intrinsics may differ.
 */
class EluKernelTest {

    static final int[] LENGTHS = {1, 3, 7, 8, 9, 63, 64, 65, 1000};

    static final double[] SPECIAL_X = {
        0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE,
        -Double.MIN_VALUE, Double.MIN_NORMAL, -Double.MIN_NORMAL, -1e-300, -3e-310, -1e-17, -1e-8, -0.5, -1.0,
        -36.7, -40.0, -700.0, -708.0, -708.5, -709.0, -745.0, -745.2, -746.0, -800.0, -1000.0, -1e300,
        -Double.MAX_VALUE, 1e-300, 1.0, 1e300, Double.MAX_VALUE,
    };
    static final double[] SPECIAL_ALPHA = {0.0, 5.8e-300, 1e-3, 0.5, 1.0, 2.0, 2.5, 37.0, 1e300};

    @BeforeAll
    static void compileTheVectorKernel() {
        if (!Kernel.vectorUsable()) {
            return;
        }
        // every branch of the kernel, the fix-up of underflowing lanes included, 20k times
        Elu elu = Elu.withAlpha(3.0, Kernel.VECTOR);
        double[] x = new double[72];
        for (int i = 0; i < x.length; i++) {
            x[i] = SPECIAL_X[i % SPECIAL_X.length];
        }
        double[] values = new double[x.length];
        double[] derivatives = new double[x.length];
        for (int i = 0; i < 20_000; i++) {
            elu.values(x, values, x.length);
            elu.derivatives(x, derivatives, x.length);
            elu.alphaGradients(x, values, x.length);
            elu.valuesAndDerivatives(x, values, derivatives, x.length);
        }
    }

    @Test
    void testJvmsLoadTheVectorModule() {
        // the pom's flink.jvm.flags pass --add-modules jdk.incubator.vector to every test JVM
        assertThat(ModuleLayer.boot().findModule("jdk.incubator.vector")).isPresent();
    }

    @Test
    void autoResolvesToTheVectorKernelWhereUsable() {
        assumeTrue(Kernel.vectorUsable(), () -> "vector kernel not usable: " + Kernel.vectorUnusableReason());
        assertThat(Kernel.active()).isEqualTo(Kernel.VECTOR);
        assertThat(Kernel.AUTO.resolve()).isEqualTo(Kernel.VECTOR);
        assertThat(Kernel.describeActive()).matches("vector \\(DoubleVector, \\d+ lanes\\)");
        assertThat(Elu.withAlpha(1.0).kernel()).isEqualTo(Kernel.VECTOR);
        assertThat(((Elu) Activations.of(ActivationKind.ELU, 1.0)).kernel()).isEqualTo(Kernel.VECTOR);
        assertThat(Elu.withAlpha(0.5, Kernel.VECTOR)).hasToString("Elu{alpha=0.5, kernel=VECTOR}");
    }

    @Test
    void kernelsAreChosenExplicitly() {
        assertThat(Kernel.SCALAR.resolve()).isEqualTo(Kernel.SCALAR);
        assertThat(Elu.withAlpha(1.0, Kernel.SCALAR).kernel()).isEqualTo(Kernel.SCALAR);
        assertThat(((Elu) Activations.of(ActivationKind.ELU, 2.0, Kernel.SCALAR)).kernel()).isEqualTo(Kernel.SCALAR);
        assertThat(Elu.withAlpha(0.5, Kernel.SCALAR)).hasToString("Elu{alpha=0.5, kernel=SCALAR}");
        assertThat(Activations.of(ActivationKind.CELU, 2.0, Kernel.SCALAR).alpha()).isEqualTo(2.0);
        assertThatThrownBy(() -> Activations.of(ActivationKind.ELU, -1.0, Kernel.SCALAR))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha must be finite and >= 0 for activation elu, got -1.0");
    }

    @Test
    void propertyChoosesWhatAutoResolvesTo() {
        String before = System.getProperty(Kernel.PROPERTY);
        try {
            System.setProperty(Kernel.PROPERTY, " Scalar ");
            assertThat(Kernel.active()).isEqualTo(Kernel.SCALAR);
            assertThat(Elu.withAlpha(1.0).kernel()).isEqualTo(Kernel.SCALAR);
            assertThat(Kernel.describeActive()).isEqualTo(Kernel.vectorUsable()
                    ? "scalar (elu.kernel=Scalar)"
                    : "scalar (" + Kernel.vectorUnusableReason().orElseThrow() + ")");
            System.setProperty(Kernel.PROPERTY, "auto");
            assertThat(Kernel.active()).isEqualTo(Kernel.vectorUsable() ? Kernel.VECTOR : Kernel.SCALAR);
            System.setProperty(Kernel.PROPERTY, "simd");
            assertThatThrownBy(Kernel::active)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("elu.kernel must be one of auto, scalar, vector, got 'simd'");
            assertThatThrownBy(() -> Elu.withAlpha(1.0)).hasMessageContaining("'simd'");
            // an explicit kernel does not read the property
            assertThat(Elu.withAlpha(1.0, Kernel.SCALAR).kernel()).isEqualTo(Kernel.SCALAR);
        } finally {
            if (before == null) {
                System.clearProperty(Kernel.PROPERTY);
            } else {
                System.setProperty(Kernel.PROPERTY, before);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kernel.class, names = {"SCALAR", "VECTOR"})
    void everyReferenceRowIsWithin2UlpThroughTheArrayMethods(Kernel kernel) throws IOException {
        assumeUsable(kernel);
        List<Row> rows = ActivationReferenceTest.load(ReferenceGenerator.ELU_FILE);
        List<Row> gradients = ActivationReferenceTest.load(ReferenceGenerator.ELU_ALPHA_GRADIENT_FILE);
        Map<Double, List<Integer>> byAlpha = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            byAlpha.computeIfAbsent(rows.get(i).alpha(), a -> new ArrayList<>()).add(i);
        }
        int checked = 0;
        for (Map.Entry<Double, List<Integer>> group : byAlpha.entrySet()) {
            Elu elu = Elu.withAlpha(group.getKey(), kernel);
            List<Integer> indices = group.getValue();
            for (int length : LENGTHS) {
                // windows of the group, wrapping around, so each row sits at many lane positions
                for (int start = 0; start < indices.size(); start += Math.max(1, length / 2)) {
                    Row[] window = new Row[length];
                    double[] gradient = new double[length];
                    for (int j = 0; j < length; j++) {
                        int row = indices.get((start + j) % indices.size());
                        window[j] = rows.get(row);
                        gradient[j] = gradients.get(row).alphaGradient();
                    }
                    checkArrays(elu, window, gradient);
                    checked += length;
                }
            }
        }
        assertThat(checked).isGreaterThan(9 * rows.size());
    }

    static void checkArrays(ActivationFunction elu, Row[] rows, double[] expectedGradients) {
        int n = rows.length;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rows[i].x();
        }
        double[] values = new double[n];
        double[] derivatives = new double[n];
        double[] gradients = new double[n];
        double[] fusedValues = new double[n];
        double[] fusedDerivatives = new double[n];
        double[] inPlaceValues = x.clone();
        double[] inPlaceDerivatives = x.clone();
        double[] inPlaceGradients = x.clone();
        double[] inPlaceFused = x.clone();
        double[] inPlaceFusedDerivatives = new double[n];
        elu.values(x, values, n);
        elu.derivatives(x, derivatives, n);
        elu.alphaGradients(x, gradients, n);
        elu.valuesAndDerivatives(x, fusedValues, fusedDerivatives, n);
        elu.values(inPlaceValues, inPlaceValues, n);
        elu.derivatives(inPlaceDerivatives, inPlaceDerivatives, n);
        elu.alphaGradients(inPlaceGradients, inPlaceGradients, n);
        elu.valuesAndDerivatives(inPlaceFused, inPlaceFused, inPlaceFusedDerivatives, n);
        for (int i = 0; i < n; i++) {
            String at = elu + " x=" + x[i] + " at " + i + " of " + n;
            Row r = rows[i];
            assertWithin2Ulp(values[i], r.value(), "values " + at);
            assertWithin2Ulp(derivatives[i], r.derivative(), "derivatives " + at);
            assertWithin2Ulp(gradients[i], expectedGradients[i], "alphaGradients " + at);
            assertWithin2Ulp(fusedValues[i], r.value(), "fused value " + at);
            assertWithin2Ulp(fusedDerivatives[i], r.derivative(), "fused derivative " + at);
            assertWithin2Ulp(inPlaceValues[i], r.value(), "in-place values " + at);
            assertWithin2Ulp(inPlaceDerivatives[i], r.derivative(), "in-place derivatives " + at);
            assertWithin2Ulp(inPlaceGradients[i], expectedGradients[i], "in-place alphaGradients " + at);
            assertWithin2Ulp(inPlaceFused[i], r.value(), "in-place fused value " + at);
            assertWithin2Ulp(inPlaceFusedDerivatives[i], r.derivative(), "in-place fused derivative " + at);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kernel.class, names = {"SCALAR", "VECTOR"})
    void specialValuesAreWithin2UlpInEveryLane(Kernel kernel) {
        assumeUsable(kernel);
        for (double alpha : SPECIAL_ALPHA) {
            Elu elu = Elu.withAlpha(alpha, kernel);
            for (int length : new int[] {SPECIAL_X.length, 67}) {
                // shifted by one per length, so each value lands in several lanes and in the tail
                Row[] rows = new Row[length];
                double[] gradients = new double[length];
                for (int i = 0; i < length; i++) {
                    double x = SPECIAL_X[(i + length) % SPECIAL_X.length];
                    rows[i] = expected(x, alpha);
                    gradients[i] = rows[i].alphaGradient();
                }
                checkArrays(elu, rows, gradients);
            }
        }
    }

    @Test
    void signsOfZeroAndNaNSurviveTheVectorKernel() {
        assumeUsable(Kernel.VECTOR);
        double[] x = {-0.0, 0.0, Double.NaN, -0.0, Double.NEGATIVE_INFINITY, -800.0, 0.0, -0.0};
        for (double alpha : new double[] {0.0, 1.0, 1e300}) {
            Elu elu = Elu.withAlpha(alpha, Kernel.VECTOR);
            double[] values = new double[x.length];
            double[] derivatives = new double[x.length];
            double[] gradients = new double[x.length];
            elu.valuesAndDerivatives(x, values, derivatives, x.length);
            elu.alphaGradients(x, gradients, x.length);
            assertThat(Double.doubleToRawLongBits(values[0])).isEqualTo(Double.doubleToRawLongBits(-0.0));
            assertThat(Double.doubleToRawLongBits(values[1])).isZero();
            assertThat(values[2]).isNaN();
            assertThat(derivatives[2]).isNaN();
            assertThat(gradients[2]).isNaN();
            assertThat(Double.doubleToRawLongBits(gradients[3])).isEqualTo(Double.doubleToRawLongBits(-0.0));
            assertThat(derivatives[1]).isEqualTo(alpha);
            assertThat(values[4]).isEqualTo(-alpha);
            assertThat(gradients[4]).isEqualTo(-1.0);
        }
        // exp(-800) underflows to 0, alpha*exp(-800) does not
        double[] derivatives = new double[x.length];
        Elu.withAlpha(1e300, Kernel.VECTOR).derivatives(x, derivatives, x.length);
        assertThat(Ulps.between(derivatives[5], ReferenceGenerator.elu(-800.0, 1e300).derivative()))
                .isLessThanOrEqualTo(1);
    }

    @Test
    void vectorAndScalarKernelsAgreeWithin2UlpOnRandomInput() {
        assumeUsable(Kernel.VECTOR);
        Random random = new Random(20261127L);
        int n = 4099;
        double[] x = new double[n];
        for (int round = 0; round < 20; round++) {
            double alpha = round % 4 == 0 ? Math.pow(10, random.nextDouble() * 600 - 300) : Math.pow(10, random.nextDouble() * 4 - 2);
            for (int i = 0; i < n; i++) {
                x[i] = switch (i % 6) {
                    case 0 -> -random.nextDouble() * 3;
                    case 1 -> -random.nextDouble() * 40;
                    case 2 -> -Math.pow(10, -random.nextDouble() * 300);
                    case 3 -> -700 - random.nextDouble() * 100;
                    case 4 -> random.nextGaussian() * 5;
                    default -> -random.nextDouble() * 0.3;
                };
            }
            Elu scalar = Elu.withAlpha(alpha, Kernel.SCALAR);
            Elu vector = Elu.withAlpha(alpha, Kernel.VECTOR);
            double[] sv = new double[n];
            double[] sd = new double[n];
            double[] sg = new double[n];
            double[] vv = new double[n];
            double[] vd = new double[n];
            double[] vg = new double[n];
            scalar.valuesAndDerivatives(x, sv, sd, n);
            scalar.alphaGradients(x, sg, n);
            vector.valuesAndDerivatives(x, vv, vd, n);
            vector.alphaGradients(x, vg, n);
            for (int i = 0; i < n; i++) {
                String at = "x=" + x[i] + " alpha=" + alpha;
                assertWithin2Ulp(vv[i], sv[i], "value " + at);
                assertWithin2Ulp(vd[i], sd[i], "derivative " + at);
                assertWithin2Ulp(vg[i], sg[i], "alpha-gradient " + at);
            }
        }
    }

    @Test
    void vectorKernelRejectsBadLengthsAsTheScalarOneDoes() {
        assumeUsable(Kernel.VECTOR);
        Elu elu = Elu.withAlpha(1.0, Kernel.VECTOR);
        double[] x = new double[16];
        assertThatThrownBy(() -> elu.values(x, new double[8], 16))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("length 16 does not fit arrays of 16 and 8");
        assertThatThrownBy(() -> elu.valuesAndDerivatives(x, x, x, 16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("derivatives must not be the input array");
    }

    /** The correctly rounded row at (x, alpha), also for alpha 0 and non-finite x. */
    static Row expected(double x, double alpha) {
        if (Double.isNaN(x)) {
            return new Row(x, alpha, Double.NaN, Double.NaN, Double.NaN);
        }
        if (x == Double.POSITIVE_INFINITY) {
            return new Row(x, alpha, x, 1.0, 0.0);
        }
        if (x == Double.NEGATIVE_INFINITY) {
            // alpha*expm1(-inf) = -alpha (-0.0 at alpha 0), alpha*exp(-inf) = +0
            return new Row(x, alpha, -alpha, 0.0, -1.0);
        }
        if (alpha == 0.0) {
            ReferenceGenerator.Row one = ReferenceGenerator.elu(x, 1.0);
            // 0*f is a zero with f's sign: -0.0 for x <= 0 (but +0 at x = +0), as Math gives it
            double zero = x > 0 ? 0.0 : 0.0 * Math.expm1(x);
            return new Row(x, alpha, x > 0 ? x : zero, x > 0 ? 1.0 : 0.0, one.alphaGradient());
        }
        ReferenceGenerator.Row r = ReferenceGenerator.elu(x, alpha);
        return new Row(x, alpha, r.value(), r.derivative(), r.alphaGradient());
    }

    static void assumeUsable(Kernel kernel) {
        if (kernel == Kernel.VECTOR) {
            assumeTrue(Kernel.vectorUsable(), () -> "vector kernel not usable: " + Kernel.vectorUnusableReason());
        }
    }
}
