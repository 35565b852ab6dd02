package dev.elustream.codec;

import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ArrayActivation;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * Transforms JSON record values: each array that {@link JsonVectorFields} selects (by default the
 * top-level {@code features}), a vector of numbers or a batch of rows, is replaced by f(x) element by
 * element in its shape, and the members with f'(x) (mode both), df/dalpha (if asked for) and the
 * input (if asked for) are written right after the member that holds it:
 * {@code {..., "features":[x0,x1,...], ...}} becomes
 * {@code {..., "features":[f(x0),...],"derivative":[f'(x0),...],"alpha_gradient":[df/dalpha(x0),...], ...}}.
 * Every member (element) not selected keeps its own bytes; a value that cannot be transformed throws
 * {@link VectorRejectedException} with the reason (for the dead-letter topic).
 *
 * <p>Not thread-safe: one instance per thread/operator, which reuses its buffers across records.
 */
public final class EluJsonTransformer implements VectorTransformer {

    private final ArrayActivation activation;
    private final OutputMode mode;
    private final boolean alphaGradient;
    /** The activation's largest x with a finite f(x) in the precision, above which a vector is rejected. */
    private final double maxFiniteInput;
    private final boolean float32;
    private final FeatureVectorJsonParser parser;
    private final OutputBuffer out = new OutputBuffer(1024);
    private final ActivationPass pass;
    /** Output arrays per selected array: f(x), and f'(x), df/dalpha where written. */
    private final int arrays;
    private final int fixedOverhead;
    /** Whether f(x) = x above 0, so that positive inputs are written back as their own tokens. */
    private final boolean copyPositives;
    private int lastLength;
    private int lastNonPositiveCount;

    /**
     * A transformer that writes no alpha-gradient; see {@link #EluJsonTransformer(ArrayActivation,
     * OutputMode, boolean, int, int)}.
     */
    public EluJsonTransformer(ArrayActivation activation, OutputMode mode, int dimension, int maxDimension) {
        this(activation, mode, false, dimension, maxDimension);
    }

    /** A transformer of the default field, {@code /features}; see the constructor with {@link JsonVectorFields}. */
    public EluJsonTransformer(
            ArrayActivation activation, OutputMode mode, boolean alphaGradient, int dimension, int maxDimension) {
        this(activation, mode, alphaGradient, dimension, maxDimension, JsonVectorFields.defaults());
    }

    /** A transformer writing float64 results; see the constructor with the precision. */
    public EluJsonTransformer(ArrayActivation activation, OutputMode mode, boolean alphaGradient, int dimension,
            int maxDimension, JsonVectorFields fields) {
        this(activation, mode, alphaGradient, dimension, maxDimension, fields, ElementType.FLOAT64);
    }

    /**
     * @param activation the activation, e.g. {@code Activations.of(ActivationKind.CELU, 0.5)}
     * @param mode whether the derivatives are written too
     * @param alphaGradient whether members with df/dalpha are written too (then a value that has one
     *     already is rejected)
     * @param dimension the required length of every vector (every row of a batch), or 0 for any
     *     length up to {@code maxDimension}
     * @param maxDimension the longest vector (row) accepted, at least 1; a longer one is rejected
     *     without being buffered
     * @param fields which arrays to transform, and the names of the members written next to them
     * @param precision the type every result is rounded to and written in: float64, or float32 (the
     *     shortest text that reads back as the float; then an input whose f(x) does not fit a float is
     *     rejected)
     * @throws IllegalArgumentException if {@code maxDimension < 1}, {@code dimension} is negative or
     *     above {@code maxDimension}, or the fields' outputs collide ({@link JsonVectorFields#check})
     * @throws NullPointerException if {@code activation}, {@code mode}, {@code fields} or {@code precision} is null
     */
    public EluJsonTransformer(ArrayActivation activation, OutputMode mode, boolean alphaGradient, int dimension,
            int maxDimension, JsonVectorFields fields, ElementType precision) {
        this.activation = Objects.requireNonNull(activation, "activation");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.alphaGradient = alphaGradient;
        this.pass = new ActivationPass(this.activation, this.mode, alphaGradient);
        this.float32 = Objects.requireNonNull(precision, "precision") == ElementType.FLOAT32;
        this.maxFiniteInput = ActivationPass.maxFiniteInput(activation, precision);
        this.copyPositives = activation.identityAbove0();
        if (maxDimension < 1) {
            throw new IllegalArgumentException("maxDimension must be >= 1, got " + maxDimension);
        }
        if (dimension < 0 || dimension > maxDimension) {
            throw new IllegalArgumentException("dimension must be 0 (any) or between 1 and maxDimension ("
                    + maxDimension + "), got " + dimension);
        }
        this.parser = new FeatureVectorJsonParser(
                Objects.requireNonNull(fields, "fields").fields(mode == OutputMode.BOTH, alphaGradient),
                dimension, maxDimension);
        this.arrays = 1 + (mode == OutputMode.BOTH ? 1 : 0) + (alphaGradient ? 1 : 0);
        this.fixedOverhead = parser.fixedOverhead();
    }

    /**
     * Transforms one record value.
     *
     * @param value the record value, UTF-8 JSON (null, a tombstone, is rejected as empty)
     * @return the new value, a fresh array the caller owns
     * @throws VectorRejectedException with the reason if the value cannot be transformed; nothing else
     *     is thrown for any input
     */
    public byte[] transform(@Nullable byte[] value) throws VectorRejectedException {
        parser.parse(value);
        parser.checkOutputsAbsent();
        int n = parser.length();
        double[] x = parser.features();
        checkFiniteResults(x);
        pass.apply(x, n);

        out.reset();
        // Every member fits in what it took in the input; each number in MAX_DOUBLE_LENGTH and a comma,
        // each row in its brackets.
        long numbers = (long) arrays * n * (OutputBuffer.MAX_DOUBLE_LENGTH + 1);
        out.reserve(value.length + fixedOverhead + parser.inputCopyBytes() + 2L * arrays * parser.rows() + numbers);
        parser.write(out, value, x, mode == OutputMode.BOTH ? pass.derivatives() : null,
                alphaGradient ? pass.alphaGradients() : null, copyPositives, float32);
        lastLength = n;
        lastNonPositiveCount = parser.nonPositiveCount();
        return out.toByteArray();
    }

    /** Number of elements of the last successfully transformed record, all its selected arrays (for metrics); 0 before any. */
    public int lastLength() {
        return lastLength;
    }

    /**
     * Number of elements {@code <= 0} (those that take the activation's exponential branch) of the
     * last successfully transformed record, counted on the input (for metrics); 0 before any.
     */
    public int lastNonPositiveCount() {
        return lastNonPositiveCount;
    }

    /**
     * Rejects a vector with an element whose f(x) would be infinite in the precision (SELU's scale*x
     * above 1.71e308; in float32 any x above the largest float), which JSON cannot carry: only
     * activations and precisions that can overflow pay for the scan.
     */
    private void checkFiniteResults(double[] x) throws VectorRejectedException {
        if (maxFiniteInput == Double.MAX_VALUE) {
            return;
        }
        for (FeatureVectorJsonParser.Leaf leaf : parser.leaves()) {
            for (int k = 0; k < leaf.count; k++) {
                double v = x[leaf.offset + k];
                if (v > maxFiniteInput) {
                    throw new VectorRejectedException(RejectKind.NUMBER_NOT_FINITE, leaf.element(k) + " = " + v
                            + " is too large for activation " + activation.kind().id() + ": f(x) would not fit a finite "
                            + (float32 ? "float32 (precision float32)" : "double") + " (the largest x it takes is "
                            + maxFiniteInput + ")");
                }
            }
        }
    }
}
