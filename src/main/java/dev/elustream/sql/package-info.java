/**
 * Flink SQL and Table API scalar functions of the ELU family over {@code ARRAY<DOUBLE>}: ELU, SELU and
 * CELU, their derivatives and ELU's alpha-gradient, each a thin {@code ScalarFunction} around the
 * kernels of {@code dev.elustream.math}. Register one with {@code CREATE FUNCTION elu AS
 * 'dev.elustream.sql.EluScalarFunction'} (the job jar on the classpath, or {@code USING JAR}).
 *
 * <p>NULL rules, for every function: a NULL array gives NULL, a NULL element gives a NULL element in
 * its place, a NULL alpha gives NULL. alpha defaults to 1.0; ELU's must be finite and &gt;= 0,
 * CELU's finite and &gt; 0 (SELU takes none). An alpha out of range that the planner sees as a
 * literal refuses the statement when it is planned, with a {@code ValidationException} naming the
 * function and the value; one computed per row (a column, an expression) gives NULL for that row,
 * so that no record can fail the job.
 *
 * <p>Per-element alpha: the functions that take an alpha (ELU, ELU_DERIVATIVE, ELU_ALPHA_GRADIENT,
 * CELU, CELU_DERIVATIVE) also take an {@code ARRAY<DOUBLE>} alpha, element i of the features taking
 * alpha[i], e.g. {@code ELU(features, ARRAY[0.9, 0.8, 1.0])} or {@code ELU(features, alphas)}. A
 * NULL alpha array, a NULL element in it, an element out of the kind's range, or a length other
 * than the features' gives NULL for that row (an empty features array with an empty alpha array
 * gives an empty array). Flink's planner passes an {@code ARRAY[...]} constructor to the function
 * as a call, never as a literal, so an alpha array out of range is not refused at planning: it gives
 * NULL on every row.
 */
package dev.elustream.sql;
