package dev.elustream.sql;

import dev.elustream.math.ActivationKind;

/**
 * SQL {@code ELU_ALPHA_GRADIENT(features ARRAY<DOUBLE> [, alpha DOUBLE | ARRAY<DOUBLE>]) ->
 * ARRAY<DOUBLE>}: df/dalpha = expm1(x) for x &lt;= 0, 0 for x &gt; 0, element by element; it does
 * not depend on alpha, which must still be finite and &gt;= 0 (default 1.0).
 *
 * <p>A NULL array gives NULL and a NULL element a NULL element in its place; a NULL alpha, or an
 * alpha out of range computed per row, gives NULL; an alpha literal out of range refuses the query
 * when it is planned, naming the value. An {@code ARRAY<DOUBLE>} alpha gives element i the alpha
 * alpha[i]; a NULL array, a NULL or invalid element, or a length other than the features' gives
 * NULL. Register with {@code CREATE FUNCTION elu_alpha_gradient AS
 * 'dev.elustream.sql.EluAlphaGradientScalarFunction'}.
 */
public final class EluAlphaGradientScalarFunction extends AlphaActivationScalarFunction {

    public EluAlphaGradientScalarFunction() {
        super(ActivationKind.ELU, Output.ALPHA_GRADIENT);
    }
}
