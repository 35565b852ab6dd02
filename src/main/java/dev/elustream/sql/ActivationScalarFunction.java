package dev.elustream.sql;

import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.Alpha;
import dev.elustream.math.ArrayActivation;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.functions.SpecializedFunction;
import org.apache.flink.table.functions.UserDefinedFunction;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.inference.CallContext;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * Base of the SQL functions in this package: maps an {@code ARRAY<DOUBLE>} element by element to the
 * value, the derivative or the alpha-gradient of one activation, with one alpha
 * ({@link ActivationFunction}) or one per element ({@code ARRAY<DOUBLE>}, a per-element
 * {@link ArrayActivation}), with the NULL and alpha rules of the package (see {@code package-info}).
 * Subclasses only declare their {@code eval} signatures.
 *
 * <p>Arrays are taken and returned as Flink's internal {@link ArrayData}, so no element is boxed
 * unless the result holds a NULL element; the only per-call allocation is the result array (and,
 * for a per-element alpha, the activation of an alpha array other than the last one).
 */
public abstract class ActivationScalarFunction extends ScalarFunction implements SpecializedFunction {

    /** The SQL type of the features argument and of every result. */
    static final String VECTOR = "ARRAY<DOUBLE>";

    /** Which derivative of the activation a function returns. */
    enum Output {
        VALUE,
        DERIVATIVE,
        ALPHA_GRADIENT
    }

    private final ActivationKind kind;
    private final Output output;

    // The kernels are not Serializable and functions are shipped serialized: built on first use,
    // then kept while alpha stays the same (bit for bit: alpha -0.0 and 0.0 differ in the sign of 0).
    private transient @Nullable ActivationFunction function;
    private transient long functionAlphaBits;
    // The same for a per-element alpha: kept while the alpha array holds the same doubles, bit for bit.
    private transient @Nullable ArrayActivation perElementFunction;
    private transient @Nullable double[] perElementAlphas;

    ActivationScalarFunction(ActivationKind kind, Output output) {
        this.kind = kind;
        this.output = output;
    }

    /** With the default alpha (1.0; SELU's fixed constant for SELU). NULL array gives NULL. */
    final @Nullable ArrayData apply(@Nullable ArrayData features) {
        return features == null ? null : map(features, kernel(Activations.defaultAlpha(kind)));
    }

    /** With the given alpha: NULL array or alpha, or an invalid alpha, gives NULL. */
    final @Nullable ArrayData apply(@Nullable ArrayData features, @Nullable Double alpha) {
        if (features == null || alpha == null) {
            return null;
        }
        double a = alpha;
        if (!Activations.isValidAlpha(kind, a)) {
            // a literal alpha was checked at planning (specialize); a computed one must not fail the job
            return null;
        }
        return map(features, kernel(a));
    }

    /**
     * With one alpha per element, element i taking alpha[i]: NULL array or alpha array, a NULL or
     * invalid element of alpha, or an alpha array whose length is not the array's gives NULL.
     */
    final @Nullable ArrayData apply(@Nullable ArrayData features, @Nullable ArrayData alpha) {
        if (features == null || alpha == null) {
            return null;
        }
        int n = features.size();
        if (alpha.size() != n || !isValidPerElement(alpha)) {
            // must not fail the job; no alpha array is checked at planning (see specialize)
            return null;
        }
        if (n == 0) {
            return new GenericArrayData(new double[0]); // no alpha to build an activation of
        }
        return map(features, perElementKernel(alpha));
    }

    /** Whether every element of the alpha array is present and valid for the kind, without allocating. */
    private boolean isValidPerElement(ArrayData alpha) {
        for (int i = 0; i < alpha.size(); i++) {
            if (alpha.isNullAt(i) || !Activations.isValidAlpha(kind, alpha.getDouble(i))) {
                return false;
            }
        }
        return true;
    }

    /** The per-element activation of a valid, nonempty alpha array, rebuilt only when it changes. */
    private ArrayActivation perElementKernel(ArrayData alpha) {
        ArrayActivation f = perElementFunction;
        double[] cached = perElementAlphas;
        if (f != null && cached != null && sameDoubles(alpha, cached)) {
            return f;
        }
        double[] alphas = new double[alpha.size()];
        for (int i = 0; i < alphas.length; i++) {
            alphas[i] = alpha.getDouble(i);
        }
        f = Activations.of(kind, Alpha.perElement(alphas));
        perElementFunction = f;
        perElementAlphas = alphas;
        return f;
    }

    private static boolean sameDoubles(ArrayData alpha, double[] cached) {
        if (alpha.size() != cached.length) {
            return false;
        }
        for (int i = 0; i < cached.length; i++) {
            if (Double.doubleToRawLongBits(alpha.getDouble(i)) != Double.doubleToRawLongBits(cached[i])) {
                return false;
            }
        }
        return true;
    }

    private ActivationFunction kernel(double alpha) {
        long bits = Double.doubleToRawLongBits(alpha);
        ActivationFunction f = function;
        if (f == null || bits != functionAlphaBits) {
            f = Activations.of(kind, alpha);
            function = f;
            functionAlphaBits = bits;
        }
        return f;
    }

    private ArrayData map(ArrayData features, ArrayActivation f) {
        int n = features.size();
        double[] out = new double[n];
        boolean anyNull = false;
        for (int i = 0; i < n; i++) {
            if (features.isNullAt(i)) {
                anyNull = true; // out[i] stays 0.0 through the kernel and is replaced by NULL below
            } else {
                out[i] = features.getDouble(i);
            }
        }
        // the array forms, in place: the same kernels, in the same order, as the streaming job
        switch (output) {
            case VALUE -> f.values(out, out, n);
            case DERIVATIVE -> f.derivatives(out, out, n);
            case ALPHA_GRADIENT -> f.alphaGradients(out, out, n);
        }
        if (!anyNull) {
            return new GenericArrayData(out);
        }
        Object[] withNulls = new Object[n];
        for (int i = 0; i < n; i++) {
            withNulls[i] = features.isNullAt(i) ? null : (Object) out[i];
        }
        return new GenericArrayData(withNulls);
    }

    /**
     * Checks a literal alpha when the query is planned, so that {@code ELU(features, -1)} is refused
     * with a message naming the value instead of giving NULL on every row. An alpha array is never a
     * literal here: Flink's planner passes {@code ARRAY[0.5, -1.0]} as a call of the array
     * constructor, not as a value, so an invalid one gives NULL per row like a computed one.
     */
    @Override
    public UserDefinedFunction specialize(SpecializedContext context) {
        CallContext call = context.getCallContext();
        List<DataType> arguments = call.getArgumentDataTypes();
        if (arguments.size() > 1 && !arguments.get(1).getLogicalType().is(LogicalTypeRoot.ARRAY)
                && call.isArgumentLiteral(1) && !call.isArgumentNull(1)) {
            Double alpha = call.getArgumentValue(1, Double.class).orElse(null);
            if (alpha != null && !Activations.isValidAlpha(kind, alpha)) {
                throw call.newValidationError("%s: alpha must be %s, got %s",
                        call.getName(), Activations.alphaRule(kind), alpha);
            }
        }
        return this;
    }
}
