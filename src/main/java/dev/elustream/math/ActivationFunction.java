package dev.elustream.math;

/**
 * An activation of the ELU family with one alpha for every element: value, derivative with
 * respect to x, and derivative with respect to alpha, in scalar and (from {@link ArrayActivation})
 * array forms. Implementations are immutable, thread-safe and free of Flink and Kafka.
 */
public interface ActivationFunction extends ArrayActivation {

    /** Its alpha (SELU's fixed constant for SELU). */
    double alpha();

    /** {@code Alpha.of(alpha())}. */
    @Override
    default Alpha alphaParameter() {
        return Alpha.of(alpha());
    }

    /** f(x). */
    double value(double x);

    /** f'(x) = df/dx. */
    double derivative(double x);

    /** df/dalpha at x. */
    double alphaGradient(double x);
}
