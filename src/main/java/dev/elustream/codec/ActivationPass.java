package dev.elustream.codec;

import dev.elustream.math.ActivationFunction;

/**
 * The activation over one decoded vector, shared by the transformers of every wire format: replaces
 * x by f(x) in place and fills the derivative and alpha-gradient arrays the output needs, reusing
 * them across records. Not thread-safe.
 */
final class ActivationPass {

    private final ActivationFunction activation;
    private final OutputMode mode;
    private final boolean alphaGradient;
    private double[] derivatives = new double[0];
    private double[] alphaGradients = new double[0];

    ActivationPass(ActivationFunction activation, OutputMode mode, boolean alphaGradient) {
        this.activation = activation;
        this.mode = mode;
        this.alphaGradient = alphaGradient;
    }

    /**
     * Writes f(x[i]) to x[i] for i in [0, n); in mode both f'(x[i]) to {@link #derivatives()}[i];
     * with the alpha gradient df/dalpha(x[i]) to {@link #alphaGradients()}[i].
     */
    void apply(double[] x, int n) {
        if (alphaGradient) {
            // before the values overwrite x
            if (alphaGradients.length < n) {
                alphaGradients = new double[x.length];
            }
            activation.alphaGradients(x, alphaGradients, n);
        }
        if (mode == OutputMode.BOTH) {
            if (derivatives.length < n) {
                derivatives = new double[x.length];
            }
            activation.valuesAndDerivatives(x, x, derivatives, n);
        } else {
            activation.values(x, x, n);
        }
    }

    /** The derivatives of the last {@link #apply} in mode both (longer than the vector). */
    double[] derivatives() {
        return derivatives;
    }

    /** The alpha gradients of the last {@link #apply} with the alpha gradient (longer than the vector). */
    double[] alphaGradients() {
        return alphaGradients;
    }
}
