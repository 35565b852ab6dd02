package dev.elustream.math;

import javax.annotation.Nullable;

/**
 * ELU or CELU with one alpha per element of a vector (PReLU-style per-channel alpha), array forms
 * only: element i of an array takes {@code alphas[i % dimension]}, so an array of k*dimension
 * elements is k rows (the codecs concatenate several vectors, or the rows of a batch, each of
 * exactly dimension elements) and a shorter one takes the first elements' alphas.
 *
 * <p>Each element's result is the scalar-alpha activation's with that element's alpha: ELU's are
 * {@link Elu}'s formulas on the same {@link Kernel} (bit for bit on the scalar kernel, and on the
 * vector kernel too, an element going through the same path, vector or scalar tail, as it would in
 * {@link Elu}'s array methods at the same index), CELU's are {@link Celu}'s (it has no vector
 * kernel). So the rules are theirs: f(0) = 0, f(-0.0) = -0.0, f'(0) = alpha_i (1 for CELU), NaN
 * gives NaN, every result within 2 ulp of the correctly rounded value. Built by
 * {@link Activations#of(ActivationKind, Alpha, Kernel)}, which checks every alpha. No Flink or Kafka
 * dependency.
 */
public final class PerElementActivation implements ArrayActivation {

    private final ActivationKind kind;
    private final Alpha alpha;
    /** The alphas, one per element of a row (the Alpha's own array, which it never hands out). */
    private final double[] alphas;
    private final boolean vector;
    /** ELU on the vector kernel: the alphas laid out for lane loads ({@link VectorKernels#laneAlphas}). */
    private final @Nullable double[] laneAlphas;
    /**
     * ELU: one with the first alpha, for the alpha-gradients, which do not depend on alpha. Null
     * for CELU.
     */
    private final @Nullable Elu elu;
    /** CELU: one per element. Null for ELU. */
    private final @Nullable Celu[] celus;

    private PerElementActivation(ActivationKind kind, Alpha alpha, boolean vector) {
        this.kind = kind;
        this.alpha = alpha;
        this.alphas = alpha.valuesUnshared();
        this.vector = vector;
        if (kind == ActivationKind.ELU) {
            // only loaded where the kernel said the vector path is usable
            this.laneAlphas = vector ? VectorKernels.laneAlphas(alphas) : null;
            this.elu = Elu.withAlpha(alphas[0], vector ? Kernel.VECTOR : Kernel.SCALAR);
            this.celus = null;
        } else {
            this.laneAlphas = null;
            this.elu = null;
            this.celus = new Celu[alphas.length];
            for (int i = 0; i < alphas.length; i++) {
                celus[i] = Celu.withAlpha(alphas[i]);
            }
        }
    }

    /**
     * The per-element activation of a kind and an alpha that {@link Activations#checkAlpha} has
     * accepted, on a resolved kernel (SCALAR or VECTOR).
     */
    static PerElementActivation create(ActivationKind kind, Alpha alpha, Kernel resolved) {
        if (kind == ActivationKind.SELU || !alpha.isPerElement()) {
            throw new IllegalArgumentException("a per-element activation is ELU or CELU with a per-element alpha, got "
                    + kind.id() + " with " + alpha.abbreviated());
        }
        // CELU has no vector kernel: it runs scalar whatever the kernel
        return new PerElementActivation(kind, alpha, kind == ActivationKind.ELU && resolved == Kernel.VECTOR);
    }

    @Override
    public ActivationKind kind() {
        return kind;
    }

    /** The per-element alpha it was built with. */
    @Override
    public Alpha alphaParameter() {
        return alpha;
    }

    /** The length of a row: how many alphas it holds. */
    public int dimension() {
        return alphas.length;
    }

    /** The kernel the array methods run on: SCALAR or VECTOR (always SCALAR for CELU). */
    public Kernel kernel() {
        return vector ? Kernel.VECTOR : Kernel.SCALAR;
    }

    @Override
    public boolean identityAbove0() {
        return true;
    }

    @Override
    public double maxFiniteInput() {
        return Double.MAX_VALUE;
    }

    /** Writes f(in[i]) with alpha alphas[i % dimension] to out[i] for i in [0, length); out may be in. */
    @Override
    public void values(double[] in, double[] out, int length) {
        Elu.checkLengths(in, out, length);
        if (celus != null) {
            int d = celus.length;
            for (int i = 0, j = 0; i < length; i++, j = j + 1 == d ? 0 : j + 1) {
                out[i] = celus[j].value(in[i]);
            }
            return;
        }
        if (vector) {
            VectorKernels.eluValues(alphas, laneAlphas, in, out, length);
            return;
        }
        int d = alphas.length;
        for (int i = 0, j = 0; i < length; i++, j = j + 1 == d ? 0 : j + 1) {
            out[i] = Elu.value(alphas[j], in[i]);
        }
    }

    /** Writes f'(in[i]) with alpha alphas[i % dimension] to out[i] for i in [0, length); out may be in. */
    @Override
    public void derivatives(double[] in, double[] out, int length) {
        Elu.checkLengths(in, out, length);
        if (celus != null) {
            int d = celus.length;
            for (int i = 0, j = 0; i < length; i++, j = j + 1 == d ? 0 : j + 1) {
                out[i] = celus[j].derivative(in[i]);
            }
            return;
        }
        if (vector) {
            VectorKernels.eluDerivatives(alphas, laneAlphas, in, out, length);
            return;
        }
        int d = alphas.length;
        for (int i = 0, j = 0; i < length; i++, j = j + 1 == d ? 0 : j + 1) {
            out[i] = Elu.derivative(alphas[j], in[i]);
        }
    }

    /**
     * Writes df/dalpha at in[i], for alpha alphas[i % dimension], to out[i] for i in [0, length);
     * out may be in. For ELU it does not depend on alpha: expm1(x) for x &lt;= 0, 0 else.
     */
    @Override
    public void alphaGradients(double[] in, double[] out, int length) {
        if (celus == null) {
            elu.alphaGradients(in, out, length);
            return;
        }
        Elu.checkLengths(in, out, length);
        int d = celus.length;
        for (int i = 0, j = 0; i < length; i++, j = j + 1 == d ? 0 : j + 1) {
            out[i] = celus[j].alphaGradient(in[i]);
        }
    }

    /**
     * One pass that writes f(in[i]) to values[i] and f'(in[i]) to derivatives[i], with alpha
     * alphas[i % dimension]; values may be in (derivatives may not).
     */
    @Override
    public void valuesAndDerivatives(double[] in, double[] values, double[] derivatives, int length) {
        Elu.checkFused(in, values, derivatives, length);
        if (celus != null) {
            int d = celus.length;
            for (int i = 0, j = 0; i < length; i++, j = j + 1 == d ? 0 : j + 1) {
                double x = in[i];
                values[i] = celus[j].value(x);
                derivatives[i] = celus[j].derivative(x);
            }
            return;
        }
        if (vector) {
            VectorKernels.eluValuesAndDerivatives(alphas, laneAlphas, in, values, derivatives, length);
            return;
        }
        int d = alphas.length;
        for (int i = 0, j = 0; i < length; i++, j = j + 1 == d ? 0 : j + 1) {
            double x = in[i];
            values[i] = Elu.value(alphas[j], x);
            derivatives[i] = Elu.derivative(alphas[j], x);
        }
    }

    /**
     * E.g. {@code PerElementElu{alpha=[0.9, 0.8, 1.0], kernel=VECTOR}} or
     * {@code PerElementCelu{alpha=[0.5, 2.0]}}; a long alpha names its first elements and its length.
     */
    @Override
    public String toString() {
        return kind == ActivationKind.ELU
                ? "PerElementElu{alpha=" + alpha.abbreviated() + ", kernel=" + kernel() + "}"
                : "PerElementCelu{alpha=" + alpha.abbreviated() + "}";
    }
}
