package dev.elustream.sql;

import dev.elustream.math.ActivationKind;
import javax.annotation.Nullable;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.ArrayData;

/**
 * SQL {@code SELU(features ARRAY<DOUBLE>) -> ARRAY<DOUBLE>}: f(x) = scale*x for x &gt; 0,
 * scale*(alpha*expm1(x)) for x &lt;= 0, element by element, with SELU's fixed {@link
 * ActivationKind#SELU_ALPHA alpha} and {@link ActivationKind#SELU_SCALE scale}.
 *
 * <p>A NULL array gives NULL and a NULL element a NULL element in its place. Register with {@code
 * CREATE FUNCTION selu AS 'dev.elustream.sql.SeluScalarFunction'}.
 */
public final class SeluScalarFunction extends ActivationScalarFunction {

    public SeluScalarFunction() {
        super(ActivationKind.SELU, Output.VALUE);
    }

    /** SELU(features). */
    @DataTypeHint(value = VECTOR, bridgedTo = ArrayData.class)
    public @Nullable ArrayData eval(@DataTypeHint(value = VECTOR, bridgedTo = ArrayData.class) @Nullable ArrayData features) {
        return apply(features);
    }
}
