package dev.elustream.math;

/**
 * The Exponential Linear Unit and its derivative in double precision, scalar and array forms.
 *
 * <p>f(x) = x and f'(x) = 1 for x &gt; 0; f(x) = alpha*expm1(x) and f'(x) = alpha*exp(x) for
 * x &lt;= 0 (so f(0) = 0, f(-0.0) = -0.0 and f'(0) = alpha, as in PyTorch); df/dalpha = expm1(x)
 * for x &lt;= 0, 0 else. NaN in gives NaN out. Each result is within 2 ulp of the correctly rounded
 * value, also where exp(x) underflows but alpha*exp(x) does not (alpha &gt; 2, x &lt; -708).
 * The array methods run on the {@link Kernel} chosen at construction (vector where usable by
 * default), with the same rules and the same 2 ulp bound either way (the last bits may differ).
 * This class has no Flink or Kafka dependency.
 */
public final class Elu implements ActivationFunction {

    /** The alpha used when a job does not set one. */
    public static final double DEFAULT_ALPHA = 1.0;

    private final double alpha;
    private final boolean vector;

    private Elu(double alpha, boolean vector) {
        this.alpha = alpha;
        this.vector = vector;
    }

    /**
     * Returns the ELU with the given alpha, on the {@link Kernel#AUTO AUTO} kernel.
     *
     * @throws IllegalArgumentException if alpha is NaN, infinite or negative
     */
    public static Elu withAlpha(double alpha) {
        return withAlpha(alpha, Kernel.AUTO);
    }

    /**
     * Returns the ELU with the given alpha whose array methods run on the given kernel.
     *
     * @throws IllegalArgumentException if alpha is NaN, infinite or negative
     * @throws IllegalStateException if the kernel resolves to VECTOR and that is not usable
     * @throws NullPointerException if kernel is null
     */
    public static Elu withAlpha(double alpha, Kernel kernel) {
        checkAlpha(alpha);
        return new Elu(alpha, kernel.resolve() == Kernel.VECTOR);
    }

    /**
     * Checks that alpha is usable: finite and &gt;= 0.
     *
     * @throws IllegalArgumentException naming the bad value otherwise
     */
    public static void checkAlpha(double alpha) {
        // !(alpha >= 0) also catches NaN
        if (!(alpha >= 0.0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be finite and >= 0, got " + alpha);
        }
    }

    /** The kernel the array methods run on: SCALAR or VECTOR. */
    public Kernel kernel() {
        return vector ? Kernel.VECTOR : Kernel.SCALAR;
    }

    @Override
    public boolean identityAbove0() {
        return true;
    }

    @Override
    public ActivationKind kind() {
        return ActivationKind.ELU;
    }

    @Override
    public double alpha() {
        return alpha;
    }

    /** f(x). */
    @Override
    public double value(double x) {
        return value(alpha, x);
    }

    /** f'(x). */
    @Override
    public double derivative(double x) {
        return derivative(alpha, x);
    }

    /** f(x) at the given alpha: the one formula of every scalar ELU path, per-element ones included. */
    static double value(double alpha, double x) {
        // expm1, not exp(x) - 1: the latter is 0 for |x| below 1e-16 and loses digits near 0.
        return x > 0.0 ? x : alpha * Math.expm1(x);
    }

    /** f'(x) at the given alpha, as {@link #value(double, double)}. */
    static double derivative(double alpha, double x) {
        // alpha*exp(x), not value(x) + alpha: the sum cancels to 0 below x = -37.
        return x > 0.0 ? 1.0 : ExpMath.timesExp(alpha, x);
    }

    /** df/dalpha: expm1(x) for x &lt;= 0, 0 else. */
    @Override
    public double alphaGradient(double x) {
        return x > 0.0 ? 0.0 : Math.expm1(x);
    }

    @Override
    public void alphaGradients(double[] in, double[] out, int length) {
        checkLengths(in, out, length);
        if (vector) {
            VectorKernels.eluAlphaGradients(this, in, out, length);
            return;
        }
        for (int i = 0; i < length; i++) {
            out[i] = alphaGradient(in[i]);
        }
    }

    /** Writes f(in[i]) to out[i] for i in [0, length); out may be in. */
    @Override
    public void values(double[] in, double[] out, int length) {
        checkLengths(in, out, length);
        if (vector) {
            VectorKernels.eluValues(this, in, out, length);
            return;
        }
        for (int i = 0; i < length; i++) {
            out[i] = value(in[i]);
        }
    }

    /** Writes f'(in[i]) to out[i] for i in [0, length); out may be in. */
    @Override
    public void derivatives(double[] in, double[] out, int length) {
        checkLengths(in, out, length);
        if (vector) {
            VectorKernels.eluDerivatives(this, in, out, length);
            return;
        }
        for (int i = 0; i < length; i++) {
            out[i] = derivative(in[i]);
        }
    }

    /**
     * One pass that writes f(in[i]) to values[i] and f'(in[i]) to derivatives[i]; values may be in
     * (derivatives may not), so a caller can transform its input in place.
     */
    @Override
    public void valuesAndDerivatives(double[] in, double[] values, double[] derivatives, int length) {
        checkFused(in, values, derivatives, length);
        if (vector) {
            VectorKernels.eluValuesAndDerivatives(this, in, values, derivatives, length);
            return;
        }
        for (int i = 0; i < length; i++) {
            double x = in[i];
            if (x > 0.0) {
                values[i] = x;
                derivatives[i] = 1.0;
            } else {
                // exp once: expm1 is kept for the value, whose accuracy near 0 needs it.
                values[i] = alpha * Math.expm1(x);
                derivatives[i] = ExpMath.timesExp(alpha, x);
            }
        }
    }

    /** The checks of {@link #valuesAndDerivatives}: lengths fit, derivatives is not the input. */
    static void checkFused(double[] in, double[] values, double[] derivatives, int length) {
        checkLengths(in, values, length);
        checkLengths(in, derivatives, length);
        if (derivatives == in) {
            throw new IllegalArgumentException("derivatives must not be the input array");
        }
    }

    static void checkLengths(double[] in, double[] out, int length) {
        if (length < 0 || length > in.length || length > out.length) {
            throw new IndexOutOfBoundsException(
                    "length " + length + " does not fit arrays of " + in.length + " and " + out.length);
        }
    }

    @Override
    public String toString() {
        return "Elu{alpha=" + alpha + ", kernel=" + kernel() + "}";
    }
}
