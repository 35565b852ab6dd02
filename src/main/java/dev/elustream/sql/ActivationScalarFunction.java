package dev.elustream.sql;

import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import javax.annotation.Nullable;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.functions.SpecializedFunction;
import org.apache.flink.table.functions.UserDefinedFunction;
import org.apache.flink.table.types.inference.CallContext;

/**
 * Base of the SQL functions in this package: maps an {@code ARRAY<DOUBLE>} element by element to the
 * value, the derivative or the alpha-gradient of one {@link ActivationFunction}, with the NULL and
 * alpha rules of the package (see {@code package-info}). Subclasses only declare their {@code eval}
 * signatures.
 *
 * <p>Arrays are taken and returned as Flink's internal {@link ArrayData}, so no element is boxed
 * unless the result holds a NULL element; the only per-call allocation is the result array.
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

    private ArrayData map(ArrayData features, ActivationFunction f) {
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
     * with a message naming the value instead of giving NULL on every row.
     */
    @Override
    public UserDefinedFunction specialize(SpecializedContext context) {
        CallContext call = context.getCallContext();
        if (call.getArgumentDataTypes().size() > 1 && call.isArgumentLiteral(1) && !call.isArgumentNull(1)) {
            Double alpha = call.getArgumentValue(1, Double.class).orElse(null);
            if (alpha != null && !Activations.isValidAlpha(kind, alpha)) {
                throw call.newValidationError("%s: alpha must be %s, got %s",
                        call.getName(), Activations.alphaRule(kind), alpha);
            }
        }
        return this;
    }
}
