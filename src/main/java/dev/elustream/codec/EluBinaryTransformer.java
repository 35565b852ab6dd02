package dev.elustream.codec;

import static dev.elustream.codec.BinaryVectors.HEADER_BYTES;

import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ArrayActivation;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * Transforms binary record values ({@link BinaryVectors}): an input with the values section x
 * becomes an output with the sections f(x), f'(x) (mode both) and df/dalpha (if asked for), in the
 * input's element type (float32 results are computed in double and rounded once); a value that
 * cannot be transformed throws {@link VectorRejectedException} with the reason (for the dead-letter
 * topic).
 *
 * <p>Not thread-safe: one instance per thread/operator, which reuses its buffers across records and
 * allocates only the output array per record.
 */
public final class EluBinaryTransformer implements VectorTransformer {

    /** Leaves room for the JVM's array header, as ArrayList does. */
    private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private final OutputMode mode;
    private final boolean alphaGradient;
    private final int dimension;
    private final int maxDimension;
    private final int outputSections;
    private double[] x = new double[0];
    private final ActivationPass pass;
    private int lastLength;
    private int lastNonPositiveCount;

    /**
     * @param activation the activation, e.g. {@code Activations.of(ActivationKind.CELU, 0.5)}
     * @param mode whether the derivative section is written too
     * @param alphaGradient whether an alpha-gradient section with df/dalpha is written too
     * @param dimension the required count, or 0 for any count up to {@code maxDimension}
     * @param maxDimension the largest count accepted, at least 1
     * @throws IllegalArgumentException if {@code maxDimension < 1} or {@code dimension} is negative or
     *     above {@code maxDimension}
     * @throws NullPointerException if {@code activation} or {@code mode} is null
     */
    public EluBinaryTransformer(
            ArrayActivation activation, OutputMode mode, boolean alphaGradient, int dimension, int maxDimension) {
        Objects.requireNonNull(activation, "activation");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.alphaGradient = alphaGradient;
        this.pass = new ActivationPass(activation, this.mode, alphaGradient);
        if (maxDimension < 1) {
            throw new IllegalArgumentException("maxDimension must be >= 1, got " + maxDimension);
        }
        if (dimension < 0 || dimension > maxDimension) {
            throw new IllegalArgumentException("dimension must be 0 (any) or between 1 and maxDimension ("
                    + maxDimension + "), got " + dimension);
        }
        this.dimension = dimension;
        this.maxDimension = maxDimension;
        this.outputSections = BinaryVectors.SECTION_VALUES
                | (mode == OutputMode.BOTH ? BinaryVectors.SECTION_DERIVATIVE : 0)
                | (alphaGradient ? BinaryVectors.SECTION_ALPHA_GRADIENT : 0);
    }

    @Override
    public byte[] transform(@Nullable byte[] value) throws VectorRejectedException {
        int n = BinaryVectors.checkHeader(value, true, dimension, maxDimension);
        ElementType type = BinaryVectors.elementType(value);
        long outputLength = HEADER_BYTES + (long) Integer.bitCount(outputSections) * n * type.size();
        if (outputLength > MAX_ARRAY_LENGTH) {
            throw new VectorRejectedException(RejectKind.OUTPUT_TOO_LARGE, "the transformed value would be larger than"
                    + " a byte array can hold (" + outputLength + " bytes): send shorter vectors");
        }
        if (x.length < n) {
            x = new double[n];
        }
        int nonPositive = ElementBlocks.read(value, HEADER_BYTES, n, type, false, x, "binary");
        pass.checkFiniteResults(x, n, type);
        pass.apply(x, n);

        byte[] out = BinaryVectors.newValue(type, outputSections, n);
        int offset = ElementBlocks.write(x, n, type, false, out, HEADER_BYTES);
        if (mode == OutputMode.BOTH) {
            offset = ElementBlocks.write(pass.derivatives(), n, type, false, out, offset);
        }
        if (alphaGradient) {
            ElementBlocks.write(pass.alphaGradients(), n, type, false, out, offset);
        }
        lastLength = n;
        lastNonPositiveCount = nonPositive;
        return out;
    }

    @Override
    public int lastLength() {
        return lastLength;
    }

    @Override
    public int lastNonPositiveCount() {
        return lastNonPositiveCount;
    }
}
