package dev.elustream.codec;

import static dev.elustream.codec.RawTensors.FLOAT32_BE;
import static dev.elustream.codec.RawTensors.FLOAT32_LE;
import static dev.elustream.codec.RawTensors.FLOAT64_BE;
import static dev.elustream.codec.RawTensors.FLOAT64_LE;

import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ActivationFunction;
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
    public RawTensorTransformer(ActivationFunction activation, OutputMode mode, boolean alphaGradient, int dimension,
            int maxDimension, ElementType elementType, Endianness byteOrder) {
        this(activation, mode, alphaGradient, dimension, maxDimension, elementType, byteOrder,
                RawTensors.MAX_ARRAY_LENGTH);
    }

    /** With a smaller limit for the output than a byte array's, so that tests can reach it. */
    RawTensorTransformer(ActivationFunction activation, OutputMode mode, boolean alphaGradient, int dimension,
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
        int nonPositive = elementType == ElementType.FLOAT64 ? readFloat64(value, n) : readFloat32(value, n);
        pass.checkFiniteResults(x, n, elementType);
        pass.apply(x, n);

        byte[] out = new byte[(int) outputLength];
        int offset = write(x, n, out, 0);
        if (mode == OutputMode.BOTH) {
            offset = write(pass.derivatives(), n, out, offset);
        }
        if (alphaGradient) {
            write(pass.alphaGradients(), n, out, offset);
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

    // One loop per byte order, each on its own constant VarHandle: a handle chosen at run time
    // would not be inlined.

    /** Reads n float64 values into x, refusing NaN and infinities; returns how many are {@code <= 0}. */
    private int readFloat64(byte[] value, int n) throws VectorRejectedException {
        double[] x = this.x;
        int nonPositive = 0;
        if (bigEndian) {
            for (int i = 0, offset = 0; i < n; i++, offset += 8) {
                double v = (double) FLOAT64_BE.get(value, offset);
                if (!Double.isFinite(v)) {
                    throw notFinite(i, Double.toString(v));
                }
                x[i] = v;
                nonPositive += v <= 0.0 ? 1 : 0;
            }
        } else {
            for (int i = 0, offset = 0; i < n; i++, offset += 8) {
                double v = (double) FLOAT64_LE.get(value, offset);
                if (!Double.isFinite(v)) {
                    throw notFinite(i, Double.toString(v));
                }
                x[i] = v;
                nonPositive += v <= 0.0 ? 1 : 0;
            }
        }
        return nonPositive;
    }

    /** Reads n float32 values, widened exactly, into x, refusing NaN and infinities; returns how many are {@code <= 0}. */
    private int readFloat32(byte[] value, int n) throws VectorRejectedException {
        double[] x = this.x;
        int nonPositive = 0;
        if (bigEndian) {
            for (int i = 0, offset = 0; i < n; i++, offset += 4) {
                float v = (float) FLOAT32_BE.get(value, offset);
                if (!Float.isFinite(v)) {
                    throw notFinite(i, Float.toString(v));
                }
                x[i] = v;
                nonPositive += v <= 0.0f ? 1 : 0;
            }
        } else {
            for (int i = 0, offset = 0; i < n; i++, offset += 4) {
                float v = (float) FLOAT32_LE.get(value, offset);
                if (!Float.isFinite(v)) {
                    throw notFinite(i, Float.toString(v));
                }
                x[i] = v;
                nonPositive += v <= 0.0f ? 1 : 0;
            }
        }
        return nonPositive;
    }

    private VectorRejectedException notFinite(int index, String value) {
        return new VectorRejectedException(RejectKind.NUMBER_NOT_FINITE, "features[" + index + "] = " + value
                + " is not finite: " + formatId + " values must be finite " + elementType.label() + " numbers");
    }

    /** Writes n values from offset in the element type and byte order (float32: each rounded once); returns the end. */
    private int write(double[] values, int n, byte[] out, int offset) {
        if (elementType == ElementType.FLOAT64) {
            if (bigEndian) {
                for (int i = 0; i < n; i++, offset += 8) {
                    FLOAT64_BE.set(out, offset, values[i]);
                }
            } else {
                for (int i = 0; i < n; i++, offset += 8) {
                    FLOAT64_LE.set(out, offset, values[i]);
                }
            }
        } else {
            if (bigEndian) {
                for (int i = 0; i < n; i++, offset += 4) {
                    FLOAT32_BE.set(out, offset, (float) values[i]);
                }
            } else {
                for (int i = 0; i < n; i++, offset += 4) {
                    FLOAT32_LE.set(out, offset, (float) values[i]);
                }
            }
        }
        return offset;
    }
}
