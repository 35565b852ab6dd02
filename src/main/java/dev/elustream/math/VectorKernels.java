package dev.elustream.math;

import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.EXPM1;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LT;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The array forms of ELU (one alpha, or one per element) and SELU with {@code DoubleVector} lanewise
 * EXPM1 and EXP: the results of the scalar loops to within 2 ulp of the correctly rounded values,
 * the same aliasing rules.
 *
 * <p>Links against {@code jdk.incubator.vector}: only {@link Kernel} may load it, and only after
 * checking the module is in the boot layer, so that a JVM without {@code --add-modules} never
 * sees a NoClassDefFoundError. Callers have checked the lengths. Tails shorter than a vector go
 * through the scalar methods, lanes where exp(x) is subnormal (x &lt; -708) through
 * {@link ExpMath#timesExp}, whose rescaling they need.
 */
final class VectorKernels {

    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private VectorKernels() {}

    /** The preferred species' length in doubles. */
    static int lanes() {
        return LANES;
    }

    static void eluValues(Elu elu, double[] in, double[] out, int length) {
        double alpha = elu.alpha();
        int bound = SPECIES.loopBound(length);
        int i = 0;
        for (; i < bound; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, in, i);
            eluValue(alpha, x, x.compare(GT, 0.0)).intoArray(out, i);
        }
        for (; i < length; i++) {
            out[i] = elu.value(in[i]);
        }
    }

    static void eluDerivatives(Elu elu, double[] in, double[] out, int length) {
        double alpha = elu.alpha();
        int bound = SPECIES.loopBound(length);
        int i = 0;
        for (; i < bound; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, in, i);
            eluDerivative(alpha, x, x.compare(GT, 0.0), out, i);
        }
        for (; i < length; i++) {
            out[i] = elu.derivative(in[i]);
        }
    }

    static void eluAlphaGradients(Elu elu, double[] in, double[] out, int length) {
        int bound = SPECIES.loopBound(length);
        int i = 0;
        for (; i < bound; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, in, i);
            // expm1(+-0) = +-0 is kept, as Math.expm1 keeps it
            x.lanewise(EXPM1).blend(0.0, x.compare(GT, 0.0)).intoArray(out, i);
        }
        for (; i < length; i++) {
            out[i] = elu.alphaGradient(in[i]);
        }
    }

    static void eluValuesAndDerivatives(Elu elu, double[] in, double[] values, double[] derivatives, int length) {
        double alpha = elu.alpha();
        int bound = SPECIES.loopBound(length);
        int i = 0;
        for (; i < bound; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, in, i);
            VectorMask<Double> positive = x.compare(GT, 0.0);
            eluDerivative(alpha, x, positive, derivatives, i);
            eluValue(alpha, x, positive).intoArray(values, i);
        }
        for (; i < length; i++) {
            double x = in[i];
            values[i] = elu.value(x);
            derivatives[i] = elu.derivative(x);
        }
    }

    /**
     * The alphas of a per-element ELU laid out for lane loads: element m is alphas[m % d] for m in
     * [0, d + lanes - 1), so that the lanes of the input elements i to i + lanes - 1 (row after row of
     * d elements) load their alphas from offset i % d, whatever d and the row boundaries.
     */
    static double[] laneAlphas(double[] alphas) {
        int d = alphas.length;
        double[] lanes = new double[d + LANES - 1];
        for (int m = 0; m < lanes.length; m++) {
            lanes[m] = alphas[m % d];
        }
        return lanes;
    }

    // The per-element ELU: element i takes alphas[i % d]. One loop over the whole input, not row by
    // row, so that rows of any length (3, 17) stay in vectors and each element goes through the
    // same path (vector or scalar tail) as in the scalar-alpha methods above at the same index.

    static void eluValues(double[] alphas, double[] laneAlphas, double[] in, double[] out, int length) {
        int d = alphas.length;
        int step = LANES % d;
        int bound = SPECIES.loopBound(length);
        int i = 0;
        int j = 0; // i % d
        for (; i < bound; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, in, i);
            DoubleVector alpha = DoubleVector.fromArray(SPECIES, laneAlphas, j);
            eluValue(alpha, x, x.compare(GT, 0.0)).intoArray(out, i);
            j = advance(j, step, d);
        }
        for (; i < length; i++) {
            out[i] = Elu.value(alphas[j], in[i]);
            j = advance(j, 1, d);
        }
    }

    static void eluDerivatives(double[] alphas, double[] laneAlphas, double[] in, double[] out, int length) {
        int d = alphas.length;
        int step = LANES % d;
        int bound = SPECIES.loopBound(length);
        int i = 0;
        int j = 0;
        for (; i < bound; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, in, i);
            DoubleVector alpha = DoubleVector.fromArray(SPECIES, laneAlphas, j);
            eluDerivative(alpha, laneAlphas, j, x, x.compare(GT, 0.0), out, i);
            j = advance(j, step, d);
        }
        for (; i < length; i++) {
            out[i] = Elu.derivative(alphas[j], in[i]);
            j = advance(j, 1, d);
        }
    }

    static void eluValuesAndDerivatives(
            double[] alphas, double[] laneAlphas, double[] in, double[] values, double[] derivatives, int length) {
        int d = alphas.length;
        int step = LANES % d;
        int bound = SPECIES.loopBound(length);
        int i = 0;
        int j = 0;
        for (; i < bound; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, in, i);
            DoubleVector alpha = DoubleVector.fromArray(SPECIES, laneAlphas, j);
            VectorMask<Double> positive = x.compare(GT, 0.0);
            eluDerivative(alpha, laneAlphas, j, x, positive, derivatives, i);
            eluValue(alpha, x, positive).intoArray(values, i);
            j = advance(j, step, d);
        }
        for (; i < length; i++) {
            double x = in[i];
            values[i] = Elu.value(alphas[j], x);
            derivatives[i] = Elu.derivative(alphas[j], x);
            j = advance(j, 1, d);
        }
    }

    /** (j + step) % d for j and step in [0, d). */
    private static int advance(int j, int step, int d) {
        int next = j + step;
        return next >= d ? next - d : next;
    }

    static void seluValues(double[] in, double[] out, int length) {
        Selu selu = Selu.instance(Kernel.SCALAR);
        int bound = SPECIES.loopBound(length);
        int i = 0;
        for (; i < bound; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, in, i);
            seluValue(x, x.compare(GT, 0.0)).intoArray(out, i);
        }
        for (; i < length; i++) {
            out[i] = selu.value(in[i]);
        }
    }

    static void seluDerivatives(double[] in, double[] out, int length) {
        Selu selu = Selu.instance(Kernel.SCALAR);
        int bound = SPECIES.loopBound(length);
        int i = 0;
        for (; i < bound; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, in, i);
            seluDerivative(selu, x, x.compare(GT, 0.0), out, i);
        }
        for (; i < length; i++) {
            out[i] = selu.derivative(in[i]);
        }
    }

    static void seluAlphaGradients(double[] in, double[] out, int length) {
        Selu selu = Selu.instance(Kernel.SCALAR);
        int bound = SPECIES.loopBound(length);
        int i = 0;
        for (; i < bound; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, in, i);
            x.lanewise(EXPM1).mul(Selu.SCALE).blend(0.0, x.compare(GT, 0.0)).intoArray(out, i);
        }
        for (; i < length; i++) {
            out[i] = selu.alphaGradient(in[i]);
        }
    }

    static void seluValuesAndDerivatives(double[] in, double[] values, double[] derivatives, int length) {
        Selu selu = Selu.instance(Kernel.SCALAR);
        int bound = SPECIES.loopBound(length);
        int i = 0;
        for (; i < bound; i += LANES) {
            DoubleVector x = DoubleVector.fromArray(SPECIES, in, i);
            VectorMask<Double> positive = x.compare(GT, 0.0);
            seluDerivative(selu, x, positive, derivatives, i);
            seluValue(x, positive).intoArray(values, i);
        }
        for (; i < length; i++) {
            double x = in[i];
            values[i] = selu.value(x);
            derivatives[i] = selu.derivative(x);
        }
    }

    /** alpha*expm1(x), or x where positive; NaN stays NaN (it is not positive). */
    private static DoubleVector eluValue(double alpha, DoubleVector x, VectorMask<Double> positive) {
        return x.lanewise(EXPM1).mul(alpha).blend(x, positive);
    }

    /** Writes alpha*exp(x), or 1 where positive, to out from offset. */
    private static void eluDerivative(
            double alpha, DoubleVector x, VectorMask<Double> positive, double[] out, int offset) {
        DoubleVector e = x.lanewise(EXP);
        e.mul(alpha).blend(1.0, positive).intoArray(out, offset);
        // exp(x) subnormal or 0 (x < -708): rare, so redone lane by lane with the rescaled product
        VectorMask<Double> tiny = e.compare(LT, Double.MIN_NORMAL);
        if (tiny.anyTrue()) {
            for (int j = 0; j < LANES; j++) {
                if (tiny.laneIsSet(j)) {
                    out[offset + j] = ExpMath.timesExp(alpha, x.lane(j));
                }
            }
        }
    }

    /** alpha*expm1(x) with a lane's own alpha, or x where positive; NaN stays NaN. */
    private static DoubleVector eluValue(DoubleVector alpha, DoubleVector x, VectorMask<Double> positive) {
        return x.lanewise(EXPM1).mul(alpha).blend(x, positive);
    }

    /**
     * Writes alpha*exp(x), or 1 where positive, to out from offset, where alpha was loaded from
     * laneAlphas at alphaOffset; as {@link #eluDerivative(double, DoubleVector, VectorMask, double[], int)}.
     */
    private static void eluDerivative(DoubleVector alpha, double[] laneAlphas, int alphaOffset, DoubleVector x,
            VectorMask<Double> positive, double[] out, int offset) {
        DoubleVector e = x.lanewise(EXP);
        e.mul(alpha).blend(1.0, positive).intoArray(out, offset);
        // exp(x) subnormal or 0: each such lane redone with its own alpha
        VectorMask<Double> tiny = e.compare(LT, Double.MIN_NORMAL);
        if (tiny.anyTrue()) {
            for (int k = 0; k < LANES; k++) {
                if (tiny.laneIsSet(k)) {
                    out[offset + k] = ExpMath.timesExp(laneAlphas[alphaOffset + k], x.lane(k));
                }
            }
        }
    }

    /** scale*x, or scale*alpha*expm1(x) rounded once (as Selu's fma) where not positive. */
    private static DoubleVector seluValue(DoubleVector x, VectorMask<Double> positive) {
        DoubleVector y = x.lanewise(EXPM1);
        return timesScaleAlpha(y).blend(x.mul(Selu.SCALE), positive);
    }

    /** Writes scale*alpha*exp(x), or scale where positive, to out from offset. */
    private static void seluDerivative(
            Selu scalar, DoubleVector x, VectorMask<Double> positive, double[] out, int offset) {
        DoubleVector e = x.lanewise(EXP);
        timesScaleAlpha(e).blend(Selu.SCALE, positive).intoArray(out, offset);
        // exp(x) subnormal or 0: Selu's bound relies on Math.exp's rounding there, so use it
        VectorMask<Double> tiny = e.compare(LT, Double.MIN_NORMAL);
        if (tiny.anyTrue()) {
            for (int j = 0; j < LANES; j++) {
                if (tiny.laneIsSet(j)) {
                    out[offset + j] = scalar.derivative(x.lane(j));
                }
            }
        }
    }

    private static DoubleVector timesScaleAlpha(DoubleVector y) {
        return y.fma(DoubleVector.broadcast(SPECIES, Selu.SCALE_ALPHA), y.mul(Selu.SCALE_ALPHA_LOW));
    }
}
