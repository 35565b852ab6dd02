package dev.elustream.sql;

import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.Alpha;
import dev.elustream.math.ArrayActivation;
import dev.elustream.sql.ActivationScalarFunction.Output;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import javax.annotation.Nullable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.binary.BinaryArrayData;
import org.apache.flink.table.expressions.Expression;
import org.apache.flink.table.functions.BuiltInFunctionDefinition;
import org.apache.flink.table.functions.FunctionDefinition;
import org.apache.flink.table.functions.SpecializedFunction.ExpressionEvaluator;
import org.apache.flink.table.functions.SpecializedFunction;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.inference.CallContext;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/** The SQL functions called directly: values bit for bit against the math package, NULL and alpha rules. */
class ActivationScalarFunctionTest {

    /** Every edge the kernels have: both zeros, tiny and huge magnitudes, where exp underflows, NaN. */
    static final double[] XS = {1.5, -2.0, 0.0, -0.0, 1e-300, -1e-300, Double.MIN_VALUE, -Double.MIN_VALUE,
        -1e-17, 3.0, -0.5, -37.5, -40.0, -745.2, -800.0, 700.0, Double.MAX_VALUE, -Double.MAX_VALUE, Double.NaN};

    /** A function under test, what it computes, and its eval methods (alpha: null when it takes none). */
    record Case(ActivationScalarFunction function, ActivationKind kind, Output output,
            UnaryOperator<ArrayData> eval, @Nullable BiFunction<ArrayData, Double, ArrayData> evalWithAlpha) {
        boolean takesAlpha() {
            return evalWithAlpha != null;
        }

        @Override
        public String toString() {
            return function.getClass().getSimpleName();
        }
    }

    static List<Case> cases() {
        EluScalarFunction elu = new EluScalarFunction();
        EluDerivativeScalarFunction eluD = new EluDerivativeScalarFunction();
        EluAlphaGradientScalarFunction eluG = new EluAlphaGradientScalarFunction();
        SeluScalarFunction selu = new SeluScalarFunction();
        SeluDerivativeScalarFunction seluD = new SeluDerivativeScalarFunction();
        CeluScalarFunction celu = new CeluScalarFunction();
        CeluDerivativeScalarFunction celuD = new CeluDerivativeScalarFunction();
        return List.of(
                new Case(elu, ActivationKind.ELU, Output.VALUE, elu::eval, elu::eval),
                new Case(eluD, ActivationKind.ELU, Output.DERIVATIVE, eluD::eval, eluD::eval),
                new Case(eluG, ActivationKind.ELU, Output.ALPHA_GRADIENT, eluG::eval, eluG::eval),
                new Case(selu, ActivationKind.SELU, Output.VALUE, selu::eval, null),
                new Case(seluD, ActivationKind.SELU, Output.DERIVATIVE, seluD::eval, null),
                new Case(celu, ActivationKind.CELU, Output.VALUE, celu::eval, celu::eval),
                new Case(celuD, ActivationKind.CELU, Output.DERIVATIVE, celuD::eval, celuD::eval));
    }

    /** What the math package computes for x, through the kernels' array forms as the function uses them. */
    static double expected(ActivationKind kind, double alpha, Output output, double x) {
        ActivationFunction f = Activations.of(kind, alpha);
        double[] v = {x};
        switch (output) {
            case VALUE -> f.values(v, v, 1);
            case DERIVATIVE -> f.derivatives(v, v, 1);
            case ALPHA_GRADIENT -> f.alphaGradients(v, v, 1);
        }
        return v[0];
    }

    static ArrayData eval(Case c, @Nullable ArrayData features) {
        return c.eval().apply(features);
    }

    static ArrayData eval(Case c, @Nullable ArrayData features, @Nullable Double alpha) {
        return c.evalWithAlpha().apply(features, alpha);
    }

    static void assertBits(ArrayData result, double[] in, Case c, double alpha) {
        assertThat(result.size()).isEqualTo(in.length);
        for (int i = 0; i < in.length; i++) {
            double want = expected(c.kind(), alpha, c.output(), in[i]);
            assertThat(result.isNullAt(i)).as("%s element %d", c, i).isFalse();
            assertThat(Double.doubleToRawLongBits(result.getDouble(i)))
                    .as("%s(x=%s, alpha=%s) = %s, expected %s", c, in[i], alpha, result.getDouble(i), want)
                    .isEqualTo(Double.doubleToRawLongBits(want));
        }
    }

    static Object[] boxed(double[] xs) {
        return Arrays.stream(xs).boxed().toArray();
    }

    @Test
    void matchesTheMathPackageBitForBitWithTheDefaultAlpha() {
        for (Case c : cases()) {
            double alpha = c.kind() == ActivationKind.SELU ? ActivationKind.SELU_ALPHA : 1.0;
            // the three shapes an ARRAY<DOUBLE> arrives in: primitive, boxed, binary
            assertBits(eval(c, new GenericArrayData(XS.clone())), XS, c, alpha);
            assertBits(eval(c, new GenericArrayData(boxed(XS))), XS, c, alpha);
            assertBits(eval(c, BinaryArrayData.fromPrimitiveArray(XS)), XS, c, alpha);
        }
    }

    @Test
    void matchesTheMathPackageBitForBitWithGivenAlphas() {
        for (Case c : cases()) {
            if (!c.takesAlpha()) {
                continue;
            }
            for (double alpha : new double[] {0.5, 2.0, 1.0, 1e-300, 1e300, 3.7}) {
                assertBits(eval(c, new GenericArrayData(XS.clone()), alpha), XS, c, alpha);
            }
        }
    }

    @Test
    void eluAcceptsAlphaZeroOfEitherSignAndKeepsTheSignOfZero() {
        Case elu = cases().get(0);
        double[] in = {-2.0, -0.0, 0.0};
        ArrayData plus = eval(elu, new GenericArrayData(in.clone()), 0.0);
        ArrayData minus = eval(elu, new GenericArrayData(in.clone()), -0.0);
        assertBits(plus, in, elu, 0.0);
        assertBits(minus, in, elu, -0.0);
        // -0.0 * expm1(-2) is +0.0, 0.0 * expm1(-2) is -0.0: the cached kernel must not mix them up
        assertThat(Double.doubleToRawLongBits(plus.getDouble(0))).isNotEqualTo(Double.doubleToRawLongBits(minus.getDouble(0)));
    }

    @Test
    void agreesWithTheTextbookFormulasWithin2Ulp() {
        double s = ActivationKind.SELU_SCALE;
        double a = ActivationKind.SELU_ALPHA;
        double[] in = {1.5, -2.0, -0.5, -37.5, 0.0};
        ArrayData selu = new SeluScalarFunction().eval(new GenericArrayData(in.clone()));
        ArrayData seluD = new SeluDerivativeScalarFunction().eval(new GenericArrayData(in.clone()));
        ArrayData celu = new CeluScalarFunction().eval(new GenericArrayData(in.clone()), 2.0);
        ArrayData celuD = new CeluDerivativeScalarFunction().eval(new GenericArrayData(in.clone()), 2.0);
        ArrayData grad = new EluAlphaGradientScalarFunction().eval(new GenericArrayData(in.clone()), 0.5);
        for (int i = 0; i < in.length; i++) {
            double x = in[i];
            assertWithin2Ulp(selu.getDouble(i), x > 0 ? s * x : s * a * Math.expm1(x), "selu " + x);
            assertWithin2Ulp(seluD.getDouble(i), x > 0 ? s : s * a * Math.exp(x), "selu' " + x);
            assertWithin2Ulp(celu.getDouble(i), x > 0 ? x : 2.0 * Math.expm1(x / 2.0), "celu " + x);
            assertWithin2Ulp(celuD.getDouble(i), x > 0 ? 1.0 : Math.exp(x / 2.0), "celu' " + x);
            assertWithin2Ulp(grad.getDouble(i), x > 0 ? 0.0 : Math.expm1(x), "elu d/dalpha " + x);
        }
    }

    @Test
    void nullArrayGivesNull() {
        for (Case c : cases()) {
            assertThat(eval(c, null)).as("%s", c).isNull();
            if (c.takesAlpha()) {
                assertThat(eval(c, null, 0.5)).as("%s", c).isNull();
                assertThat(eval(c, null, null)).as("%s", c).isNull();
            }
        }
    }

    @Test
    void nullElementGivesNullElementInItsPlace() {
        Object[] in = {1.5, null, -2.0, null};
        BinaryArrayData binary = BinaryArrayData.fromPrimitiveArray(new double[] {1.5, 0.0, -2.0, 0.0});
        binary.setNullDouble(1);
        binary.setNullDouble(3);
        for (Case c : cases()) {
            double alpha = c.kind() == ActivationKind.SELU ? ActivationKind.SELU_ALPHA : 1.0;
            for (ArrayData features : List.of(new GenericArrayData(in), binary)) {
                ArrayData out = eval(c, features);
                assertThat(out.size()).isEqualTo(4);
                assertThat(out.isNullAt(1)).as("%s", c).isTrue();
                assertThat(out.isNullAt(3)).as("%s", c).isTrue();
                assertThat(out.isNullAt(0)).isFalse();
                assertThat(out.getDouble(0)).isEqualTo(expected(c.kind(), alpha, c.output(), 1.5));
                assertThat(out.getDouble(2)).isEqualTo(expected(c.kind(), alpha, c.output(), -2.0));
            }
        }
    }

    @Test
    void allNullElementsAndEmptyArraysKeepTheirShape() {
        for (Case c : cases()) {
            ArrayData allNull = eval(c, new GenericArrayData(new Object[] {null, null}));
            assertThat(allNull.size()).isEqualTo(2);
            assertThat(allNull.isNullAt(0) && allNull.isNullAt(1)).isTrue();
            assertThat(eval(c, new GenericArrayData(new double[0])).size()).isZero();
        }
    }

    @Test
    void resultWithoutNullElementsIsAPrimitiveArraySoNothingIsBoxed() {
        for (Case c : cases()) {
            ArrayData out = eval(c, new GenericArrayData(boxed(XS)));
            assertThat(out).isInstanceOf(GenericArrayData.class);
            assertThat(((GenericArrayData) out).isPrimitiveArray()).as("%s", c).isTrue();
        }
    }

    @Test
    void doesNotChangeItsInput() {
        double[] in = XS.clone();
        for (Case c : cases()) {
            eval(c, new GenericArrayData(in));
        }
        assertThat(in).containsExactly(XS);
    }

    @Test
    void nullAlphaGivesNull() {
        for (Case c : cases()) {
            if (c.takesAlpha()) {
                assertThat(eval(c, new GenericArrayData(new double[] {1.0, -1.0}), null)).as("%s", c).isNull();
            }
        }
    }

    @Test
    void alphaOutOfRangeComputedPerRowGivesNullForThatRowOnly() {
        ArrayData features = new GenericArrayData(new double[] {1.0, -1.0});
        for (Case c : cases()) {
            if (!c.takesAlpha()) {
                continue;
            }
            for (double bad : new double[] {-1.0, -1e-300, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, -Double.MAX_VALUE}) {
                assertThat(eval(c, features, bad)).as("%s alpha %s", c, bad).isNull();
            }
            // the next row with a good alpha is computed as usual
            assertBits(eval(c, features, 0.25), new double[] {1.0, -1.0}, c, 0.25);
        }
    }

    @Test
    void celuRefusesAlphaZeroWhichElUAccepts() {
        ArrayData features = new GenericArrayData(new double[] {-1.0});
        assertThat(new CeluScalarFunction().eval(features, 0.0)).isNull();
        assertThat(new CeluScalarFunction().eval(features, -0.0)).isNull();
        assertThat(new CeluDerivativeScalarFunction().eval(features, 0.0)).isNull();
        assertThat(new EluScalarFunction().eval(features, 0.0)).isNotNull();
        assertThat(new EluDerivativeScalarFunction().eval(features, 0.0)).isNotNull();
        assertThat(new EluAlphaGradientScalarFunction().eval(features, 0.0)).isNotNull();
    }

    @Test
    void worksAfterBeingShippedSerialized() throws Exception {
        for (Case c : cases()) {
            eval(c, new GenericArrayData(XS.clone())); // the kernel cache is filled; it must not travel
            ActivationScalarFunction copy = InstantiationUtil.clone(c.function());
            ArrayData out = (ArrayData) copy.getClass().getMethod("eval", ArrayData.class)
                    .invoke(copy, new GenericArrayData(XS.clone()));
            double alpha = c.kind() == ActivationKind.SELU ? ActivationKind.SELU_ALPHA : 1.0;
            assertBits(out, XS, c, alpha);
        }
    }

    @Test
    void classesAreWhatCreateFunctionNeeds() throws Exception {
        for (Case c : cases()) {
            Class<?> k = c.function().getClass();
            assertThat(Modifier.isPublic(k.getModifiers()) && !Modifier.isAbstract(k.getModifiers())).isTrue();
            assertThat(k.getConstructor().newInstance()).isNotNull();
            assertThat(k.getMethod("eval", ArrayData.class).getReturnType()).isEqualTo(ArrayData.class);
            List<Method> withAlpha = Arrays.stream(k.getMethods())
                    .filter(m -> m.getName().equals("eval") && m.getParameterCount() == 2).toList();
            // eval(features, alpha DOUBLE) and eval(features, alpha ARRAY<DOUBLE>)
            assertThat(withAlpha).as("%s eval(features, alpha)", c).hasSize(c.takesAlpha() ? 2 : 0);
            assertThat(withAlpha).extracting(m -> m.getParameterTypes()[1])
                    .containsExactlyInAnyOrder(
                            c.takesAlpha() ? new Class<?>[] {Double.class, ArrayData.class} : new Class<?>[0]);
            assertThat(c.function().isDeterministic()).isTrue();
        }
    }

    @Test
    void literalAlphaOutOfRangeIsRefusedWhenPlannedNamingTheValue() {
        assertThatThrownBy(() -> new EluScalarFunction().specialize(literalAlpha("elu", -1.0)))
                .isInstanceOf(ValidationException.class)
                .hasMessage("elu: alpha must be finite and >= 0, got -1.0");
        assertThatThrownBy(() -> new EluDerivativeScalarFunction().specialize(literalAlpha("elu_derivative", Double.NaN)))
                .hasMessage("elu_derivative: alpha must be finite and >= 0, got NaN");
        assertThatThrownBy(() -> new EluAlphaGradientScalarFunction()
                .specialize(literalAlpha("elu_alpha_gradient", Double.POSITIVE_INFINITY)))
                .hasMessage("elu_alpha_gradient: alpha must be finite and >= 0, got Infinity");
        assertThatThrownBy(() -> new CeluScalarFunction().specialize(literalAlpha("celu", 0.0)))
                .hasMessage("celu: alpha must be finite and > 0, got 0.0");
        assertThatThrownBy(() -> new CeluDerivativeScalarFunction().specialize(literalAlpha("celu_derivative", -2.0)))
                .hasMessage("celu_derivative: alpha must be finite and > 0, got -2.0");
    }

    @Test
    void goodLiteralAlphaNullLiteralOrComputedAlphaPassPlanning() {
        EluScalarFunction elu = new EluScalarFunction();
        assertThat(elu.specialize(literalAlpha("elu", 0.5))).isSameAs(elu);
        assertThat(elu.specialize(literalAlpha("elu", 0.0))).isSameAs(elu);
        assertThat(elu.specialize(new FakeContext("elu", 2, false, null))).isSameAs(elu);
        assertThat(elu.specialize(new FakeContext("elu", 2, true, null))).isSameAs(elu);
        assertThat(elu.specialize(new FakeContext("elu", 1, false, null))).isSameAs(elu);
        CeluScalarFunction celu = new CeluScalarFunction();
        assertThat(celu.specialize(literalAlpha("celu", 1e-300))).isSameAs(celu);
    }

    // Per-element alpha: ARRAY<DOUBLE>, element i taking alpha[i]

    /** The cases that take an alpha, with their eval(features, alpha ARRAY<DOUBLE>). */
    static List<Case> alphaCases() {
        return cases().stream().filter(Case::takesAlpha).toList();
    }

    static @Nullable ArrayData evalPerElement(Case c, @Nullable ArrayData features, @Nullable ArrayData alpha) {
        return ((AlphaActivationScalarFunction) c.function()).eval(features, alpha);
    }

    /** XS.length alphas the kind takes, from tiny to huge, alpha 0 among them for ELU. */
    static double[] perElementAlphas(ActivationKind kind) {
        double[] pool = {0.5, 2.0, 1.0, 1e-300, 1e300, 3.7, 0.1, 37.0, kind == ActivationKind.ELU ? 0.0 : 0.25,
            ActivationKind.SELU_ALPHA, 2.5};
        double[] alphas = new double[XS.length];
        for (int i = 0; i < alphas.length; i++) {
            alphas[i] = pool[i % pool.length];
        }
        return alphas;
    }

    /** The three shapes an ARRAY<DOUBLE> arrives in: primitive, boxed, binary. */
    static List<ArrayData> shapes(double[] values) {
        return List.of(new GenericArrayData(values.clone()), new GenericArrayData(boxed(values)),
                BinaryArrayData.fromPrimitiveArray(values));
    }

    @Test
    void perElementAlphaGivesEachElementTheScalarFunctionsResultWithItsAlpha() {
        for (Case c : alphaCases()) {
            double[] alphas = perElementAlphas(c.kind());
            for (ArrayData alpha : shapes(alphas)) {
                for (ArrayData features : shapes(XS)) {
                    ArrayData out = evalPerElement(c, features, alpha);
                    assertThat(out.size()).isEqualTo(XS.length);
                    for (int i = 0; i < XS.length; i++) {
                        // number by number against the scalar-alpha function with this element's alpha
                        ArrayData scalar = eval(c, new GenericArrayData(XS.clone()), alphas[i]);
                        String at = c + "(x=" + XS[i] + ", alpha=" + alphas[i] + ") at " + i;
                        assertThat(out.isNullAt(i)).as(at).isFalse();
                        assertWithin2Ulp(out.getDouble(i), scalar.getDouble(i), at);
                    }
                    // and bit for bit what the math package's per-element activation gives, as it is used
                    double[] want = XS.clone();
                    ArrayActivation f = Activations.of(c.kind(), Alpha.perElement(alphas));
                    switch (c.output()) {
                        case VALUE -> f.values(want, want, want.length);
                        case DERIVATIVE -> f.derivatives(want, want, want.length);
                        case ALPHA_GRADIENT -> f.alphaGradients(want, want, want.length);
                    }
                    for (int i = 0; i < XS.length; i++) {
                        assertThat(Double.doubleToRawLongBits(out.getDouble(i))).as("%s at %d", c, i)
                                .isEqualTo(Double.doubleToRawLongBits(want[i]));
                    }
                    assertThat(((GenericArrayData) out).isPrimitiveArray()).as("%s result unboxed", c).isTrue();
                }
            }
        }
    }

    @Test
    void perElementAlphaWorksOnTheTextbookFormulas() {
        double[] in = {-1.0, -1.0, -1.0, 2.0};
        ArrayData alphas = new GenericArrayData(new double[] {0.5, 2.0, 1.0, 3.0});
        ArrayData elu = new EluScalarFunction().eval(new GenericArrayData(in.clone()), alphas);
        ArrayData eluD = new EluDerivativeScalarFunction().eval(new GenericArrayData(in.clone()), alphas);
        ArrayData celu = new CeluScalarFunction().eval(new GenericArrayData(in.clone()), alphas);
        ArrayData celuD = new CeluDerivativeScalarFunction().eval(new GenericArrayData(in.clone()), alphas);
        ArrayData grad = new EluAlphaGradientScalarFunction().eval(new GenericArrayData(in.clone()), alphas);
        double[] a = {0.5, 2.0, 1.0, 3.0};
        for (int i = 0; i < 3; i++) {
            assertWithin2Ulp(elu.getDouble(i), a[i] * Math.expm1(-1.0), "elu at " + i);
            assertWithin2Ulp(eluD.getDouble(i), a[i] * Math.exp(-1.0), "elu' at " + i);
            assertWithin2Ulp(celu.getDouble(i), a[i] * Math.expm1(-1.0 / a[i]), "celu at " + i);
            assertWithin2Ulp(celuD.getDouble(i), Math.exp(-1.0 / a[i]), "celu' at " + i);
            assertWithin2Ulp(grad.getDouble(i), Math.expm1(-1.0), "elu d/dalpha at " + i);
        }
        for (ArrayData out : List.of(elu, celu)) {
            assertThat(out.getDouble(3)).isEqualTo(2.0);
        }
        assertThat(eluD.getDouble(3)).isEqualTo(1.0);
        assertThat(grad.getDouble(3)).isEqualTo(0.0);
    }

    @Test
    void nullOrMismatchedPerElementAlphaGivesNull() {
        ArrayData features = new GenericArrayData(new double[] {1.0, -1.0, -2.0});
        for (Case c : alphaCases()) {
            assertThat(evalPerElement(c, features, null)).as("%s NULL alpha array", c).isNull();
            assertThat(evalPerElement(c, null, new GenericArrayData(new double[] {1.0, 1.0, 1.0})))
                    .as("%s NULL features", c).isNull();
            assertThat(evalPerElement(c, features, new GenericArrayData(new Object[] {1.0, null, 1.0})))
                    .as("%s NULL element", c).isNull();
            BinaryArrayData binaryWithNull = BinaryArrayData.fromPrimitiveArray(new double[] {1.0, 1.0, 1.0});
            binaryWithNull.setNullDouble(2);
            assertThat(evalPerElement(c, features, binaryWithNull)).as("%s NULL binary element", c).isNull();
            assertThat(evalPerElement(c, features, new GenericArrayData(new double[] {1.0, 1.0})))
                    .as("%s shorter", c).isNull();
            assertThat(evalPerElement(c, features, new GenericArrayData(new double[] {1.0, 1.0, 1.0, 1.0})))
                    .as("%s longer", c).isNull();
            assertThat(evalPerElement(c, features, new GenericArrayData(new double[0]))).as("%s empty", c).isNull();
            assertThat(evalPerElement(c, new GenericArrayData(new double[0]), new GenericArrayData(new double[] {1.0})))
                    .as("%s empty features", c).isNull();
            // empty with empty: an empty result, as for a scalar alpha
            ArrayData empty = new GenericArrayData(new double[0]);
            assertThat(evalPerElement(c, empty, empty).size()).as("%s empty with empty", c).isZero();
        }
    }

    @Test
    void perElementAlphaOutOfRangeGivesNullForThatRowOnly() {
        ArrayData features = new GenericArrayData(new double[] {1.0, -1.0, -2.0});
        for (Case c : alphaCases()) {
            for (double bad : new double[] {-1.0, -1e-300, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, -Double.MAX_VALUE}) {
                for (int at = 0; at < 3; at++) {
                    double[] alphas = {0.5, 2.0, 1.0};
                    alphas[at] = bad;
                    assertThat(evalPerElement(c, features, new GenericArrayData(alphas)))
                            .as("%s alpha[%d] = %s", c, at, bad).isNull();
                }
            }
            // the next row with good alphas is computed as usual
            ArrayData out = evalPerElement(c, features, new GenericArrayData(new double[] {0.25, 0.5, 4.0}));
            double[] alphas = {0.25, 0.5, 4.0};
            for (int i = 0; i < 3; i++) {
                double x = features.getDouble(i);
                ArrayData scalar = eval(c, new GenericArrayData(new double[] {x}), alphas[i]);
                assertThat(out.getDouble(i)).isEqualTo(scalar.getDouble(0));
            }
        }
        // CELU divides by alpha: 0 and -0.0 give NULL, where ELU takes them
        ArrayData zeros = new GenericArrayData(new double[] {1.0, 0.0, -0.0});
        assertThat(new CeluScalarFunction().eval(features, zeros)).isNull();
        assertThat(new CeluDerivativeScalarFunction().eval(features, zeros)).isNull();
        assertThat(new EluScalarFunction().eval(features, zeros)).isNotNull();
        assertThat(new EluDerivativeScalarFunction().eval(features, zeros)).isNotNull();
        assertThat(new EluAlphaGradientScalarFunction().eval(features, zeros)).isNotNull();
    }

    @Test
    void nullFeatureElementGivesNullInItsPlaceWithPerElementAlpha() {
        Object[] in = {1.5, null, -2.0, null};
        ArrayData alphas = new GenericArrayData(new double[] {0.5, 2.0, 3.0, 4.0});
        for (Case c : alphaCases()) {
            ArrayData out = evalPerElement(c, new GenericArrayData(in), alphas);
            assertThat(out.size()).isEqualTo(4);
            assertThat(out.isNullAt(1) && out.isNullAt(3)).as("%s", c).isTrue();
            assertThat(out.getDouble(0)).isEqualTo(expected(c.kind(), 0.5, c.output(), 1.5));
            assertThat(out.getDouble(2)).isEqualTo(expected(c.kind(), 3.0, c.output(), -2.0));
        }
    }

    @Test
    void cachedPerElementActivationFollowsTheAlphaArrayBitForBit() {
        EluScalarFunction elu = new EluScalarFunction();
        double[] in = {-2.0, -2.0};
        ArrayData plus = elu.eval(new GenericArrayData(in.clone()), new GenericArrayData(new double[] {0.0, 1.0}));
        ArrayData minus = elu.eval(new GenericArrayData(in.clone()), new GenericArrayData(new double[] {-0.0, 1.0}));
        ArrayData plusAgain = elu.eval(new GenericArrayData(in.clone()),
                BinaryArrayData.fromPrimitiveArray(new double[] {0.0, 1.0}));
        // 0.0 * expm1(-2) is -0.0, -0.0 * expm1(-2) is +0.0: the cached kernel must not mix them up
        assertThat(Double.doubleToRawLongBits(plus.getDouble(0))).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(Double.doubleToRawLongBits(minus.getDouble(0))).isZero();
        assertThat(Double.doubleToRawLongBits(plusAgain.getDouble(0))).isEqualTo(Double.doubleToRawLongBits(-0.0));
        // a changed alpha array, even in one element, is a new activation; a scalar alpha between them too
        ArrayData changed = elu.eval(new GenericArrayData(in.clone()), new GenericArrayData(new double[] {0.0, 3.0}));
        assertThat(changed.getDouble(1)).isEqualTo(3.0 * Math.expm1(-2.0));
        assertThat(elu.eval(new GenericArrayData(in.clone()), 2.0).getDouble(1)).isEqualTo(2.0 * Math.expm1(-2.0));
        ArrayData back = elu.eval(new GenericArrayData(in.clone()), new GenericArrayData(new double[] {0.0, 3.0}));
        assertThat(back.getDouble(1)).isEqualTo(3.0 * Math.expm1(-2.0));
    }

    @Test
    void perElementAlphaWorksAfterBeingShippedSerialized() throws Exception {
        double[] alphas = perElementAlphas(ActivationKind.CELU);
        for (Case c : alphaCases()) {
            ArrayData before = evalPerElement(c, new GenericArrayData(XS.clone()), new GenericArrayData(alphas));
            ActivationScalarFunction copy = InstantiationUtil.clone(c.function());
            ArrayData after = ((AlphaActivationScalarFunction) copy).eval(new GenericArrayData(XS.clone()),
                    new GenericArrayData(alphas));
            assertThat(after.toDoubleArray()).as("%s", c).isEqualTo(before.toDoubleArray());
        }
    }

    @Test
    void arrayAlphaPassesPlanningItIsNeverALiteral() {
        EluScalarFunction elu = new EluScalarFunction();
        DataType array = DataTypes.ARRAY(DataTypes.DOUBLE());
        assertThat(elu.specialize(new FakeContext("elu", 2, false, null, array))).isSameAs(elu);
        // CAST(NULL AS ARRAY<DOUBLE>) is a literal NULL: NULL per row, as a NULL scalar literal
        assertThat(elu.specialize(new FakeContext("elu", 2, true, null, array))).isSameAs(elu);
    }

    static FakeContext literalAlpha(String name, double alpha) {
        return new FakeContext(name, 2, true, alpha);
    }

    /** The planner's view of one call: its name, argument count and whether alpha is a literal (null: NULL). */
    static final class FakeContext implements SpecializedFunction.SpecializedContext, CallContext {
        private final String name;
        private final int arguments;
        private final boolean alphaLiteral;
        private final @Nullable Double alpha;
        private final DataType alphaType;

        FakeContext(String name, int arguments, boolean alphaLiteral, @Nullable Double alpha) {
            this(name, arguments, alphaLiteral, alpha, DataTypes.DOUBLE());
        }

        FakeContext(String name, int arguments, boolean alphaLiteral, @Nullable Double alpha, DataType alphaType) {
            this.name = name;
            this.arguments = arguments;
            this.alphaLiteral = alphaLiteral;
            this.alpha = alpha;
            this.alphaType = alphaType;
        }

        @Override
        public CallContext getCallContext() {
            return this;
        }

        @Override
        public ReadableConfig getConfiguration() {
            return new Configuration();
        }

        @Override
        public ClassLoader getBuiltInClassLoader() {
            return getClass().getClassLoader();
        }

        @Override
        public ExpressionEvaluator createEvaluator(Expression expression, DataType outputDataType,
                DataTypes.Field... args) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ExpressionEvaluator createEvaluator(String sqlExpression, DataType outputDataType,
                DataTypes.Field... args) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ExpressionEvaluator createEvaluator(BuiltInFunctionDefinition function, DataType outputDataType,
                DataType... args) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DataTypeFactory getDataTypeFactory() {
            throw new UnsupportedOperationException();
        }

        @Override
        public FunctionDefinition getFunctionDefinition() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isArgumentLiteral(int pos) {
            return pos == 1 && alphaLiteral;
        }

        @Override
        public boolean isArgumentNull(int pos) {
            return pos == 1 && alphaLiteral && alpha == null;
        }

        @Override
        public <T> Optional<T> getArgumentValue(int pos, Class<T> clazz) {
            return pos == 1 && alphaLiteral && alpha != null ? Optional.of(clazz.cast(alpha)) : Optional.empty();
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public List<DataType> getArgumentDataTypes() {
            return arguments == 1 ? List.of(DataTypes.ARRAY(DataTypes.DOUBLE()))
                    : List.of(DataTypes.ARRAY(DataTypes.DOUBLE()), alphaType);
        }

        @Override
        public Optional<DataType> getOutputDataType() {
            return Optional.of(DataTypes.ARRAY(DataTypes.DOUBLE()));
        }

        @Override
        public boolean isGroupedAggregation() {
            return false;
        }
    }
}
