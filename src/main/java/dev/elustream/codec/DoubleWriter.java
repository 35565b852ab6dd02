package dev.elustream.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;

/**
 * Writes a finite double as the shortest decimal that reads back as exactly that double, in the form
 * of JDK 19+'s {@code Double.toString} (and Jackson's {@code NumberOutput.toString(d, true)}): {@code 1.0},
 * {@code -0.0}, {@code 0.001}, {@code 1.0E-300}, {@code 1.2345678901234567E20}; straight into a byte
 * array, without allocating.
 *
 * <p>The digits are chosen with Raffaello Giulietti's Schubfach algorithm ("The Schubfach way to render
 * doubles", 2020-2021): among the decimals in the rounding interval of the double it picks one with the
 * fewest digits, and of those the closest to the double (the even one on a tie). This is an
 * implementation of the algorithm as the paper describes it; its table of powers of ten is computed
 * exactly at class initialization rather than stored. {@link FloatWriter} writes floats with the same code.
 *
 * <p>A double with a fraction (normal, not a power of two, not an integer) takes a shorter way to the
 * same digits, Victor Zverovich's Zmij (2025, after Schubfach and Yaoyuan Guo's yy, with Xiang JunBo's
 * scaling): one product of the significand with a 128-bit power of ten gives the candidate with one digit
 * less as its integral part, the double's half-ulp at that scale decides whether that candidate or its
 * successor lies in the rounding interval, and otherwise the fractional part rounded gives the last digit.
 * One 64 x 128-bit product where Schubfach takes three (for the double and its interval's two ends);
 * with {@code formatRegular}, 0.72x the time a number (src/jmh/README.md). Tested against Schubfach and Jackson.
 */
final class DoubleWriter {

    /** The longest form written: {@code -2.2250738585072014E-308} (sign, 17 digits, point, exponent). */
    static final int MAX_LENGTH = 24;

    /** Bits of precision of a double, the hidden bit included. */
    private static final int P = 53;
    /** The exponent q of the smallest double, {@code MIN_VALUE = 1 * 2^Q_MIN}. */
    private static final int Q_MIN = -1074;
    /** The significand of the smallest normal double. */
    private static final long C_MIN = 1L << (P - 1);
    private static final long FRACTION_MASK = C_MIN - 1;
    private static final int BIASED_EXPONENT_MASK = 0x7FF;
    /** Subnormal significands below this have too few digits for the algorithm and are scaled by 10. */
    private static final long C_TINY = 3;
    /** The range of k = floor(log10(2^q)) (or of 3/4 2^q) over all doubles. */
    private static final int K_MIN = -324;
    private static final int K_MAX = 292;
    /** Decimal digits the algorithm produces at most. */
    private static final int H = 17;
    private static final long MASK_63 = Long.MAX_VALUE;

    /**
     * For k in [K_MIN, K_MAX], g = floor(10^-k 2^(125 - floor(log2(10^-k)))) + 1, a 126-bit upper
     * approximation of 10^-k: its high 63 bits at [2 (k - K_MIN)], its low 63 bits at the next index.
     */
    private static final long[] G = powersOfTen();

    private static final long[] POW10 = new long[H + 1];

    /** The double's significand is shifted so that its scaled value has this many bits more than 64 fractional ones. */
    private static final int EXTRA_SHIFT = 9;
    /** floor(10^e 2^(127 - floor(log2 10^e))): the top bit set, high half at [2 (e - Z_MIN)], low half after it. */
    private static final int Z_MIN = -293;
    private static final int Z_MAX = 323;
    private static final long[] Z = pow10Significands();
    /** Rounds the last digit: half, and a little more for the truncated products (Zmij's constant). */
    private static final long BIASED_HALF = (1L << 63) + 6;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Eight ASCII '0' as a little-endian long (the scanner reads digits with it too). */
    static final long ASCII_ZEROS = 0x3030_3030_3030_3030L;
    /** "0.000000" as a little-endian long: "0.", then zeros enough for any -3 < point <= 0. */
    private static final long ZERO_POINT_ZEROS = ASCII_ZEROS & ~0xFF00L | (long) '.' << 8;

    /** "00", "01", ..., "99", two bytes each. */
    private static final byte[] DIGIT_PAIRS = new byte[200];

    static {
        long p = 1;
        for (int i = 0; i <= H; i++) {
            POW10[i] = p;
            p *= 10;
        }
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    private DoubleWriter() {}

    /**
     * Writes {@code v} into {@code buf} from {@code pos}, which must have {@link #MAX_LENGTH} bytes of
     * room, and returns the index after the last byte written.
     *
     * @throws IllegalArgumentException if {@code v} is NaN or infinite, which JSON cannot carry
     */
    static int write(double v, byte[] buf, int pos) {
        return write(v, true, buf, pos);
    }

    /** {@link #write} by Schubfach alone, for tests and benchmarks of the two ways. */
    static int writeSchubfach(double v, byte[] buf, int pos) {
        return write(v, false, buf, pos);
    }

    private static int write(double v, boolean zmij, byte[] buf, int pos) {
        long bits = Double.doubleToRawLongBits(v);
        int biasedExponent = (int) (bits >>> (P - 1)) & BIASED_EXPONENT_MASK;
        if (biasedExponent == BIASED_EXPONENT_MASK) {
            throw new IllegalArgumentException("not a finite double: " + v);
        }
        return writeFinite(bits < 0, biasedExponent, bits & FRACTION_MASK, P, Q_MIN, C_TINY, zmij, buf, pos);
    }

    /**
     * The shortest decimal of c 2^q, a normal double whose fraction is not 0 (its rounding interval is
     * symmetric), formatted at pos.
     */
    private static int shortestRegular(int q, long c, byte[] buf, int pos) {
        int k = floorLog10Pow2(q);
        // Scale by 10^(-k-1): the integral part is the candidate with one digit less.
        int e = -k - 1;
        int shift = q + floorLog2Pow10(e) + 1 + EXTRA_SHIFT;
        int i = 2 * (e - Z_MIN);
        long zHi = Z[i];
        long zLo = Z[i + 1];
        long x = c << shift;
        // (zHi 2^64 + zLo) x / 2^64, 128 bits (x < 2^63, zHi >= 2^63 unsigned)
        long lowProduct = zHi * x;
        long rLo = lowProduct + Math.multiplyHigh(zLo, x) + ((zLo >> 63) & x);
        long rHi = Math.multiplyHigh(zHi, x) + x + (Long.compareUnsigned(rLo, lowProduct) < 0 ? 1 : 0);
        long integral = rHi >>> EXTRA_SHIFT;
        long fractional = rHi << (64 - EXTRA_SHIFT) | rLo >>> EXTRA_SHIFT;
        // half the double's ulp in units of 2^-64 of the integral part; an even c owns its interval's ends
        long halfUlp = (zHi >>> (EXTRA_SHIFT + 1 - shift)) + (~c & 1);
        boolean up = Long.compareUnsigned(fractional + halfUlp, fractional) < 0;
        boolean down = Long.compareUnsigned(halfUlp, fractional) > 0;
        if (up || down) {
            return formatRegular(up ? integral + 1 : integral, k + 1, buf, pos);
        }
        // The last digit, the fractional part times 10 rounded to nearest; a tie (only 2.5) to even.
        long tenths = fractional * 10;
        long rounded = tenths + BIASED_HALF;
        int digit = (int) (Math.multiplyHigh(fractional, 10) + ((fractional >> 63) & 10)
                + (Long.compareUnsigned(rounded, tenths) < 0 ? 1 : 0));
        if (fractional == 1L << 62) {
            digit = 2;
        }
        return formatRegular(integral * 10 + digit, k, buf, pos);
    }

    /**
     * {@link #format} for what {@link #shortestRegular} finds, f of 15 to 17 digits (10^14 <= f < 10^17):
     * the number of digits by two comparisons, the digits in three pieces at fixed places, and the
     * trailing zeros counted in the pieces' bytes rather than looked for one by one.
     */
    private static int formatRegular(long f, int e, byte[] buf, int pos) {
        int len = f >= 10_000_000_000_000_000L ? 17 : f >= 1_000_000_000_000_000L ? 16 : 15;
        int point = len + e;
        if (0 < point && point <= 7) {
            return format(f, e, buf, pos);
        }
        if (point <= 0 && point > -3) {
            // 0.[zeros]digits
            int zeros = -point;
            LONGS.set(buf, pos, ZERO_POINT_ZEROS);
            int start = pos + 2 + zeros;
            return start + len - writeDigits15To17(f, len, buf, start);
        }
        // d.dddEn: the digits at pos+1, the first moves to pos and the point takes its place.
        int trailingZeros = writeDigits15To17(f, len, buf, pos + 1);
        buf[pos] = buf[pos + 1];
        buf[pos + 1] = '.';
        int end = pos + 1 + len - trailingZeros;
        if (end == pos + 2) {
            buf[end++] = '0';
        }
        return writeExponent(point - 1, buf, end);
    }

    /**
     * Writes the len digits of f (10^(len-1) <= f < 10^len, len 15 to 17) at pos and returns how many of
     * them are trailing zeros (at most len - 1); like {@link #writeDigits}, it may write up to 7 bytes
     * after them.
     */
    private static int writeDigits15To17(long f, int len, byte[] buf, int pos) {
        // The 17 digits of f with leading zeros (first, then two pieces of eight), from the
        // (17 - len)-th on, by shifts rather than a branch on len: len varies from one result to the
        // next as much as the results do.
        long high = f / 100_000_000;
        int low = (int) (f - high * 100_000_000);
        int first = (int) (high / 100_000_000);
        long highDigits = eightDigits((int) (high - first * 100_000_000L));
        long lowDigits = eightDigits(low);
        int skip = 8 * (17 - len);
        buf[pos] = (byte) (('0' + first | highDigits << 8) >>> skip);
        // (lowDigits << 1) << (63 - skip): lowDigits << (64 - skip), and 0 for skip 0.
        LONGS.set(buf, pos + 1, highDigits >>> skip | (lowDigits << 1) << (63 - skip));
        LONGS.set(buf, pos + 9, lowDigits >>> skip);
        if (low != 0) {
            // The last digit is in the highest byte: zero bytes above the first non-'0' are trailing zeros.
            return Long.numberOfLeadingZeros(lowDigits - ASCII_ZEROS) >>> 3;
        }
        long highValue = highDigits - ASCII_ZEROS;
        if (highValue == 0) {
            return 16; // len 17: a digit and sixteen zeros
        }
        return 8 + (Long.numberOfLeadingZeros(highValue) >>> 3);
    }

    /**
     * Writes a finite number of a binary format, given by the fields of its encoding (fraction without
     * the hidden bit), its precision {@code p}, its smallest value 2^qMin, and cTiny, the subnormal
     * significands too short for the algorithm, which are scaled by 10 (3 for doubles, 8 for floats, as
     * in the JDK); returns the index after the last byte written. {@code zmij}: a double (p = 53) with a
     * fraction takes Zmij's way to its digits.
     */
    static int writeFinite(boolean negative, int biasedExponent, long fraction, int p, int qMin, long cTiny,
            boolean zmij, byte[] buf, int pos) {
        int at = pos;
        if (negative) {
            buf[at++] = '-';
        }
        if (biasedExponent != 0) {
            // normal: |v| = c 2^q
            int q = biasedExponent + qMin - 1;
            long c = 1L << (p - 1) | fraction;
            int mq = -q;
            if (0 < mq && mq < p) {
                long f = c >> mq;
                if (f << mq == c) {
                    // An integer below 2^p: its own digits are the shortest.
                    return format(f, 0, buf, at);
                }
            }
            if (zmij && fraction != 0) {
                return shortestRegular(q, c, buf, at);
            }
            // The smallest normal is a power of two too, but its neighbour below (a subnormal) is as far as the one above.
            return shortest(q, c, 0, fraction == 0 && biasedExponent != 1, buf, at);
        }
        if (fraction != 0) {
            return fraction < cTiny
                    ? shortest(qMin, 10 * fraction, -1, false, buf, at)
                    : shortest(qMin, fraction, 0, false, buf, at);
        }
        buf[at] = '0';
        buf[at + 1] = '.';
        buf[at + 2] = '0';
        return at + 3;
    }

    /**
     * Finds the shortest decimal in the rounding interval of c 2^q and formats it, scaled by 10^dk
     * (-1 for the tiny subnormals, whose c was multiplied by 10). {@code narrowBelow}: the neighbour below
     * is half as far as the one above, as at a power of two.
     */
    private static int shortest(int q, long c, int dk, boolean narrowBelow, byte[] buf, int pos) {
        // Work in units of 2^(q-2): v is cb, the interval's ends cbl and cbr, included iff c is even.
        int out = (int) c & 1;
        long cb = c << 2;
        long cbr = cb + 2;
        long cbl;
        int k;
        if (!narrowBelow) {
            cbl = cb - 2;
            k = floorLog10Pow2(q);
        } else {
            // At a power of two the interval below is half as wide.
            cbl = cb - 1;
            k = floorLog10ThreeQuartersPow2(q);
        }
        int h = q + floorLog2Pow10(-k) + 2;
        int gi = 2 * (k - K_MIN);
        long g1 = G[gi];
        long g0 = G[gi + 1];

        // v, and the ends of its interval, times 10^-k, in units of 1/4, rounded to odd.
        long vb = roundToOdd(g1, g0, cb << h);
        long vbl = roundToOdd(g1, g0, cbl << h);
        long vbr = roundToOdd(g1, g0, cbr << h);

        long s = vb >> 2;
        if (s >= 100) {
            // Try one digit less first: s' = floor(s / 10), by multiplication.
            long sp10 = 10 * Math.multiplyHigh(s, 115_292_150_460_684_698L << 4);
            long tp10 = sp10 + 10;
            boolean upin = vbl + out <= sp10 << 2;
            boolean wpin = (tp10 << 2) + out <= vbr;
            if (upin != wpin) {
                return format(upin ? sp10 : tp10, k, buf, pos);
            }
        }
        long t = s + 1;
        boolean uin = vbl + out <= s << 2;
        boolean win = (t << 2) + out <= vbr;
        if (uin != win) {
            return format(uin ? s : t, k + dk, buf, pos);
        }
        // Both s and t are in the interval: the closer one, the even one on a tie.
        long cmp = vb - ((s + t) << 1);
        return format(cmp < 0 || cmp == 0 && (s & 1) == 0 ? s : t, k + dk, buf, pos);
    }

    /** floor(g cp / 2^127), its lowest bit set if any bit below was set (g = g1 2^63 + g0). */
    private static long roundToOdd(long g1, long g0, long cp) {
        long x1 = Math.multiplyHigh(g0, cp);
        long y0 = g1 * cp;
        long y1 = Math.multiplyHigh(g1, cp);
        long z = (y0 >>> 1) + x1;
        long vbp = y1 + (z >>> 63);
        return vbp | ((z & MASK_63) + MASK_63) >>> 63;
    }

    /**
     * Writes f 10^e (f > 0, at most 17 digits, maybe with trailing zeros) in the form of Double.toString
     * and Float.toString: plain for 10^-3 <= value < 10^7, else d.dddEn.
     */
    private static int format(long f, int e, byte[] buf, int pos) {
        int len = floorLog10Pow2(Long.SIZE - Long.numberOfLeadingZeros(f));
        if (f >= POW10[len]) {
            len++;
        }
        // value = 0.d1d2...dlen 10^point
        int point = len + e;
        if (0 < point && point <= 7) {
            // Digits at pos+1, then the integer part moves one to the left to make room for the point.
            writeDigits(f, len, buf, pos + 1);
            int end = pos + 1 + len;
            if (len <= point) {
                System.arraycopy(buf, pos + 1, buf, pos, len);
                for (int i = pos + len; i < pos + point; i++) {
                    buf[i] = '0';
                }
                buf[pos + point] = '.';
                buf[pos + point + 1] = '0';
                return pos + point + 2;
            }
            System.arraycopy(buf, pos + 1, buf, pos, point);
            buf[pos + point] = '.';
            return trimZeros(buf, pos + point + 1, end);
        }
        if (-3 < point && point <= 0) {
            int zeros = -point;
            buf[pos] = '0';
            buf[pos + 1] = '.';
            for (int i = 0; i < zeros; i++) {
                buf[pos + 2 + i] = '0';
            }
            int start = pos + 2 + zeros;
            writeDigits(f, len, buf, start);
            return trimZeros(buf, start, start + len);
        }
        // d.ddd: digits at pos+1, the first moves to pos and the point takes its place.
        writeDigits(f, len, buf, pos + 1);
        buf[pos] = buf[pos + 1];
        buf[pos + 1] = '.';
        int end;
        if (len == 1) {
            buf[pos + 2] = '0';
            end = pos + 3;
        } else {
            end = trimZeros(buf, pos + 2, pos + 1 + len);
        }
        return writeExponent(point - 1, buf, end);
    }

    /** Writes E and the exponent at end; returns the index after it. */
    private static int writeExponent(int exponent, byte[] buf, int end) {
        buf[end++] = 'E';
        if (exponent < 0) {
            buf[end++] = '-';
            exponent = -exponent;
        }
        if (exponent >= 100) {
            buf[end++] = (byte) ('0' + exponent / 100);
            exponent %= 100;
            buf[end++] = DIGIT_PAIRS[2 * exponent];
            buf[end++] = DIGIT_PAIRS[2 * exponent + 1];
        } else if (exponent >= 10) {
            buf[end++] = DIGIT_PAIRS[2 * exponent];
            buf[end++] = DIGIT_PAIRS[2 * exponent + 1];
        } else {
            buf[end++] = (byte) ('0' + exponent);
        }
        return end;
    }

    /** Drops the trailing zeros of the digits in [from, end), keeping the one at from, and returns the new end. */
    private static int trimZeros(byte[] buf, int from, int end) {
        int e = end;
        while (e > from + 1 && buf[e - 1] == '0') {
            e--;
        }
        return e;
    }

    /**
     * Writes the {@code len} decimal digits of {@code f} (f < 10^len, len <= 17) at {@code pos}, leading
     * zeros included, eight at a time; it may also write up to 7 bytes after them, which the room the
     * callers were given holds.
     */
    private static void writeDigits(long f, int len, byte[] buf, int pos) {
        if (len <= 8) {
            // The last len of the 8 digits, moved to the front (the zero bytes behind them are scratch).
            LONGS.set(buf, pos, eightDigits((int) f) >>> (8 * (8 - len)));
            return;
        }
        long high = f / 100_000_000;
        int low = (int) (f - high * 100_000_000);
        int highLength = len - 8;
        if (highLength == 9) {
            buf[pos] = (byte) ('0' + high / 100_000_000);
            LONGS.set(buf, pos + 1, eightDigits((int) (high % 100_000_000)));
        } else {
            LONGS.set(buf, pos, eightDigits((int) high) >>> (8 * (8 - highLength)));
        }
        LONGS.set(buf, pos + highLength, eightDigits(low));
    }

    /**
     * The 8 decimal digits of {@code v} (0 <= v < 10^8) as ASCII, the first digit in the lowest byte
     * (little-endian memory order): each halving of the digit groups is one multiplication on all the
     * groups at once (Paul Khuong's method, as Daniel Lemire describes it).
     */
    static long eightDigits(int v) {
        long abcd = v / 10_000;
        long efgh = v - abcd * 10_000;
        long merged = abcd | efgh << 32;
        long top = (merged * 10_486L >>> 20) & (0x7FL << 32 | 0x7FL); // each half / 100
        long bottom = merged - 100L * top;                           // each half % 100
        long hundreds = bottom << 16 | top;                          // 4 lanes of 16 bits, two digits each
        long tens = (hundreds * 103L >>> 10) & 0x000F_000F_000F_000FL; // each lane / 10
        tens |= (hundreds - 10L * tens) << 8;                         // and % 10 in the byte above
        return tens + ASCII_ZEROS;
    }

    /** floor(log10(2^e)) for |e| <= 5456721. */
    static int floorLog10Pow2(int e) {
        return (int) (e * 661_971_961_083L >> 41);
    }

    /** floor(log10(3/4 2^e)) for |e| <= 2^20. */
    static int floorLog10ThreeQuartersPow2(int e) {
        return (int) (e * 661_971_961_083L - 274_743_187_321L >> 41);
    }

    /** floor(log2(10^e)) for |e| <= 1838394. */
    static int floorLog2Pow10(int e) {
        return (int) (e * 913_124_641_741L >> 38);
    }

    private static long[] pow10Significands() {
        long[] z = new long[2 * (Z_MAX - Z_MIN + 1)];
        BigInteger mask64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
        for (int e = Z_MIN; e <= Z_MAX; e++) {
            int shift = 127 - floorLog2Pow10(e);
            BigInteger m = e >= 0
                    ? BigInteger.TEN.pow(e).shiftLeft(shift)
                    : BigInteger.ONE.shiftLeft(shift).divide(BigInteger.TEN.pow(-e));
            if (m.bitLength() != 128) {
                throw new AssertionError("10^" + e + " normalized to " + m.bitLength() + " bits");
            }
            z[2 * (e - Z_MIN)] = m.shiftRight(64).longValue();
            z[2 * (e - Z_MIN) + 1] = m.and(mask64).longValue();
        }
        return z;
    }

    private static long[] powersOfTen() {
        long[] g = new long[2 * (K_MAX - K_MIN + 1)];
        BigInteger mask63 = BigInteger.ONE.shiftLeft(63).subtract(BigInteger.ONE);
        for (int k = K_MIN; k <= K_MAX; k++) {
            int e = -k;
            int shift = 125 - floorLog2Pow10(e);
            BigInteger floor;
            if (e >= 0) {
                BigInteger pow = BigInteger.TEN.pow(e);
                floor = shift >= 0 ? pow.shiftLeft(shift) : pow.shiftRight(-shift);
            } else {
                floor = BigInteger.ONE.shiftLeft(shift).divide(BigInteger.TEN.pow(-e));
            }
            BigInteger value = floor.add(BigInteger.ONE);
            g[2 * (k - K_MIN)] = value.shiftRight(63).longValueExact();
            g[2 * (k - K_MIN) + 1] = value.and(mask63).longValueExact();
        }
        return g;
    }
}
