package dev.elustream.math;

import static dev.elustream.math.EluKernelTest.assumeUsable;
import static dev.elustream.math.EluKernelTest.checkArrays;
import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.math.ActivationReferenceTest.Row;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** SELU's array methods on both kernels against the correctly rounded references, as {@link EluKernelTest}. */
class SeluKernelTest {

    @BeforeAll
    static void compileTheVectorKernel() {
        if (!Kernel.vectorUsable()) {
            return;
        }
        Selu selu = Selu.instance(Kernel.VECTOR);
        double[] x = new double[72];
        for (int i = 0; i < x.length; i++) {
            x[i] = EluKernelTest.SPECIAL_X[i % EluKernelTest.SPECIAL_X.length];
        }
        double[] values = new double[x.length];
        double[] derivatives = new double[x.length];
        for (int i = 0; i < 20_000; i++) {
            selu.values(x, values, x.length);
            selu.derivatives(x, derivatives, x.length);
            selu.alphaGradients(x, values, x.length);
            selu.valuesAndDerivatives(x, values, derivatives, x.length);
        }
    }

    @Test
    void kernelsAreChosenExplicitly() {
        assertThat(Selu.instance(Kernel.SCALAR).kernel()).isEqualTo(Kernel.SCALAR);
        assertThat(((Selu) Activations.of(ActivationKind.SELU, ActivationKind.SELU_ALPHA, Kernel.SCALAR)).kernel())
                .isEqualTo(Kernel.SCALAR);
        assertThat(Selu.instance()).isSameAs(Selu.instance(Kernel.active()));
        assumeUsable(Kernel.VECTOR);
        assertThat(Selu.instance(Kernel.VECTOR).kernel()).isEqualTo(Kernel.VECTOR);
        assertThat(Selu.instance(Kernel.VECTOR)).hasToString(
                "Selu{alpha=" + ActivationKind.SELU_ALPHA + ", scale=" + ActivationKind.SELU_SCALE + ", kernel=VECTOR}");
    }

    @ParameterizedTest
    @EnumSource(value = Kernel.class, names = {"SCALAR", "VECTOR"})
    void everyReferenceRowIsWithin2UlpThroughTheArrayMethods(Kernel kernel) throws IOException {
        assumeUsable(kernel);
        List<Row> rows = ActivationReferenceTest.load(ReferenceGenerator.SELU_FILE);
        Selu selu = Selu.instance(kernel);
        for (int length : EluKernelTest.LENGTHS) {
            for (int start = 0; start < rows.size(); start += Math.max(1, length / 2)) {
                Row[] window = new Row[length];
                double[] gradients = new double[length];
                for (int j = 0; j < length; j++) {
                    window[j] = rows.get((start + j) % rows.size());
                    gradients[j] = window[j].alphaGradient();
                }
                checkArrays(selu, window, gradients);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kernel.class, names = {"SCALAR", "VECTOR"})
    void specialValuesAreWithin2UlpInEveryLane(Kernel kernel) {
        assumeUsable(kernel);
        double[] specials = EluKernelTest.SPECIAL_X;
        for (int length : new int[] {specials.length, 67}) {
            Row[] rows = new Row[length];
            double[] gradients = new double[length];
            for (int i = 0; i < length; i++) {
                rows[i] = expected(specials[(i + length) % specials.length]);
                gradients[i] = rows[i].alphaGradient();
            }
            checkArrays(Selu.instance(kernel), rows, gradients);
        }
    }

    @Test
    void vectorAndScalarKernelsAgreeWithin2UlpOnRandomInput() {
        assumeUsable(Kernel.VECTOR);
        Random random = new Random(20261128L);
        int n = 4099;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 5) {
                case 0 -> -random.nextDouble() * 3;
                case 1 -> -random.nextDouble() * 40;
                case 2 -> -Math.pow(10, -random.nextDouble() * 300);
                case 3 -> -700 - random.nextDouble() * 100;
                default -> random.nextGaussian() * 5;
            };
        }
        double[][] scalar = evaluate(Selu.instance(Kernel.SCALAR), x);
        double[][] vector = evaluate(Selu.instance(Kernel.VECTOR), x);
        for (int i = 0; i < n; i++) {
            assertWithin2Ulp(vector[0][i], scalar[0][i], "value x=" + x[i]);
            assertWithin2Ulp(vector[1][i], scalar[1][i], "derivative x=" + x[i]);
            assertWithin2Ulp(vector[2][i], scalar[2][i], "alpha-gradient x=" + x[i]);
        }
    }

    private static double[][] evaluate(Selu selu, double[] x) {
        double[][] out = new double[3][x.length];
        selu.valuesAndDerivatives(x, out[0], out[1], x.length);
        selu.alphaGradients(x, out[2], x.length);
        return out;
    }

    /** The correctly rounded row at x, also for non-finite x. */
    private static Row expected(double x) {
        double alpha = ActivationKind.SELU_ALPHA;
        double scale = ActivationKind.SELU_SCALE;
        if (Double.isNaN(x)) {
            return new Row(x, alpha, Double.NaN, Double.NaN, Double.NaN);
        }
        if (x == Double.POSITIVE_INFINITY) {
            return new Row(x, alpha, x, scale, 0.0);
        }
        if (x == Double.NEGATIVE_INFINITY) {
            return new Row(x, alpha, Selu.instance(Kernel.SCALAR).value(-1000.0), 0.0, -scale);
        }
        if (x > Selu.MAX_FINITE_INPUT) {
            return new Row(x, alpha, Double.POSITIVE_INFINITY, scale, 0.0);
        }
        ReferenceGenerator.Row r = ReferenceGenerator.selu(x);
        return new Row(x, alpha, r.value(), r.derivative(), r.alphaGradient());
    }
}
