package dev.elustream.codec;

/**
 * Writes a finite float as the shortest decimal that reads back as exactly that float, in the form of
 * JDK 19+'s {@code Float.toString} (and Jackson's {@code NumberOutput.toString(f, true)}): {@code 1.0},
 * {@code -0.0}, {@code 0.001}, {@code 1.0E-5}, {@code 3.4028235E38}; straight into a byte array, without
 * allocating.
 *
 * <p>The digits come from {@link DoubleWriter}'s Schubfach code, which works for any significand and
 * exponent: a float's are within a double's, and so are the powers of ten it needs.
 */
final class FloatWriter {

    /** The longest form written, e.g. {@code -1.00000075E-36} (sign, 9 digits, point, exponent). */
    static final int MAX_LENGTH = 15;

    /** Bits of precision of a float, the hidden bit included. */
    private static final int P = 24;
    /** The exponent q of the smallest float, {@code MIN_VALUE = 1 * 2^Q_MIN}. */
    private static final int Q_MIN = -149;
    private static final int FRACTION_MASK = (1 << (P - 1)) - 1;
    private static final int BIASED_EXPONENT_MASK = 0xFF;
    /** Subnormal significands below this have too few digits for the algorithm and are scaled by 10. */
    private static final long C_TINY = 8;

    private FloatWriter() {}

    /**
     * Writes {@code v} into {@code buf} from {@code pos}, which must have {@link #MAX_LENGTH} bytes of
     * room, and returns the index after the last byte written.
     *
     * @throws IllegalArgumentException if {@code v} is NaN or infinite, which JSON cannot carry
     */
    static int write(float v, byte[] buf, int pos) {
        int bits = Float.floatToRawIntBits(v);
        int biasedExponent = bits >>> (P - 1) & BIASED_EXPONENT_MASK;
        if (biasedExponent == BIASED_EXPONENT_MASK) {
            throw new IllegalArgumentException("not a finite float: " + v);
        }
        return DoubleWriter.writeFinite(bits < 0, biasedExponent, bits & FRACTION_MASK, P, Q_MIN, C_TINY, false, buf, pos);
    }
}
