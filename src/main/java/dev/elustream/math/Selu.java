package dev.elustream.math;

/**
 * The Scaled Exponential Linear Unit (Klambauer et al. 2017) with PyTorch's fixed constants, its
 * derivative and its derivative with respect to alpha, in double precision.
 *
 * <p>With alpha = {@link ActivationKind#SELU_ALPHA} and scale = {@link ActivationKind#SELU_SCALE}
 * (the doubles, taken as exact): f(x) = scale*x, f'(x) = scale and df/dalpha = 0 for x &gt; 0;
 * f(x) = scale*alpha*expm1(x), f'(x) = scale*alpha*exp(x) and df/dalpha = scale*expm1(x) for
 * x &lt;= 0 (so f(-0.0) = -0.0, f'(0) = scale*alpha). NaN in gives NaN out. f(x) overflows to
 * infinity above {@link #MAX_FINITE_INPUT}; f' and df/dalpha are finite for every finite x. Each
 * result is within 2 ulp of the correctly rounded value (tested against
 * {@code selu-reference.csv}). The array methods run on the {@link Kernel} chosen by
 * {@link #instance(Kernel)}, with the same rules and the same 2 ulp bound either way (the last
 * bits may differ). No Flink or Kafka dependency.
 */
public final class Selu implements ActivationFunction {

    private static final double ALPHA = ActivationKind.SELU_ALPHA;
    static final double SCALE = ActivationKind.SELU_SCALE;
    /**
     * scale*alpha as the sum of two doubles (the rounded product and its exact rounding error): the
     * x &lt;= 0 branch multiplies by it with one fma, so the constant adds no error of its own.
     */
    static final double SCALE_ALPHA = SCALE * ALPHA;
    static final double SCALE_ALPHA_LOW = Math.fma(SCALE, ALPHA, -SCALE_ALPHA);

    /** The largest x whose f(x) = scale*x is finite; above it f(x) is infinity. */
    public static final double MAX_FINITE_INPUT = largestFiniteInput();

    private static final Selu SCALAR = new Selu(false);
    private static final Selu VECTOR = new Selu(true);

    private final boolean vector;

    private Selu(boolean vector) {
        this.vector = vector;
    }

    /**
     * The SELU on the {@link Kernel#AUTO AUTO} kernel (it has no parameter: one instance per
     * kernel serves every caller).
     */
    public static Selu instance() {
        return instance(Kernel.AUTO);
    }

    /**
     * The SELU whose array methods run on the given kernel.
     *
     * @throws IllegalStateException if the kernel resolves to VECTOR and that is not usable
     * @throws NullPointerException if kernel is null
     */
    public static Selu instance(Kernel kernel) {
        return kernel.resolve() == Kernel.VECTOR ? VECTOR : SCALAR;
    }

    /** The kernel the array methods run on: SCALAR or VECTOR. */
    public Kernel kernel() {
        return vector ? Kernel.VECTOR : Kernel.SCALAR;
    }

    @Override
    public ActivationKind kind() {
        return ActivationKind.SELU;
    }

    /** SELU's fixed alpha, {@link ActivationKind#SELU_ALPHA}. */
    @Override
    public double alpha() {
        return ALPHA;
    }

    @Override
    public double maxFiniteInput() {
        return MAX_FINITE_INPUT;
    }

    @Override
    public double value(double x) {
        return x > 0.0 ? SCALE * x : timesScaleAlpha(Math.expm1(x));
    }

    @Override
    public double derivative(double x) {
        // from exp(x), never from the value (which cancels to -scale*alpha below x = -37)
        return x > 0.0 ? SCALE : negativeDerivative(x);
    }

    /** df/dalpha with scale fixed: scale*expm1(x) for x &lt;= 0, 0 else. */
    @Override
    public double alphaGradient(double x) {
        return x > 0.0 ? 0.0 : SCALE * Math.expm1(x);
    }

    @Override
    public void values(double[] in, double[] out, int length) {
        Elu.checkLengths(in, out, length);
        if (vector) {
            VectorKernels.seluValues(in, out, length);
            return;
        }
        for (int i = 0; i < length; i++) {
            out[i] = value(in[i]);
        }
    }

    @Override
    public void derivatives(double[] in, double[] out, int length) {
        Elu.checkLengths(in, out, length);
        if (vector) {
            VectorKernels.seluDerivatives(in, out, length);
            return;
        }
        for (int i = 0; i < length; i++) {
            out[i] = derivative(in[i]);
        }
    }

    @Override
    public void alphaGradients(double[] in, double[] out, int length) {
        Elu.checkLengths(in, out, length);
        if (vector) {
            VectorKernels.seluAlphaGradients(in, out, length);
            return;
        }
        for (int i = 0; i < length; i++) {
            out[i] = alphaGradient(in[i]);
        }
    }

    @Override
    public void valuesAndDerivatives(double[] in, double[] values, double[] derivatives, int length) {
        Elu.checkFused(in, values, derivatives, length);
        if (vector) {
            VectorKernels.seluValuesAndDerivatives(in, values, derivatives, length);
            return;
        }
        for (int i = 0; i < length; i++) {
            double x = in[i];
            if (x > 0.0) {
                values[i] = SCALE * x;
                derivatives[i] = SCALE;
            } else {
                values[i] = timesScaleAlpha(Math.expm1(x));
                derivatives[i] = negativeDerivative(x);
            }
        }
    }

    /** scale*alpha*y, rounded once. */
    private static double timesScaleAlpha(double y) {
        return Math.fma(SCALE_ALPHA, y, SCALE_ALPHA_LOW * y);
    }

    private static double negativeDerivative(double x) {
        // Where exp(x) is subnormal, its error of up to half of 2^-1074 becomes 0.88 ulp of the
        // product at most: within bounds without ExpMath's rescaling.
        return timesScaleAlpha(Math.exp(x));
    }

    private static double largestFiniteInput() {
        double x = Double.MAX_VALUE / SCALE;
        while (Double.isFinite(SCALE * Math.nextUp(x))) {
            x = Math.nextUp(x);
        }
        while (!Double.isFinite(SCALE * x)) {
            x = Math.nextDown(x);
        }
        return x;
    }

    @Override
    public String toString() {
        return "Selu{alpha=" + ALPHA + ", scale=" + SCALE + ", kernel=" + kernel() + "}";
    }
}
