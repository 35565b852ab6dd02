package dev.elustream.codec;

import java.util.Arrays;

/** A growable byte buffer for one output value, reused across records; writes JSON numbers itself. */
final class OutputBuffer {

    /** The longest double {@link #appendDouble} writes, e.g. {@code -2.2250738585072014E-308}. */
    static final int MAX_DOUBLE_LENGTH = DoubleWriter.MAX_LENGTH;
    /** The longest float {@link #appendFloat} writes, e.g. {@code -1.00000075E-36}. */
    static final int MAX_FLOAT_LENGTH = FloatWriter.MAX_LENGTH;

    /** Arrays a little shorter than Integer.MAX_VALUE are what every JVM allocates. */
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private byte[] buf;
    private int size;

    OutputBuffer(int initialCapacity) {
        buf = new byte[initialCapacity];
    }

    void reset() {
        size = 0;
    }

    int size() {
        return size;
    }

    /**
     * Makes room for {@code extra} more bytes, so that the appends that follow need no checks.
     *
     * @throws VectorRejectedException if the value would not fit a Java array
     */
    void reserve(long extra) throws VectorRejectedException {
        long needed = size + extra;
        if (needed <= buf.length) {
            return;
        }
        if (needed > MAX_ARRAY_LENGTH) {
            throw new VectorRejectedException(RejectKind.OUTPUT_TOO_LARGE, "the transformed value would be larger than the largest byte array"
                    + " (" + MAX_ARRAY_LENGTH + " bytes); send shorter vectors");
        }
        buf = Arrays.copyOf(buf, (int) Math.min(MAX_ARRAY_LENGTH, Math.max(needed, 2L * buf.length)));
    }

    /** Appends one byte; room must have been reserved. */
    void append(byte b) {
        buf[size++] = b;
    }

    /** Appends {@code length} bytes of {@code src} from {@code offset}; room must have been reserved. */
    void append(byte[] src, int offset, int length) {
        System.arraycopy(src, offset, buf, size, length);
        size += length;
    }

    /**
     * Appends {@code d} in the form of {@code Double.toString} (shortest digits that parse back to exactly
     * {@code d}, e.g. {@code 1.0}, {@code -0.0}, {@code 1.0E-300}), at most {@link #MAX_DOUBLE_LENGTH}
     * bytes, without allocating; room for {@link #MAX_DOUBLE_LENGTH} bytes must have been reserved (the
     * writer may use all of it as scratch). {@code d} must be finite: NaN and infinities are not JSON.
     */
    void appendDouble(double d) {
        size = writeDouble(d, buf, size);
    }

    /**
     * {@link #appendDouble} into {@code buf} at {@code pos}, for a caller that writes into {@link
     * #array()} itself; returns the index after the number.
     */
    static int writeDouble(double d, byte[] buf, int pos) {
        // 1.0, the derivative of every positive input, as a constant. (A test d == (int) d for every
        // small integer took 7% of the JSON transform: the conversion's checks for NaN and overflow.)
        if (d == 1.0) {
            return writeOne(buf, pos);
        }
        // The shortest round-trip digits, written in place (JDK 17's Double.toString is round-trip
        // exact too but sometimes longer, slower, and allocates a String per number).
        return DoubleWriter.write(d, buf, pos);
    }

    /**
     * Appends {@code f} in the form of JDK 19+'s {@code Float.toString} (shortest digits that parse back
     * to exactly {@code f}, e.g. {@code 1.0}, {@code -0.0}, {@code 1.0E-5}), at most {@link
     * #MAX_FLOAT_LENGTH} bytes, without allocating; room for {@link #MAX_FLOAT_LENGTH} bytes must have been
     * reserved (the writer may use all of it as scratch). {@code f} must be finite: NaN and infinities are
     * not JSON.
     */
    void appendFloat(float f) {
        size = writeFloat(f, buf, size);
    }

    /** {@link #appendFloat} into {@code buf} at {@code pos}; returns the index after the number. */
    static int writeFloat(float f, byte[] buf, int pos) {
        if (f == 1.0f) {
            return writeOne(buf, pos);
        }
        // JDK 17's Float.toString is not always the shortest (fixed in JDK 19), and allocates.
        return FloatWriter.write(f, buf, pos);
    }

    /** {@code 1.0}, the text of 1 in either precision. */
    private static int writeOne(byte[] buf, int pos) {
        buf[pos] = '1';
        buf[pos + 1] = '.';
        buf[pos + 2] = '0';
        return pos + 3;
    }

    /**
     * The array behind the buffer, for a caller that writes into it directly from {@link #size()} and
     * then sets {@link #size(int)}; valid until the next {@link #reserve}, within the room reserved.
     */
    byte[] array() {
        return buf;
    }

    /** Sets the size after writing into {@link #array()} directly; at most its length. */
    void size(int newSize) {
        if (newSize < size || newSize > buf.length) {
            throw new IllegalArgumentException("size " + newSize + " outside [" + size + ", " + buf.length + "]");
        }
        size = newSize;
    }

    /** A copy of the bytes written since the last {@link #reset}, which the caller owns. */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
