package dev.elustream.codec;

import static dev.elustream.codec.JsonTestSupport.bits;
import static dev.elustream.codec.JsonTestSupport.numbers;
import static dev.elustream.codec.JsonTestSupport.text;
import static dev.elustream.codec.JsonTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.Alpha;
import dev.elustream.math.ArrayActivation;
import dev.elustream.math.Celu;
import dev.elustream.math.Kernel;
import dev.elustream.math.Elu;
import dev.elustream.math.Selu;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The transformer with each activation of the family and with the alpha-gradient output. */
class ActivationFamilyCodecTest {

    private static final double[] X = {1.5, -2.0, 0.0, -0.0, -1e-300, -40.0, -800.0, 3.0};
    private static final String INPUT = "{\"id\":\"a\", \"features\":[1.5,-2,0,-0.0,-1e-300,-40,-800,3], \"label\":3}";

    private static byte[] transform(EluJsonTransformer transformer, String value) throws VectorRejectedException {
        return transformer.transform(utf8(value));
    }

    private static double[] apply(ActivationFunction f, String what) {
        double[] out = new double[X.length];
        for (int i = 0; i < X.length; i++) {
            out[i] = switch (what) {
                case "value" -> f.value(X[i]);
                case "derivative" -> f.derivative(X[i]);
                default -> f.alphaGradient(X[i]);
            };
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(ActivationKind.class)
    void writesValuesDerivativesAndAlphaGradientsOfTheChosenActivation(ActivationKind kind) throws Exception {
        ActivationFunction f = Activations.of(kind, kind == ActivationKind.SELU ? ActivationKind.SELU_ALPHA : 0.5, Kernel.SCALAR);
        EluJsonTransformer transformer = new EluJsonTransformer(f, OutputMode.BOTH, true, 0, 64);

        byte[] out = transform(transformer, INPUT);

        assertThat(bits(numbers(out, "features"))).isEqualTo(bits(apply(f, "value")));
        assertThat(bits(numbers(out, "derivative"))).isEqualTo(bits(apply(f, "derivative")));
        assertThat(bits(numbers(out, "alpha_gradient"))).isEqualTo(bits(apply(f, "alpha-gradient")));
        // members keep their order and bytes; the new arrays follow features in a fixed order
        assertThat(text(out)).startsWith("{\"id\":\"a\",\"features\":[").endsWith("],\"label\":3}")
                .containsSubsequence("\"features\":[", "],\"derivative\":[", "],\"alpha_gradient\":[", "],\"label\":3}");
    }

    @Test
    void writesTheAlphaGradientRightAfterTheDerivativeByteForByte() throws Exception {
        EluJsonTransformer transformer = new EluJsonTransformer(Elu.withAlpha(0.5), OutputMode.BOTH, true, 0, 8);
        assertThat(text(transform(transformer, "{\"features\":[-1,0,3],\"ts\":7}")))
                .isEqualTo("{\"features\":[-0.31606027941427883,0.0,3.0],"
                        + "\"derivative\":[0.18393972058572117,0.5,1.0],"
                        + "\"alpha_gradient\":[-0.6321205588285577,0.0,0.0],\"ts\":7}");
    }

    @Test
    void activationModeWritesTheAlphaGradientRightAfterTheFeatures() throws Exception {
        EluJsonTransformer transformer = new EluJsonTransformer(Celu.withAlpha(2.0), OutputMode.ACTIVATION, true, 0, 8);
        byte[] out = transform(transformer, "{\"derivative\":\"theirs\",\"features\":[-2,4]}");
        assertThat(text(out)).startsWith("{\"derivative\":\"theirs\",\"features\":[")
                .contains("],\"alpha_gradient\":[").endsWith("]}");
        Celu celu = Celu.withAlpha(2.0);
        assertThat(numbers(out, "features")).containsExactly(celu.value(-2.0), 4.0);
        assertThat(numbers(out, "alpha_gradient")).containsExactly(celu.alphaGradient(-2.0), 0.0);
        // CELU at alpha 2, x = -2: 2*expm1(-1) and expm1(-1) + exp(-1)
        assertThat(numbers(out, "features")[0]).isEqualTo(2 * Math.expm1(-1.0));
        assertThat(numbers(out, "alpha_gradient")[0]).isCloseTo(Math.expm1(-1.0) + Math.exp(-1.0),
                org.assertj.core.data.Offset.offset(1e-16));
    }

    @Test
    void withoutTheOptionNoAlphaGradientIsWrittenAndAnInputOneIsCarried() throws Exception {
        EluJsonTransformer transformer = new EluJsonTransformer(Selu.instance(), OutputMode.BOTH, 0, 8);
        assertThat(text(transform(transformer, "{\"alpha_gradient\":[9],\"features\":[1]}")))
                .isEqualTo("{\"alpha_gradient\":[9],\"features\":[1.0507009873554805],\"derivative\":[1.0507009873554805]}");
    }

    @Test
    void rejectsAnInputAlphaGradientMemberWhenWritingOne() {
        for (OutputMode mode : OutputMode.values()) {
            EluJsonTransformer transformer = new EluJsonTransformer(Elu.withAlpha(1.0), mode, true, 0, 8);
            for (String value : new String[] {"{\"features\":[1],\"alpha_gradient\":null}",
                    "{\"alpha\\u005fgradient\":[0],\"features\":[1]}"}) {
                assertThatThrownBy(() -> transformer.transform(utf8(value)))
                        .isInstanceOf(VectorRejectedException.class)
                        .hasMessage("value already has an 'alpha_gradient' member, which this job writes"
                                + " (alpha-gradient true): remove it or set alpha-gradient false")
                        .extracting(e -> ((VectorRejectedException) e).kind()).isEqualTo(RejectKind.MEMBER_CONFLICT);
            }
        }
    }

    @Test
    void aNestedAlphaGradientIsNotAConflict() throws Exception {
        EluJsonTransformer transformer = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.ACTIVATION, true, 0, 8);
        assertThat(text(transform(transformer, "{\"meta\":{\"alpha_gradient\":1},\"features\":[2]}")))
                .isEqualTo("{\"meta\":{\"alpha_gradient\":1},\"features\":[2.0],\"alpha_gradient\":[0.0]}");
    }

    @Test
    void aDerivativeConflictIsReportedBeforeAnAlphaGradientOne() {
        EluJsonTransformer transformer = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, true, 0, 8);
        assertThatThrownBy(() -> transformer.transform(utf8("{\"alpha_gradient\":1,\"derivative\":1,\"features\":[1]}")))
                .isInstanceOf(VectorRejectedException.class)
                .hasMessageStartingWith("value already has a 'derivative' member");
    }

    @Test
    void rejectsAVectorWhoseSeluOverflowsNamingTheElement() throws Exception {
        EluJsonTransformer transformer = new EluJsonTransformer(Selu.instance(), OutputMode.BOTH, 0, 8);
        assertThatThrownBy(() -> transformer.transform(utf8("{\"features\":[1,-1e308,1.7976931348623157e308]}")))
                .isInstanceOf(VectorRejectedException.class)
                .hasMessage("features[2] = 1.7976931348623157E308 is too large for activation selu: f(x) would not fit"
                        + " a finite double (the largest x it takes is " + Selu.MAX_FINITE_INPUT + ")")
                .extracting(e -> ((VectorRejectedException) e).kind()).isEqualTo(RejectKind.NUMBER_NOT_FINITE);
        // the largest that fits, and very negative numbers, are fine; the transformer is reusable
        byte[] out = transformer.transform(utf8("{\"features\":[" + Selu.MAX_FINITE_INPUT + ",-1e308]}"));
        assertThat(numbers(out, "features")).containsExactly(Selu.instance().value(Selu.MAX_FINITE_INPUT),
                -ActivationKind.SELU_SCALE * ActivationKind.SELU_ALPHA);
        // ELU and CELU give x itself for large x: nothing to reject
        assertThat(numbers(new EluJsonTransformer(Celu.withAlpha(1.0), OutputMode.BOTH, 0, 8)
                .transform(utf8("{\"features\":[1.7976931348623157e308]}")), "features")).containsExactly(Double.MAX_VALUE);
    }

    @ParameterizedTest
    @EnumSource(ActivationKind.class)
    void randomVectorsMatchTheKernelsBitForBitInBothModes(ActivationKind kind) throws Exception {
        SplittableRandom random = new SplittableRandom(kind.ordinal());
        ActivationFunction f = Activations.of(kind, kind == ActivationKind.SELU ? ActivationKind.SELU_ALPHA : 1.7, Kernel.SCALAR);
        EluJsonTransformer both = new EluJsonTransformer(f, OutputMode.BOTH, true, 0, 4096);
        EluJsonTransformer activation = new EluJsonTransformer(f, OutputMode.ACTIVATION, true, 0, 4096);
        for (int round = 0; round < 50; round++) {
            int n = 1 + random.nextInt(300);
            double[] x = new double[n];
            StringBuilder json = new StringBuilder("{\"features\":[");
            for (int i = 0; i < n; i++) {
                x[i] = (random.nextDouble() - 0.7) * Math.pow(10, random.nextInt(6) - 3);
                json.append(i == 0 ? "" : ",").append(x[i]);
            }
            String value = json.append("]}").toString();
            double[] values = new double[n];
            double[] derivatives = new double[n];
            double[] gradients = new double[n];
            f.valuesAndDerivatives(x, values, derivatives, n);
            f.alphaGradients(x, gradients, n);

            byte[] out = both.transform(utf8(value));
            assertThat(bits(numbers(out, "features"))).isEqualTo(bits(values));
            assertThat(bits(numbers(out, "derivative"))).isEqualTo(bits(derivatives));
            assertThat(bits(numbers(out, "alpha_gradient"))).isEqualTo(bits(gradients));
            byte[] activationOut = activation.transform(utf8(value));
            // the same features in both modes: the fused and the plain kernels agree bit for bit
            assertThat(bits(numbers(activationOut, "features"))).isEqualTo(bits(values));
            assertThat(bits(numbers(activationOut, "alpha_gradient"))).isEqualTo(bits(gradients));
            assertThat(text(activationOut)).doesNotContain("derivative");
        }
    }

    @ParameterizedTest
    @EnumSource(value = ActivationKind.class, names = {"ELU", "CELU"})
    void perElementAlphaGivesEachElementItsOwnAlpha(ActivationKind kind) throws Exception {
        double[] alphas = {0.5, 2.0, 1.0, 3.0, 0.25, 37.0, 1e300, 1.5};
        ArrayActivation f = Activations.of(kind, Alpha.perElement(alphas), Kernel.SCALAR);
        EluJsonTransformer transformer = new EluJsonTransformer(f, OutputMode.BOTH, true, alphas.length, 64);

        byte[] out = transform(transformer, INPUT);

        double[] values = numbers(out, "features");
        double[] derivatives = numbers(out, "derivative");
        double[] gradients = numbers(out, "alpha_gradient");
        for (int i = 0; i < X.length; i++) {
            ActivationFunction scalar = Activations.of(kind, alphas[i], Kernel.SCALAR);
            assertThat(Double.doubleToRawLongBits(values[i])).as("f at %s", i)
                    .isEqualTo(Double.doubleToRawLongBits(scalar.value(X[i])));
            assertThat(Double.doubleToRawLongBits(derivatives[i])).as("f' at %s", i)
                    .isEqualTo(Double.doubleToRawLongBits(scalar.derivative(X[i])));
            assertThat(Double.doubleToRawLongBits(gradients[i])).as("df/dalpha at %s", i)
                    .isEqualTo(Double.doubleToRawLongBits(scalar.alphaGradient(X[i])));
        }
        // the float32 bound is found through the array form: f is x above 0 whatever the alphas
        assertThat(ActivationPass.maxFiniteInput(f, BinaryVectors.ElementType.FLOAT32))
                .isEqualTo(ActivationPass.maxFiniteInput(Activations.of(kind, 1.0), BinaryVectors.ElementType.FLOAT32));
    }
}
