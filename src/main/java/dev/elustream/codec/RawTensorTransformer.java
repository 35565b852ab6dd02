package dev.elustream.codec;


import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ArrayActivation;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * Transforms raw tensor values ({@link RawTensors}: the elements alone, no header): an input of n
 * elements x becomes f(x), then f'(x) (mode both), then df/dalpha (if asked for), concatenated in
 * the same element type and byte order (float32 results are computed in double and rounded once);
 * a value that cannot be transformed throws {@link VectorRejectedException} with the reason (for
 * the dead-letter topic).
 *
 * <p>Not thread-safe: one instance per thread/operator, which reuses its buffers across records and
 * allocates only the output array per record.
 */
public final class RawTensorTransformer implements VectorTransformer {

    private final OutputMode mode;
    private final boolean alphaGradient;
    private final int dimension;
    private final int maxDimension;
    private final ElementType elementType;
    private final Endianness byteOrder;
    private final boolean bigEndian;
    private final int outputBlocks;
    private final long maxOutputBytes;
    private final String formatId;
    private final ActivationPass pass;
    private double[] x = new double[0];
    private int lastLength;
    private int lastNonPositiveCount;

    /**
     * @param activation the activation, e.g. {@code Activations.of(ActivationKind.CELU, 0.5)}
     * @param mode whether the derivative block is written too
     * @param alphaGradient whether an alpha-gradient block with df/dalpha is written too
     * @param dimension the required element count, or 0 for any count up to {@code maxDimension}
     * @param maxDimension the largest element count accepted, at least 1
     * @param elementType float32 ({@code raw-float32}) or float64 ({@code raw-float64}), in and out
     * @param byteOrder the byte order of the elements, in and out
     * @throws IllegalArgumentException if {@code maxDimension < 1} or {@code dimension} is negative or
     *     above {@code maxDimension}
     * @throws NullPointerException if {@code activation}, {@code mode}, {@code elementType} or
     *     {@code byteOrder} is null
     */
    public RawTensorTransformer(ArrayActivation activation, OutputMode mode, boolean alphaGradient, int dimension,
            int maxDimension, ElementType elementType, Endianness byteOrder) {
        this(activation, mode, alphaGradient, dimension, maxDimension, elementType, byteOrder,
                RawTensors.MAX_ARRAY_LENGTH);
    }

    /** With a smaller limit for the output than a byte array's, so that tests can reach it. */
    RawTensorTransformer(ArrayActivation activation, OutputMode mode, boolean alphaGradient, int dimension,
            int maxDimension, ElementType elementType, Endianness byteOrder, long maxOutputBytes) {
        Objects.requireNonNull(activation, "activation");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.elementType = Objects.requireNonNull(elementType, "elementType");
        this.byteOrder = Objects.requireNonNull(byteOrder, "byteOrder");
        if (maxDimension < 1) {
            throw new IllegalArgumentException("maxDimension must be >= 1, got " + maxDimension);
        }
        if (dimension < 0 || dimension > maxDimension) {
            throw new IllegalArgumentException("dimension must be 0 (any) or between 1 and maxDimension ("
                    + maxDimension + "), got " + dimension);
        }
        this.alphaGradient = alphaGradient;
        this.dimension = dimension;
        this.maxDimension = maxDimension;
        this.bigEndian = byteOrder == Endianness.BIG_ENDIAN;
        this.outputBlocks = 1 + (mode == OutputMode.BOTH ? 1 : 0) + (alphaGradient ? 1 : 0);
        this.maxOutputBytes = maxOutputBytes;
        this.formatId = RawTensors.formatId(elementType);
        this.pass = new ActivationPass(activation, mode, alphaGradient);
    }

    @Override
    public byte[] transform(@Nullable byte[] value) throws VectorRejectedException {
        int n = RawTensors.elementCount(value, elementType, byteOrder);
        if (n > maxDimension) {
            throw new VectorRejectedException(RejectKind.TOO_MANY_ELEMENTS,
                    "value has " + n + " elements, more than " + maxDimension + " (max-dimension)");
        }
        if (dimension != 0 && n != dimension) {
            throw new VectorRejectedException(RejectKind.WRONG_DIMENSION,
                    "value has " + n + " elements, expected " + dimension + " (dimension)");
        }
        long outputLength = (long) outputBlocks * value.length;
        if (outputLength > maxOutputBytes) {
            throw new VectorRejectedException(RejectKind.OUTPUT_TOO_LARGE, "the transformed value would be larger than"
                    + " a byte array can hold (" + outputLength + " bytes): send shorter vectors");
        }
        if (x.length < n) {
            x = new double[n];
        }
        int nonPositive = ElementBlocks.read(value, 0, n, elementType, bigEndian, x, formatId);
        pass.checkFiniteResults(x, n, elementType);
        pass.apply(x, n);

        byte[] out = new byte[(int) outputLength];
        int offset = ElementBlocks.write(x, n, elementType, bigEndian, out, 0);
        if (mode == OutputMode.BOTH) {
            offset = ElementBlocks.write(pass.derivatives(), n, elementType, bigEndian, out, offset);
        }
        if (alphaGradient) {
            ElementBlocks.write(pass.alphaGradients(), n, elementType, bigEndian, out, offset);
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
