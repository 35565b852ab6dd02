package dev.elustream.codec;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.util.Arrays;

/** A growable byte buffer for one output value, reused across records; writes JSON numbers itself. */
final class OutputBuffer {

    /** The longest double {@link #appendDouble} writes, e.g. {@code -2.2250738585072014E-308}. */
    static final int MAX_DOUBLE_LENGTH = DoubleWriter.MAX_LENGTH;
    /** The longest float {@link #appendFloat} writes, e.g. {@code -1.00000075E-36}. */
    static final int MAX_FLOAT_LENGTH = FloatWriter.MAX_LENGTH;

    /** Arrays a little shorter than Integer.MAX_VALUE are what every JVM allocates. */
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private static final byte[] NEGATIVE_ZERO = {'-', '0', '.', '0'};

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
        // Small integers (every derivative 1.0 of a positive input) take a shorter path: their form is plain.
        if (d == (int) d && d > -1e7 && d < 1e7) {
            appendSmallInteger((int) d, d == 0.0 && Double.doubleToRawLongBits(d) != 0L);
            return;
        }
        // The shortest round-trip digits, written in place (JDK 17's Double.toString is round-trip
        // exact too but sometimes longer, slower, and allocates a String per number).
        size = DoubleWriter.write(d, buf, size);
    }

    /**
     * Appends {@code f} in the form of JDK 19+'s {@code Float.toString} (shortest digits that parse back
     * to exactly {@code f}, e.g. {@code 1.0}, {@code -0.0}, {@code 1.0E-5}), at most {@link
     * #MAX_FLOAT_LENGTH} bytes, without allocating; room for {@link #MAX_FLOAT_LENGTH} bytes must have been
     * reserved (the writer may use all of it as scratch). {@code f} must be finite: NaN and infinities are
     * not JSON.
     */
    void appendFloat(float f) {
        // Float.toString too turns to the E form at 10^7, and every float integer below it is an int.
        if (f == (int) f && f > -1e7f && f < 1e7f) {
            appendSmallInteger((int) f, f == 0.0f && Float.floatToRawIntBits(f) != 0);
            return;
        }
        // JDK 17's Float.toString is not always the shortest (fixed in JDK 19), and allocates.
        size = FloatWriter.write(f, buf, size);
    }

    /** Appends the plain form of an integer of magnitude below 10^7, {@code n.0}, or {@code -0.0}. */
    private void appendSmallInteger(int n, boolean negativeZero) {
        if (negativeZero) {
            append(NEGATIVE_ZERO, 0, NEGATIVE_ZERO.length);
            return;
        }
        size = NumberOutput.outputInt(n, buf, size);
        buf[size++] = '.';
        buf[size++] = '0';
    }

    /** A copy of the bytes written since the last {@link #reset}, which the caller owns. */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
