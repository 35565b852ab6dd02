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
 */
package dev.elustream.sql;
