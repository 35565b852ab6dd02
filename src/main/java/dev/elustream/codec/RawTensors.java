package dev.elustream.codec;

import dev.elustream.codec.BinaryVectors.ElementType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * The raw tensor wire formats ({@code raw-float32}, {@code raw-float64}): a value is nothing but its
 * elements, 4 or 8 bytes each in the job's byte order, as numpy's {@code x.astype('<f4').tobytes()}
 * writes them; the record's key carries the id. The job's output is f(x), then f'(x) in mode both,
 * then df/dalpha with the alpha gradient, concatenated in the same element type and byte order, so
 * that {@code numpy.frombuffer(value, '<f4').reshape(-1, n)} has one row per block. An encoder for
 * producers and a decoder for consumers (and tests).
 */
public final class RawTensors {

    static final VarHandle FLOAT32_LE = BinaryVectors.FLOAT32;
    static final VarHandle FLOAT64_LE = BinaryVectors.FLOAT64;
    static final VarHandle FLOAT32_BE = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.BIG_ENDIAN);
    static final VarHandle FLOAT64_BE = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.BIG_ENDIAN);

    /** Leaves room for the JVM's array header, as ArrayList does. */
    static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private RawTensors() {}

    /** Encodes an input vector as raw float64 elements in the given byte order. */
    public static byte[] encode(double[] values, Endianness byteOrder) {
        Objects.requireNonNull(byteOrder, "byteOrder");
        byte[] out = new byte[checkLength(values.length, 8) * 8];
        VarHandle handle = byteOrder == Endianness.BIG_ENDIAN ? FLOAT64_BE : FLOAT64_LE;
        for (int i = 0; i < values.length; i++) {
            handle.set(out, 8 * i, values[i]);
        }
        return out;
    }

    /** Encodes an input vector as raw float32 elements in the given byte order. */
    public static byte[] encode(float[] values, Endianness byteOrder) {
        Objects.requireNonNull(byteOrder, "byteOrder");
        byte[] out = new byte[checkLength(values.length, 4) * 4];
        VarHandle handle = byteOrder == Endianness.BIG_ENDIAN ? FLOAT32_BE : FLOAT32_LE;
        for (int i = 0; i < values.length; i++) {
            handle.set(out, 4 * i, values[i]);
        }
        return out;
    }

    /**
     * Decodes a raw value, input or output, into its elements widened to double (exactly, for
     * float32); they may be NaN or infinite, which only the job refuses.
     *
     * @throws IllegalArgumentException with the reason the job would give, if the value is empty or
     *     its length is not a multiple of the element size
     */
    public static double[] decode(byte[] value, ElementType elementType, Endianness byteOrder) {
        int n;
        try {
            n = elementCount(value, elementType, byteOrder);
        } catch (VectorRejectedException e) {
            throw new IllegalArgumentException(e.reason());
        }
        double[] out = new double[n];
        if (elementType == ElementType.FLOAT64) {
            VarHandle handle = byteOrder == Endianness.BIG_ENDIAN ? FLOAT64_BE : FLOAT64_LE;
            for (int i = 0; i < n; i++) {
                out[i] = (double) handle.get(value, 8 * i);
            }
        } else {
            VarHandle handle = byteOrder == Endianness.BIG_ENDIAN ? FLOAT32_BE : FLOAT32_LE;
            for (int i = 0; i < n; i++) {
                out[i] = (float) handle.get(value, 4 * i);
            }
        }
        return out;
    }

    /**
     * Decodes a job's output into its blocks: {@code [0]} f(x), then f'(x) (mode both), then
     * df/dalpha (alpha-gradient), as many as the job writes.
     *
     * @param blocks how many blocks the job writes: 1 (mode activation), 2 (mode both, or mode
     *     activation with the alpha gradient) or 3 (mode both with the alpha gradient)
     * @throws IllegalArgumentException if the value is not {@code blocks} blocks of equal length
     */
    public static double[][] decode(byte[] value, ElementType elementType, Endianness byteOrder, int blocks) {
        if (blocks < 1) {
            throw new IllegalArgumentException("blocks must be >= 1, got " + blocks);
        }
        double[] all = decode(value, elementType, byteOrder);
        if (all.length % blocks != 0) {
            throw new IllegalArgumentException("value has " + all.length + " elements, not " + blocks
                    + " blocks of equal length");
        }
        int n = all.length / blocks;
        double[][] out = new double[blocks][n];
        for (int b = 0; b < blocks; b++) {
            System.arraycopy(all, b * n, out[b], 0, n);
        }
        return out;
    }

    /** The format's name in configuration and reasons, e.g. {@code raw-float32}. */
    static String formatId(ElementType elementType) {
        return "raw-" + elementType.label();
    }

    /**
     * The number of elements of a raw value: its length over the element size.
     *
     * @throws VectorRejectedException if it is null, empty, or not a whole number of elements long
     */
    static int elementCount(@Nullable byte[] value, ElementType elementType, Endianness byteOrder)
            throws VectorRejectedException {
        int size = elementType.size();
        if (value == null || value.length == 0) {
            throw new VectorRejectedException(RejectKind.EMPTY, "value is empty: expected raw " + elementType.label()
                    + " elements (" + size + " bytes each, " + byteOrder.id() + ")");
        }
        if (value.length % size != 0) {
            throw new VectorRejectedException(RejectKind.WRONG_LENGTH, "value is " + value.length
                    + (value.length == 1 ? " byte" : " bytes") + ", not a multiple of " + size + " ("
                    + formatId(elementType) + ": " + size + " bytes per element)");
        }
        return value.length / size;
    }

    private static int checkLength(int n, int size) {
        if (n < 1) {
            throw new IllegalArgumentException("a raw tensor has at least 1 element, got " + n);
        }
        if (n > MAX_ARRAY_LENGTH / size) {
            throw new IllegalArgumentException("a raw tensor of " + n + " elements would not fit a byte array");
        }
        return n;
    }
}
