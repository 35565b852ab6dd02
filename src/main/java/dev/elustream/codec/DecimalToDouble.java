package dev.elustream.codec;

import java.math.BigInteger;

/**
 * The correctly rounded double nearest to w 10^q for a decimal mantissa w of at most 19 digits, by
 * the Eisel-Lemire algorithm (Daniel Lemire, "Number Parsing at a Gigabyte per Second", 2021; as in
 * Go's strconv and fast_float): one 64x128-bit product with a truncated power of ten decides the
 * rounding in all but rare cases, which it reports as NaN so that the caller can use an exact
 * method. Pure arithmetic, no allocation.
 */
final class DecimalToDouble {

    /** The range of q with a table entry; outside it w 10^q is 0 or infinite for any 19-digit w... or nearly. */
    static final int MIN_POWER = -348;
    static final int MAX_POWER = 347;

    /**
     * For q in [MIN_POWER, MAX_POWER], 10^q as a 128-bit mantissa with its top bit set, rounded down:
     * high 64 bits at [2 (q - MIN_POWER)], low 64 bits at the next index.
     */
    private static final long[] POWERS = powers();

    private DecimalToDouble() {}

    /**
     * The double nearest to {@code w} 10^{@code q} (w read as an unsigned 64-bit integer, negated if
     * {@code negative}), or NaN where this method cannot decide it (a near tie, a subnormal or
     * infinite result, q out of the table's range): then parse the text exactly.
     */
    static double toDouble(long w, int q, boolean negative) {
        if (w == 0) {
            return negative ? -0.0 : 0.0;
        }
        if (q < MIN_POWER || q > MAX_POWER) {
            return Double.NaN;
        }
        int clz = Long.numberOfLeadingZeros(w);
        long man = w << clz;
        long exp2 = ((217_706L * q) >> 16) + 64 + 1023 - clz;
        int i = 2 * (q - MIN_POWER);
        long powHi = POWERS[i];
        long powLo = POWERS[i + 1];
        long xHi = unsignedMultiplyHigh(man, powHi);
        long xLo = man * powHi;
        if ((xHi & 0x1FF) == 0x1FF && Long.compareUnsigned(xLo + man, man) < 0) {
            // The truncated power may have cost a carry: add the product with its low half.
            long yHi = unsignedMultiplyHigh(man, powLo);
            long yLo = man * powLo;
            long mergedHi = xHi;
            long mergedLo = xLo + yHi;
            if (Long.compareUnsigned(mergedLo, xLo) < 0) {
                mergedHi++;
            }
            if ((mergedHi & 0x1FF) == 0x1FF && mergedLo + 1 == 0 && Long.compareUnsigned(yLo + man, man) < 0) {
                return Double.NaN;
            }
            xHi = mergedHi;
            xLo = mergedLo;
        }
        long msb = xHi >>> 63;
        long mantissa = xHi >>> (msb + 9);
        exp2 -= 1 ^ msb;
        if (xLo == 0 && (xHi & 0x1FF) == 0 && (mantissa & 3) == 1) {
            return Double.NaN; // exactly half-way between two doubles, as far as this product can tell
        }
        mantissa += mantissa & 1;
        mantissa >>>= 1;
        if (mantissa >>> 53 > 0) {
            mantissa >>>= 1;
            exp2++;
        }
        if (Long.compareUnsigned(exp2 - 1, 0x7FF - 1) >= 0) {
            return Double.NaN; // subnormal or infinite
        }
        long bits = exp2 << 52 | mantissa & 0x000F_FFFF_FFFF_FFFFL;
        return Double.longBitsToDouble(negative ? bits | Long.MIN_VALUE : bits);
    }

    /** The high 64 bits of the unsigned 128-bit product (Math.unsignedMultiplyHigh is Java 18). */
    static long unsignedMultiplyHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }

    private static long[] powers() {
        long[] t = new long[2 * (MAX_POWER - MIN_POWER + 1)];
        BigInteger mask64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
        for (int q = MIN_POWER; q <= MAX_POWER; q++) {
            BigInteger m;
            if (q >= 0) {
                BigInteger p = BigInteger.TEN.pow(q);
                int shift = p.bitLength() - 128;
                m = shift >= 0 ? p.shiftRight(shift) : p.shiftLeft(-shift);
            } else {
                BigInteger p = BigInteger.TEN.pow(-q);
                // 2^k / 10^-q with k such that the quotient has 128 bits, rounded down.
                int k = p.bitLength() + 127;
                m = BigInteger.ONE.shiftLeft(k).divide(p);
                if (m.bitLength() > 128) {
                    m = m.shiftRight(1);
                }
            }
            t[2 * (q - MIN_POWER)] = m.shiftRight(64).longValue();
            t[2 * (q - MIN_POWER) + 1] = m.and(mask64).longValue();
        }
        return t;
    }
}
