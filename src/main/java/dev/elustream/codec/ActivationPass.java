package dev.elustream.codec;

import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ArrayActivation;

/**
 * The activation over one decoded vector, shared by the transformers of every wire format: replaces
 * x by f(x) in place and fills the derivative and alpha-gradient arrays the output needs, reusing
 * them across records; for the binary formats, also the check that f(x) fits the element type.
 * Not thread-safe.
 */
final class ActivationPass {

    private final ArrayActivation activation;
    private final OutputMode mode;
    private final boolean alphaGradient;
    /** Whether f(x) can overflow for a finite x (SELU), so that inputs must be scanned first. */
    private final boolean canOverflow;
    /** The activation's largest x with a finite f(x) in double, and with one that rounds to a finite float. */
    private final double maxFiniteInput;
    private final float maxFiniteFloat32Input;
    private double[] derivatives = new double[0];
    private double[] alphaGradients = new double[0];

    ActivationPass(ArrayActivation activation, OutputMode mode, boolean alphaGradient) {
        this.activation = activation;
        this.mode = mode;
        this.alphaGradient = alphaGradient;
        this.maxFiniteInput = activation.maxFiniteInput();
        this.canOverflow = maxFiniteInput != Double.MAX_VALUE;
        this.maxFiniteFloat32Input = canOverflow ? largestFloatAtMost(maxFiniteInput(activation, ElementType.FLOAT32))
                : Float.MAX_VALUE;
    }

    /**
     * The activation's largest double x whose f(x), rounded to the type, is finite: for float32 that
     * bounds every activation, since a double input can be above the largest float.
     */
    static double maxFiniteInput(ArrayActivation activation, ElementType type) {
        if (type == ElementType.FLOAT64) {
            return activation.maxFiniteInput();
        }
        // through the array form, which every activation has (a per-element one: element 0's alpha)
        double[] x = new double[1];
        double[] y = new double[1];
        long lo = 0;
        long hi = Double.doubleToRawLongBits(Double.MAX_VALUE);
        while (lo < hi) {
            long mid = (lo + hi + 1) >>> 1;
            x[0] = Double.longBitsToDouble(mid);
            activation.values(x, y, 1);
            if (Float.isFinite((float) y[0])) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return Double.longBitsToDouble(lo);
    }

    /**
     * Rejects a vector with an element whose f(x) would be infinite in the output's element type
     * (SELU's scale*x above the largest double or float), as the JSON codec does; does nothing for
     * activations whose f(x) is finite for every finite x.
     */
    void checkFiniteResults(double[] x, int n, ElementType type) throws VectorRejectedException {
        checkFiniteResults(x, n, type, "features");
    }

    /** {@link #checkFiniteResults(double[], int, ElementType)}, naming the vector, e.g. {@code /user/embedding}. */
    void checkFiniteResults(double[] x, int n, ElementType type, String vector) throws VectorRejectedException {
        if (!canOverflow) {
            return;
        }
        double limit = type == ElementType.FLOAT64 ? maxFiniteInput : maxFiniteFloat32Input;
        for (int i = 0; i < n; i++) {
            if (x[i] > limit) {
                boolean float64 = type == ElementType.FLOAT64;
                throw new VectorRejectedException(RejectKind.NUMBER_NOT_FINITE, vector + "[" + i + "] = "
                        + (float64 ? Double.toString(x[i]) : Float.toString((float) x[i])) + " is too large for"
                        + " activation " + activation.kind().id() + ": f(x) would not fit a finite " + type.label()
                        + " (the largest x it takes is " + (float64 ? Double.toString(limit) : Float.toString((float) limit))
                        + ")");
            }
        }
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

    /**
     * The largest float not above {@code limit}: f grows with x above 0, so of the floats it is the
     * largest x whose f(x) rounds to a finite float when {@code limit} is that largest double.
     */
    private static float largestFloatAtMost(double limit) {
        float f = (float) limit;
        return f > limit ? Math.nextDown(f) : f;
    }
}
