package dev.elustream.math;

/**
 * The Continuously differentiable Exponential Linear Unit (Barron 2017), its derivative and its
 * derivative with respect to alpha, in double precision.
 *
 * <p>For x &gt; 0: f(x) = x, f'(x) = 1, df/dalpha = 0. For x &lt;= 0, with t = x/alpha (exact, not
 * rounded): f(x) = alpha*expm1(t), f'(x) = exp(t), df/dalpha = expm1(t) - t*exp(t). So f(-0.0) =
 * -0.0, f'(0) = 1, and df/dalpha at &plusmn;0 is &plusmn;0. NaN in gives NaN out; every result is
 * finite for finite x. alpha is finite and &gt; 0 (CELU divides by it).
 *
 * <p>Accuracy: f, f' and df/dalpha within 2 ulp of the correctly rounded values, for every x and
 * alpha (tested against {@code celu-reference.csv}, special values and a seeded sweep; the largest
 * error measured was 1 ulp for f and f', 2 for df/dalpha). The rounding of x/alpha is compensated: exp and
 * expm1 would otherwise magnify it by up to |x/alpha|, hundreds of ulp near exp's underflow.
 * df/dalpha is computed without cancellation: as -exp(t)*(e^u - 1 - u), u = -t, from a series of
 * positive terms for u &lt;= 2, as expm1(t) + u*exp(t) above. No Flink or Kafka dependency.
 */
public final class Celu implements ActivationFunction {

    /**
     * 1/(k+2)! for k = 0..22, each rounded to the nearest double: the series of
     * (e^u - 1 - u)/u^2, whose first omitted term is below 2^-56 of the sum for u &lt;= 2.
     */
    private static final double[] SERIES = {
        0.5, 0.16666666666666666, 0.041666666666666664, 0.008333333333333333, 0.001388888888888889,
        0.0001984126984126984, 2.48015873015873e-05, 2.7557319223985893e-06, 2.755731922398589e-07,
        2.505210838544172e-08, 2.08767569878681e-09, 1.6059043836821613e-10, 1.1470745597729725e-11,
        7.647163731819816e-13, 4.779477332387385e-14, 2.8114572543455206e-15, 1.5619206968586225e-16,
        8.22063524662433e-18, 4.110317623312165e-19, 1.9572941063391263e-20, 8.896791392450574e-22,
        3.868170170630684e-23, 1.6117375710961184e-24,
    };
    /** How many of the series' leading terms are added in double-double arithmetic. */
    private static final int SERIES_EXACT_STEPS = 3;
    /** The rounding errors of SERIES[0..2]: 1/2! is exact, 1/3! and 1/4! are not. */
    private static final double[] SERIES_LOW = {
        0.0, -Math.fma(SERIES[1], 6.0, -1.0) / 6.0, -Math.fma(SERIES[2], 24.0, -1.0) / 24.0,
    };
    /** Where the alpha-gradient switches from the series to expm1(t) + u*exp(t). */
    private static final double SERIES_LIMIT = 2.0;
    /** Below this |x| the remainder x - (x/alpha)*alpha may not be a double (it could underflow). */
    private static final double EXACT_REMAINDER_MIN = 0x1p-969;

    private final double alpha;
    /**
     * For x in [tinyNegative, 0], |x/alpha| &lt;= 2^-56 and f(x) = x - x^2/(2 alpha) + ... rounds to x.
     * Taking x itself also keeps the digits that x/alpha loses when it is subnormal.
     */
    private final double tinyNegative;

    private Celu(double alpha) {
        this.alpha = alpha;
        this.tinyNegative = -alpha * 0x1p-56;
    }

    /**
     * Returns the CELU with the given alpha.
     *
     * @throws IllegalArgumentException if alpha is NaN, infinite, 0 or negative
     */
    public static Celu withAlpha(double alpha) {
        checkAlpha(alpha);
        return new Celu(alpha);
    }

    /**
     * Checks that alpha is usable: finite and &gt; 0.
     *
     * @throws IllegalArgumentException naming the bad value otherwise
     */
    public static void checkAlpha(double alpha) {
        // !(alpha > 0) also catches NaN
        if (!(alpha > 0.0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be finite and > 0, got " + alpha);
        }
    }

    @Override
    public boolean identityAbove0() {
        return true;
    }

    @Override
    public ActivationKind kind() {
        return ActivationKind.CELU;
    }

    @Override
    public double alpha() {
        return alpha;
    }

    @Override
    public double value(double x) {
        if (x > 0.0 || x >= tinyNegative) {
            return x;
        }
        double t = x / alpha;
        return negativeValue(x, t, quotientLow(x, t));
    }

    @Override
    public double derivative(double x) {
        if (x > 0.0) {
            return 1.0;
        }
        double t = x / alpha;
        double e = Math.exp(t);
        // exp(t + tLow) = exp(t)*(1 + tLow) to well below an ulp
        return Math.fma(e, quotientLow(x, t), e);
    }

    @Override
    public double alphaGradient(double x) {
        if (x > 0.0) {
            return 0.0;
        }
        double t = x / alpha;
        double u = -t;
        if (u > 745.0) {
            // exp(t) is 0 or subnormal; u*exp(t) < 2^-54 already above u = 45: the result is -1
            return -1.0;
        }
        if (u == 0.0) {
            return t; // x = ±0: ±0
        }
        double e = Math.exp(t);
        // first-order compensation of the rounding of x/alpha: dg/dt = -t*exp(t) = u*exp(t)
        double correction = u * e * quotientLow(x, t);
        if (u > SERIES_LIMIT) {
            // |expm1(t)| > 0.86 and u*exp(t) < 0.28: no cancellation
            return Math.fma(u, e, Math.expm1(t) + correction);
        }
        // expm1(t) - t*exp(t) would cancel: both are about t near 0, the result about -t^2/2.
        // It equals -exp(t)*(e^u - 1 - u) = -exp(t)*u^2*s(u), where s(u) = sum of u^k/(k+2)! has
        // positive terms only. The steps that carry most of the result run on pairs of doubles
        // (value + rounding error, from fma), so that only exp(t) and the final rounding
        // contribute an error of note.
        double sHigh = seriesTail(u);
        double sLow = 0.0;
        for (int k = SERIES_EXACT_STEPS - 1; k >= 0; k--) {
            double product = sHigh * u;
            double productLow = Math.fma(sHigh, u, -product) + sLow * u;
            double sum = SERIES[k] + product;
            sLow = twoSumLow(SERIES[k], product, sum) + productLow + SERIES_LOW[k];
            sHigh = sum;
        }
        double uu = u * u;
        double uuLow = Math.fma(u, u, -uu);
        double p = uu * sHigh; // e^u - 1 - u = p + pLow
        double pLow = Math.fma(uu, sHigh, -p) + (uu * sLow + uuLow * sHigh);
        double g = e * p; // -result = g + gLow
        double gLow = Math.fma(e, p, -g) + e * pLow;
        return -(g + (gLow - correction));
    }

    @Override
    public void values(double[] in, double[] out, int length) {
        Elu.checkLengths(in, out, length);
        for (int i = 0; i < length; i++) {
            out[i] = value(in[i]);
        }
    }

    @Override
    public void derivatives(double[] in, double[] out, int length) {
        Elu.checkLengths(in, out, length);
        for (int i = 0; i < length; i++) {
            out[i] = derivative(in[i]);
        }
    }

    @Override
    public void alphaGradients(double[] in, double[] out, int length) {
        Elu.checkLengths(in, out, length);
        for (int i = 0; i < length; i++) {
            out[i] = alphaGradient(in[i]);
        }
    }

    @Override
    public void valuesAndDerivatives(double[] in, double[] values, double[] derivatives, int length) {
        Elu.checkFused(in, values, derivatives, length);
        for (int i = 0; i < length; i++) {
            double x = in[i];
            if (x > 0.0) {
                values[i] = x;
                derivatives[i] = 1.0;
            } else {
                // x/alpha and its compensation once for both; same expressions as value and derivative
                double t = x / alpha;
                double tLow = quotientLow(x, t);
                double e = Math.exp(t);
                derivatives[i] = Math.fma(e, tLow, e);
                values[i] = x >= tinyNegative ? x : negativeValue(x, t, tLow);
            }
        }
    }

    /** alpha*expm1(t + tLow) for x &lt; tinyNegative. */
    private double negativeValue(double x, double t, double tLow) {
        double em1 = Math.expm1(t);
        // expm1(t + tLow) = expm1(t) + exp(t)*tLow, and exp(t) = 1 + expm1(t) is exact enough for a
        // correction that is below an ulp: no second exponential. One rounding for the product too.
        return Math.fma(alpha, em1, alpha * ((1.0 + em1) * tLow));
    }

    /**
     * The part of x/alpha that the double t = x/alpha lost: x/alpha = t + tLow to about 2^-106
     * relative; 0 where it does not matter (exp(t) is 0, or t is so small that t^2 underflows).
     */
    private double quotientLow(double x, double t) {
        if (!(t >= -746.0)) {
            return 0.0;
        }
        // The remainder of a correctly rounded division is a double, which fma gives exactly, when
        // x is not tiny. For a tiny x with a tiny alpha (t can still be large) scale both by 2^600,
        // exactly, which changes neither t nor tLow.
        if (Math.abs(x) >= EXACT_REMAINDER_MIN) {
            return Math.fma(-t, alpha, x) / alpha;
        }
        if (alpha < 0x1p-400) {
            double scaledAlpha = alpha * 0x1p600;
            return Math.fma(-t, scaledAlpha, x * 0x1p600) / scaledAlpha;
        }
        return 0.0; // |t| < 2^-569
    }

    /**
     * sum over k &gt;= {@value #SERIES_EXACT_STEPS} of u^(k-3)/(k+2)!, by Horner in plain doubles: its
     * error reaches the result damped by u^3/120 against s(u) &gt;= 1/2, below 0.1 ulp.
     */
    private static double seriesTail(double u) {
        double r = SERIES[SERIES.length - 1];
        for (int k = SERIES.length - 2; k >= SERIES_EXACT_STEPS; k--) {
            r = Math.fma(r, u, SERIES[k]);
        }
        return r;
    }

    /** The rounding error of sum = a + b (Knuth's TwoSum: exact, whatever the magnitudes). */
    private static double twoSumLow(double a, double b, double sum) {
        double bVirtual = sum - a;
        return (a - (sum - bVirtual)) + (b - bVirtual);
    }

    @Override
    public String toString() {
        return "Celu{alpha=" + alpha + "}";
    }
}
