package dev.elustream.sql;

import dev.elustream.math.ActivationKind;
import javax.annotation.Nullable;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.ArrayData;

/**
 * Base of the SQL functions that take an optional alpha: {@code NAME(features ARRAY<DOUBLE> [, alpha
 * DOUBLE | ARRAY<DOUBLE>]) -> ARRAY<DOUBLE>}, with the default alpha when it is left out, and element
 * i taking alpha[i] when alpha is an array.
 */
public abstract class AlphaActivationScalarFunction extends ActivationScalarFunction {

    AlphaActivationScalarFunction(ActivationKind kind, Output output) {
        super(kind, output);
    }

    /** NAME(features), with the default alpha. */
    @DataTypeHint(value = VECTOR, bridgedTo = ArrayData.class)
    public @Nullable ArrayData eval(@DataTypeHint(value = VECTOR, bridgedTo = ArrayData.class) @Nullable ArrayData features) {
        return apply(features);
    }

    /** NAME(features, alpha). */
    @DataTypeHint(value = VECTOR, bridgedTo = ArrayData.class)
    public @Nullable ArrayData eval(
            @DataTypeHint(value = VECTOR, bridgedTo = ArrayData.class) @Nullable ArrayData features,
            @Nullable Double alpha) {
        return apply(features, alpha);
    }

    /** NAME(features, alpha ARRAY&lt;DOUBLE&gt;): element i with alpha[i]. */
    @DataTypeHint(value = VECTOR, bridgedTo = ArrayData.class)
    public @Nullable ArrayData eval(
            @DataTypeHint(value = VECTOR, bridgedTo = ArrayData.class) @Nullable ArrayData features,
            @DataTypeHint(value = VECTOR, bridgedTo = ArrayData.class) @Nullable ArrayData alpha) {
        return apply(features, alpha);
    }
}
