package dev.elustream.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ActivationsTest {

    @Test
    void buildsEachKindWithItsAlpha() {
        ActivationFunction elu = Activations.of(ActivationKind.ELU, 0.5);
        assertThat(elu).isInstanceOf(Elu.class);
        assertThat(elu.kind()).isEqualTo(ActivationKind.ELU);
        assertThat(elu.alpha()).isEqualTo(0.5);
        ActivationFunction celu = Activations.of(ActivationKind.CELU, 2.0);
        assertThat(celu).isInstanceOf(Celu.class);
        assertThat(celu.kind()).isEqualTo(ActivationKind.CELU);
        assertThat(celu.alpha()).isEqualTo(2.0);
        ActivationFunction selu = Activations.of(ActivationKind.SELU, ActivationKind.SELU_ALPHA);
        assertThat(selu).isSameAs(Selu.instance());
        assertThat(selu.kind()).isEqualTo(ActivationKind.SELU);
        assertThat(selu.alpha()).isEqualTo(1.6732632423543772);
    }

    @Test
    void eluAndCeluAreTheIdentityAbove0AndNotPositiveElsewhereSeluIsNot() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (ActivationFunction f : new ActivationFunction[] {
                Activations.of(ActivationKind.ELU, 0.0), Activations.of(ActivationKind.ELU, 1.0),
                Activations.of(ActivationKind.ELU, 3.5), Activations.of(ActivationKind.CELU, 0.25),
                Activations.of(ActivationKind.CELU, 1.0)}) {
            assertThat(f.identityAbove0()).as("%s", f.kind()).isTrue();
            double[] x = {Double.MIN_VALUE, 1e-300, 1.0, Double.MAX_VALUE, -0.0, 0.0, -Double.MIN_VALUE, -1e-300, -1.0,
                -Double.MAX_VALUE, random.nextDouble(), -random.nextDouble()};
            double[] arrays = new double[x.length];
            f.values(x, arrays, x.length);
            for (int i = 0; i < x.length; i++) {
                for (double y : new double[] {f.value(x[i]), arrays[i]}) {
                    if (x[i] > 0.0) {
                        assertThat(y).as("%s(%s)", f.kind(), x[i]).isEqualTo(x[i]);
                    } else {
                        assertThat(y > 0.0).as("%s(%s) = %s", f.kind(), x[i], y).isFalse();
                    }
                }
            }
        }
        assertThat(Activations.of(ActivationKind.SELU).identityAbove0()).isFalse();
    }

    @Test
    void defaultsToAlphaOneAndSelusOwnAlpha() {
        assertThat(Activations.defaultAlpha(ActivationKind.ELU)).isEqualTo(1.0);
        assertThat(Activations.defaultAlpha(ActivationKind.CELU)).isEqualTo(1.0);
        assertThat(Activations.defaultAlpha(ActivationKind.SELU)).isEqualTo(ActivationKind.SELU_ALPHA);
        assertThat(Activations.of(ActivationKind.CELU).alpha()).isEqualTo(1.0);
        assertThat(Activations.of(ActivationKind.SELU)).isSameAs(Selu.instance());
    }

    @Test
    void eluTakesAlphaZeroCeluDoesNot() {
        assertThat(Activations.of(ActivationKind.ELU, 0.0).value(-3.0)).isEqualTo(-0.0);
        assertThatThrownBy(() -> Activations.of(ActivationKind.CELU, 0.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha must be finite and > 0 for activation celu, got 0.0");
        assertThatThrownBy(() -> Celu.withAlpha(-0.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha must be finite and > 0, got -0.0");
    }

    @ParameterizedTest
    @ValueSource(doubles = {-1e-300, -1.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void refusesBadAlphaNamingKindAndValue(double alpha) {
        assertThatThrownBy(() -> Activations.of(ActivationKind.ELU, alpha))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha must be finite and >= 0 for activation elu, got " + alpha);
        assertThatThrownBy(() -> Activations.of(ActivationKind.CELU, alpha))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha must be finite and > 0 for activation celu, got " + alpha);
        assertThat(Activations.isValidAlpha(ActivationKind.ELU, alpha)).isFalse();
        assertThat(Activations.isValidAlpha(ActivationKind.CELU, alpha)).isFalse();
    }

    @Test
    void seluTakesOnlyItsOwnAlpha() {
        assertThat(Activations.isValidAlpha(ActivationKind.SELU, ActivationKind.SELU_ALPHA)).isTrue();
        assertThatThrownBy(() -> Activations.of(ActivationKind.SELU, 1.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha must be SELU's fixed 1.6732632423543772 for activation selu, got 1.0");
        assertThat(Activations.isValidAlpha(ActivationKind.SELU, Math.nextUp(ActivationKind.SELU_ALPHA))).isFalse();
    }

    @Test
    void seluOverflowsOnlyAboveItsLargestFiniteInput() {
        double max = Selu.MAX_FINITE_INPUT;
        assertThat(Selu.instance().maxFiniteInput()).isEqualTo(max);
        assertThat(Selu.instance().value(max)).isFinite().isEqualTo(ActivationKind.SELU_SCALE * max);
        assertThat(Selu.instance().value(Math.nextUp(max))).isInfinite();
        assertThat(max).isBetween(1.71e308, 1.72e308);
        assertThat(Selu.instance().value(-Double.MAX_VALUE)).isEqualTo(-ActivationKind.SELU_SCALE * ActivationKind.SELU_ALPHA);
        assertThat(Activations.of(ActivationKind.ELU, 1.0).maxFiniteInput()).isEqualTo(Double.MAX_VALUE);
        assertThat(Activations.of(ActivationKind.CELU, 1.0).maxFiniteInput()).isEqualTo(Double.MAX_VALUE);
    }

    @Test
    void fusedKernelsRefuseTheInputAsDerivativesAndShortArrays() {
        for (ActivationKind kind : ActivationKind.values()) {
            ActivationFunction f = Activations.of(kind);
            double[] x = {-1.0, 2.0};
            double[] d = new double[2];
            assertThatThrownBy(() -> f.valuesAndDerivatives(x, d, x, 2)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> f.alphaGradients(x, d, 3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> f.values(x, new double[1], 2)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void seluRefusesAnyPerElementAlpha() {
        Alpha alpha = Alpha.perElement(new double[] {ActivationKind.SELU_ALPHA, ActivationKind.SELU_ALPHA});
        assertThatThrownBy(() -> Activations.checkAlpha(ActivationKind.SELU, alpha))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("activation selu has a fixed alpha and takes no per-element alpha, got "
                        + "[1.6732632423543772, 1.6732632423543772]");
        assertThatThrownBy(() -> Activations.of(ActivationKind.SELU, Alpha.perElement(new double[] {1.0})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("activation selu has a fixed alpha and takes no per-element alpha, got [1.0]");
        assertThat(Activations.isValidAlpha(ActivationKind.SELU, alpha)).isFalse();
        // a scalar Alpha follows the scalar rule
        assertThat(Activations.isValidAlpha(ActivationKind.SELU, Alpha.of(ActivationKind.SELU_ALPHA))).isTrue();
        Activations.checkAlpha(ActivationKind.SELU, Alpha.of(ActivationKind.SELU_ALPHA));
    }

    @Test
    void perElementAlphaNamesItsFirstBadElement() {
        Alpha alpha = Alpha.perElement(new double[] {0.5, 1.0, 0.0, -1.0, -2.0});
        assertThatThrownBy(() -> Activations.checkAlpha(ActivationKind.ELU, alpha))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha[3] must be finite and >= 0 for activation elu, got -1.0");
        assertThatThrownBy(() -> Activations.of(ActivationKind.ELU, alpha, Kernel.SCALAR))
                .hasMessage("alpha[3] must be finite and >= 0 for activation elu, got -1.0");
        // CELU divides by alpha: 0 is refused where ELU took it
        assertThatThrownBy(() -> Activations.checkAlpha(ActivationKind.CELU, alpha))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha[2] must be finite and > 0 for activation celu, got 0.0");
        assertThatThrownBy(() -> Activations.of(ActivationKind.CELU, Alpha.perElement(new double[] {-0.0})))
                .hasMessage("alpha[0] must be finite and > 0 for activation celu, got -0.0");
        assertThat(Activations.isValidAlpha(ActivationKind.ELU, alpha)).isFalse();
        assertThat(Activations.isValidAlpha(ActivationKind.CELU, alpha)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(doubles = {-1e-300, -1.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void refusesBadPerElementAlphaNamingKindElementAndValue(double bad) {
        Alpha alpha = Alpha.perElement(new double[] {1.0, 2.0, 0.5, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, bad, 1.0});
        assertThatThrownBy(() -> Activations.checkAlpha(ActivationKind.ELU, alpha))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha[10] must be finite and >= 0 for activation elu, got " + bad);
        assertThatThrownBy(() -> Activations.of(ActivationKind.CELU, alpha))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha[10] must be finite and > 0 for activation celu, got " + bad);
        assertThat(Activations.isValidAlpha(ActivationKind.ELU, alpha)).isFalse();
        assertThat(Activations.isValidAlpha(ActivationKind.CELU, alpha)).isFalse();
    }

    @Test
    void goodPerElementAlphaPasses() {
        Alpha alpha = Alpha.perElement(new double[] {0.0, 1e-300, 1e300, Double.MIN_VALUE});
        Activations.checkAlpha(ActivationKind.ELU, alpha);
        assertThat(Activations.isValidAlpha(ActivationKind.ELU, alpha)).isTrue();
        assertThat(Activations.isValidAlpha(ActivationKind.CELU, alpha)).as("element 0 is 0").isFalse();
        Alpha positive = Alpha.perElement(new double[] {1e-300, 1e300, Double.MIN_VALUE});
        Activations.checkAlpha(ActivationKind.CELU, positive);
        assertThat(Activations.isValidAlpha(ActivationKind.CELU, positive)).isTrue();
        assertThat(Activations.of(ActivationKind.CELU, positive, Kernel.SCALAR).alphaParameter()).isEqualTo(positive);
    }

    @Test
    void longSeluPerElementAlphaIsAbbreviatedInTheMessage() {
        double[] values = new double[1000];
        java.util.Arrays.fill(values, 1.0);
        assertThatThrownBy(() -> Activations.checkAlpha(ActivationKind.SELU, Alpha.perElement(values)))
                .hasMessage("activation selu has a fixed alpha and takes no per-element alpha, got "
                        + "[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, ... (1000 elements)]");
    }
}
