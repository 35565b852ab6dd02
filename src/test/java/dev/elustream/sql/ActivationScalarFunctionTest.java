package dev.elustream.sql;

import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
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
            assertThat(withAlpha).as("%s eval(features, alpha)", c).hasSize(c.takesAlpha() ? 1 : 0);
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

    static FakeContext literalAlpha(String name, double alpha) {
        return new FakeContext(name, 2, true, alpha);
    }

    /** The planner's view of one call: its name, argument count and whether alpha is a literal (null: NULL). */
    static final class FakeContext implements SpecializedFunction.SpecializedContext, CallContext {
        private final String name;
        private final int arguments;
        private final boolean alphaLiteral;
        private final @Nullable Double alpha;

        FakeContext(String name, int arguments, boolean alphaLiteral, @Nullable Double alpha) {
            this.name = name;
            this.arguments = arguments;
            this.alphaLiteral = alphaLiteral;
            this.alpha = alpha;
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
                    : List.of(DataTypes.ARRAY(DataTypes.DOUBLE()), DataTypes.DOUBLE());
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
