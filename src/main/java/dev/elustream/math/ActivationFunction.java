package dev.elustream.math;

/**
 * An activation of the ELU family with its parameter fixed: value, derivative with respect to x,
 * and derivative with respect to alpha, in scalar and array forms. Implementations are immutable,
 * thread-safe and free of Flink and Kafka.
 */
public interface ActivationFunction {

    /** Which member of the family this is. */
    ActivationKind kind();

    /** Its alpha (SELU's fixed constant for SELU). */
    double alpha();

    /** f(x). */
    double value(double x);

    /** f'(x) = df/dx. */
    double derivative(double x);

    /** df/dalpha at x. */
    double alphaGradient(double x);

    /**
     * The largest x for which {@link #value} is finite: {@code Double.MAX_VALUE} unless the
     * activation grows faster than x (SELU). The derivatives are finite for every finite x.
     */
    default double maxFiniteInput() {
        return Double.MAX_VALUE;
    }

    /**
     * Whether f(x) is x itself for every x > 0 and not positive for any other x, so that a positive
     * f(x) is its input unchanged (ELU, CELU), which a codec may write as the input's own text.
     */
    default boolean identityAbove0() {
        return false;
    }

    /** Writes f(in[i]) to out[i] for i in [0, length); out may be in. */
    void values(double[] in, double[] out, int length);

    /** Writes f'(in[i]) to out[i] for i in [0, length); out may be in. */
    void derivatives(double[] in, double[] out, int length);

    /** Writes df/dalpha at in[i] to out[i] for i in [0, length); out may be in. */
    void alphaGradients(double[] in, double[] out, int length);

    /**
     * One pass writing f(in[i]) to values[i] and f'(in[i]) to derivatives[i]; values may be in,
     * derivatives may not.
     */
    void valuesAndDerivatives(double[] in, double[] values, double[] derivatives, int length);
}
