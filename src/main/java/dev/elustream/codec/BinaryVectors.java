package dev.elustream.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * The binary wire format of a feature vector ("EV", version 1), with an encoder for producers and a
 * decoder for consumers (and tests). The record's key carries the id; there are no passthrough fields.
 *
 * <pre>
 * offset size field
 * 0      2    magic 0x45 0x56 ("EV")
 * 2      1    version = 1
 * 3      1    element type: 1 = float64, 2 = float32
 * 4      1    sections (bit set): 1 = values, 2 = derivative, 4 = alpha gradient
 * 5      3    reserved, must be 0
 * 8      4    count n, unsigned 32-bit little-endian (n &gt;= 1)
 * 12     ...  one block of n little-endian values per section present, in bit order
 * </pre>
 *
 * <p>A value is exactly {@code 12 + sections * n * size} bytes long (size 8 for float64, 4 for
 * float32). An input carries the values section alone (the features); the job's output carries the
 * values (f(x)), then the derivative in mode both, then the alpha gradient if asked for, in the
 * input's element type.
 */
public final class BinaryVectors {

    /** Length of the header, before the first block of values. */
    public static final int HEADER_BYTES = 12;
    /** The first two bytes, "EV", read big-endian. */
    public static final int MAGIC = 0x4556;
    /** The format version this code reads and writes. */
    public static final int VERSION = 1;
    /** Section bit: the values (the features in an input, f(x) in an output). */
    public static final int SECTION_VALUES = 1;
    /** Section bit: f'(x). */
    public static final int SECTION_DERIVATIVE = 2;
    /** Section bit: df/dalpha. */
    public static final int SECTION_ALPHA_GRADIENT = 4;

    static final VarHandle FLOAT64 = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle FLOAT32 = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private static final int ALL_SECTIONS = SECTION_VALUES | SECTION_DERIVATIVE | SECTION_ALPHA_GRADIENT;

    private BinaryVectors() {}

    /** The type of every element of a binary vector, byte 3 of its header. */
    public enum ElementType {
        /** IEEE 754 binary64, 8 bytes. */
        FLOAT64(1, 8),
        /** IEEE 754 binary32, 4 bytes; the job computes in double and rounds each result once. */
        FLOAT32(2, 4);

        private final int code;
        private final int size;

        ElementType(int code, int size) {
            this.code = code;
            this.size = size;
        }

        /** Its code in the header. */
        public int code() {
            return code;
        }

        /** Bytes per element. */
        public int size() {
            return size;
        }

        /** The name used in reasons and configuration, e.g. {@code float32}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A decoded binary vector, elements widened to double (exactly, for float32).
     *
     * @param elementType the element type it was written in
     * @param values the values section
     * @param derivatives the derivative section, or null if absent
     * @param alphaGradients the alpha-gradient section, or null if absent
     */
    public record Decoded(ElementType elementType, double[] values, @Nullable double[] derivatives,
            @Nullable double[] alphaGradients) {

        public Decoded {
            Objects.requireNonNull(elementType, "elementType");
            Objects.requireNonNull(values, "values");
        }
    }

    /** Encodes an input vector: float64, the values section only. */
    public static byte[] encode(double[] values) {
        byte[] out = newValue(ElementType.FLOAT64, SECTION_VALUES, checkLength(values.length));
        for (int i = 0; i < values.length; i++) {
            FLOAT64.set(out, HEADER_BYTES + 8 * i, values[i]);
        }
        return out;
    }

    /** Encodes an input vector: float32, the values section only. */
    public static byte[] encode(float[] values) {
        byte[] out = newValue(ElementType.FLOAT32, SECTION_VALUES, checkLength(values.length));
        for (int i = 0; i < values.length; i++) {
            FLOAT32.set(out, HEADER_BYTES + 4 * i, values[i]);
        }
        return out;
    }

    /**
     * Decodes a binary vector, input or output (values plus any of derivative and alpha gradient);
     * its elements may be NaN or infinite, which only the job refuses.
     *
     * @throws IllegalArgumentException with the reason the job would give, if the value is not a
     *     well-formed binary vector
     */
    public static Decoded decode(byte[] value) {
        int n;
        try {
            n = checkHeader(value, false, 0, Integer.MAX_VALUE);
        } catch (VectorRejectedException e) {
            throw new IllegalArgumentException(e.reason());
        }
        ElementType type = elementType(value);
        int sections = value[4];
        int offset = HEADER_BYTES;
        double[][] blocks = new double[3][];
        for (int bit = 0; bit < 3; bit++) {
            if ((sections & (1 << bit)) == 0) {
                continue;
            }
            double[] block = new double[n];
            for (int i = 0; i < n; i++, offset += type.size) {
                block[i] = type == ElementType.FLOAT64
                        ? (double) FLOAT64.get(value, offset)
                        : (float) FLOAT32.get(value, offset);
            }
            blocks[bit] = block;
        }
        return new Decoded(type, blocks[0], blocks[1], blocks[2]);
    }

    /** A value of the right length for n elements in the given sections, with its header written. */
    static byte[] newValue(ElementType type, int sections, int n) {
        byte[] out = new byte[HEADER_BYTES + Integer.bitCount(sections) * n * type.size];
        out[0] = (byte) (MAGIC >>> 8);
        out[1] = (byte) MAGIC;
        out[2] = VERSION;
        out[3] = (byte) type.code;
        out[4] = (byte) sections;
        INT32.set(out, 8, n);
        return out;
    }

    /** The element type of a value whose header {@link #checkHeader} accepted. */
    static ElementType elementType(byte[] value) {
        return value[3] == 1 ? ElementType.FLOAT64 : ElementType.FLOAT32;
    }

    /**
     * Checks a binary value's header and length, in the order of the README's reject table.
     *
     * @param input true for a job's input (the values section only), false for any valid sections
     * @param dimension the required count, or 0 for any
     * @param maxDimension the largest count accepted
     * @return the count n
     */
    static int checkHeader(@Nullable byte[] value, boolean input, int dimension, int maxDimension)
            throws VectorRejectedException {
        if (value == null || value.length == 0) {
            throw new VectorRejectedException(RejectKind.EMPTY,
                    "value is empty: expected a binary vector (\"EV\" header and values)");
        }
        if (value.length >= 2) {
            int magic = (value[0] & 0xFF) << 8 | value[1] & 0xFF;
            if (magic != MAGIC) {
                throw new VectorRejectedException(RejectKind.BAD_MAGIC, String.format(Locale.ROOT,
                        "bad magic 0x%04x (expected 0x%04x \"EV\"): %s", magic, MAGIC, looksLikeJson(value[0])
                                ? "is this a JSON record on a binary job?" : "not a binary vector"));
            }
        }
        if (value.length < HEADER_BYTES) {
            throw new VectorRejectedException(RejectKind.WRONG_LENGTH, "value is " + value.length
                    + (value.length == 1 ? " byte" : " bytes") + ", shorter than the 12-byte header of a binary vector");
        }
        if (value[2] != VERSION) {
            throw new VectorRejectedException(RejectKind.UNSUPPORTED_VERSION, "unsupported version " + (value[2] & 0xFF)
                    + " of the binary format (this job reads version " + VERSION + ")");
        }
        if (value[3] != 1 && value[3] != 2) {
            throw new VectorRejectedException(RejectKind.UNKNOWN_ELEMENT_TYPE, "unknown element type "
                    + (value[3] & 0xFF) + " (expected 1 = float64 or 2 = float32)");
        }
        if (value[5] != 0 || value[6] != 0 || value[7] != 0) {
            throw new VectorRejectedException(RejectKind.INVALID_HEADER, String.format(Locale.ROOT,
                    "reserved header bytes 5-7 must be 0, got 0x%02x 0x%02x 0x%02x", value[5], value[6], value[7]));
        }
        int sections = value[4] & 0xFF;
        if (input && sections != SECTION_VALUES) {
            throw new VectorRejectedException(RejectKind.INVALID_HEADER, String.format(Locale.ROOT,
                    "sections 0x%02x, expected 0x01 (values only): an input carries the features alone", sections));
        }
        if ((sections & SECTION_VALUES) == 0 || (sections & ~ALL_SECTIONS) != 0) {
            throw new VectorRejectedException(RejectKind.INVALID_HEADER, String.format(Locale.ROOT,
                    "sections 0x%02x, expected values (0x01) plus any of derivative (0x02) and alpha gradient (0x04)",
                    sections));
        }
        long count = Integer.toUnsignedLong((int) INT32.get(value, 8));
        if (count == 0) {
            throw new VectorRejectedException(RejectKind.FEATURES_EMPTY, "count is 0: a binary vector has at least 1 value");
        }
        if (count > maxDimension) {
            throw new VectorRejectedException(RejectKind.TOO_MANY_ELEMENTS,
                    "count is " + count + ", more than " + maxDimension + " elements (max-dimension)");
        }
        if (dimension != 0 && count != dimension) {
            throw new VectorRejectedException(RejectKind.WRONG_DIMENSION,
                    "count is " + count + ", expected " + dimension + " (dimension)");
        }
        ElementType type = elementType(value);
        int blocks = Integer.bitCount(sections);
        long expected = HEADER_BYTES + blocks * count * type.size;
        if (value.length != expected) {
            throw new VectorRejectedException(RejectKind.WRONG_LENGTH, "value is " + value.length + " bytes, expected "
                    + expected + " for " + count + " " + type.label() + " values (12 + "
                    + (blocks == 1 ? "" : blocks + " x ") + count + " x " + type.size + ")");
        }
        return (int) count;
    }

    private static boolean looksLikeJson(byte first) {
        return first == '{' || first == '[' || first == ' ' || first == '\t' || first == '\r' || first == '\n';
    }

    private static int checkLength(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("a binary vector has at least 1 value, got " + n);
        }
        // 12 + n * 8 must fit a Java array
        if (n > (Integer.MAX_VALUE - 64) / 8) {
            throw new IllegalArgumentException("a binary vector of " + n + " values would not fit a byte array");
        }
        return n;
    }
}
