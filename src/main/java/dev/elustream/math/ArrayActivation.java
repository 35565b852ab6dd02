package dev.elustream.math;

/**
 * The array side of an activation of the ELU family with its alpha fixed, which is all a codec
 * needs: f, f' and df/dalpha over the first {@code length} elements of an array. Implementations
 * are immutable, thread-safe and free of Flink and Kafka; the alpha may be one number
 * ({@link ActivationFunction}) or one per element ({@link PerElementActivation}).
 */
public interface ArrayActivation {

    /** Which member of the family this is. */
    ActivationKind kind();

    /** The alpha it was built with (SELU's fixed constant for SELU). */
    Alpha alphaParameter();

    /**
     * The largest x for which f(x) is finite: {@code Double.MAX_VALUE} unless the activation grows
     * faster than x (SELU). The derivatives are finite for every finite x.
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
