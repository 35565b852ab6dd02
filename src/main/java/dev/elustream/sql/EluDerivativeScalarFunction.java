package dev.elustream.sql;

import dev.elustream.math.ActivationKind;

/**
 * SQL {@code ELU_DERIVATIVE(features ARRAY<DOUBLE> [, alpha DOUBLE | ARRAY<DOUBLE>]) ->
 * ARRAY<DOUBLE>}: f'(x) = 1 for x &gt; 0, alpha*exp(x) for x &lt;= 0, element by element; alpha
 * defaults to 1.0 and must be finite and &gt;= 0.
 *
 * <p>A NULL array gives NULL and a NULL element a NULL element in its place; a NULL alpha, or an
 * alpha out of range computed per row, gives NULL; an alpha literal out of range refuses the query
 * when it is planned, naming the value. An {@code ARRAY<DOUBLE>} alpha gives element i the alpha
 * alpha[i]; a NULL array, a NULL or invalid element, or a length other than the features' gives
 * NULL. Register with {@code CREATE FUNCTION elu_derivative AS
 * 'dev.elustream.sql.EluDerivativeScalarFunction'}.
 */
public final class EluDerivativeScalarFunction extends AlphaActivationScalarFunction {

    public EluDerivativeScalarFunction() {
        super(ActivationKind.ELU, Output.DERIVATIVE);
    }
}
