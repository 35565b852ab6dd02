package dev.elustream.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DoubleWriterTest {

    private final byte[] buf = new byte[3 + DoubleWriter.MAX_LENGTH + 3];

    /** Writes d at offset 3 of a buffer filled with '#', checks nothing outside the room it was given was touched. */
    private String write(double d) {
        Arrays.fill(buf, (byte) '#');
        int end = DoubleWriter.write(d, buf, 3);
        if (end - 3 < 3 || end - 3 > DoubleWriter.MAX_LENGTH) {
            throw new AssertionError("wrote " + (end - 3) + " bytes for " + d);
        }
        for (int i = 0; i < buf.length; i++) {
            if ((i < 3 || i >= 3 + DoubleWriter.MAX_LENGTH) && buf[i] != '#') {
                throw new AssertionError("byte " + i + " outside the room given was overwritten for " + d);
            }
        }
        return new String(buf, 3, end - 3, StandardCharsets.US_ASCII);
    }

    /** The same text as Jackson's Schubfach writer (JDK 19+'s Double.toString), which reads back exactly. */
    private void assertWritesLikeJackson(double d) {
        String s = write(d);
        String expected = NumberOutput.toString(d, true);
        if (!s.equals(expected)) {
            throw new AssertionError("bits " + Long.toHexString(Double.doubleToRawLongBits(d)) + ": wrote " + s
                    + ", expected " + expected);
        }
        if (Double.doubleToRawLongBits(Double.parseDouble(s)) != Double.doubleToRawLongBits(d)) {
            throw new AssertionError(s + " does not read back as " + expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            0.0, 0.0
            -0.0, -0.0
            1.0, 1.0
            -1.0, -1.0
            1.5, 1.5
            0.001, 0.001
            0.01, 0.01
            9.999E-4, 9.999E-4
            1.0E-4, 1.0E-4
            9999999.0, 9999999.0
            9999999.5, 9999999.5
            1.0E7, 1.0E7
            1.00000005E7, 1.00000005E7
            123456789.0, 1.23456789E8
            1.0E23, 1.0E23
            2.0E-3, 0.002
            0.1, 0.1
            0.3333333333333333, 0.3333333333333333
            -1.0E-17, -1.0E-17
            1.0E-300, 1.0E-300
            4.9E-324, 4.9E-324
            -4.9E-324, -4.9E-324
            1.0E-323, 9.9E-324
            2.2250738585072014E-308, 2.2250738585072014E-308
            -2.2250738585072014E-308, -2.2250738585072014E-308
            1.7976931348623157E308, 1.7976931348623157E308
            1.2345678901234567E20, 1.2345678901234567E20
            9007199254740992.0, 9.007199254740992E15
            2.0E-323, 2.0E-323
            """)
    void writesTheFormOfDoubleToStringWithTheShortestDigits(double d, String expected) {
        assertThat(write(d)).isEqualTo(expected);
    }

    @Test
    void writesRandomBitPatternsLikeJackson() {
        SplittableRandom random = new SplittableRandom(20261127);
        int checked = 0;
        while (checked < 2_000_000) {
            double d = Double.longBitsToDouble(random.nextLong());
            if (Double.isFinite(d)) {
                assertWritesLikeJackson(d);
                checked++;
            }
        }
    }

    @Test
    void writesRandomValuesOfEveryScaleAndRandomIntegersLikeJackson() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 250_000; i++) {
            // values an activation writes: around 1 in magnitude, with few or many digits
            assertWritesLikeJackson(random.nextDouble(-50, 50));
            assertWritesLikeJackson(Math.expm1(-random.nextDouble(0, 800)));
            assertWritesLikeJackson(Math.round(random.nextDouble(-1e6, 1e6) * 1000) / 1000.0);
            assertWritesLikeJackson((double) random.nextLong(-(1L << 54), 1L << 54));
        }
    }

    @Test
    void writesPowersOfTwoAndTenAndTheirNeighboursLikeJackson() {
        for (int e = -1074; e <= 1023; e++) {
            double d = Math.scalb(1.0, e);
            assertNeighbourhoodWritesLikeJackson(d);
        }
        for (int e = -323; e <= 308; e++) {
            double d = Double.parseDouble("1e" + e);
            assertNeighbourhoodWritesLikeJackson(d);
        }
    }

    @Test
    void writesSubnormalsAndTheExtremesLikeJackson() {
        for (long bits = 1; bits < 100_000; bits++) {
            assertWritesLikeJackson(Double.longBitsToDouble(bits));
        }
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++) {
            assertWritesLikeJackson(Double.longBitsToDouble(random.nextLong(1, 1L << 52)));
        }
        for (double d : new double[] {Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE,
                Math.nextDown(Double.MIN_NORMAL), Math.nextDown(Double.MAX_VALUE)}) {
            assertNeighbourhoodWritesLikeJackson(d);
        }
    }

    @Test
    void writesIntegersAroundTheFormBoundaryAndTheFastPathLikeJackson() {
        for (long n = 9_990_000; n <= 10_010_000; n++) {
            assertNeighbourhoodWritesLikeJackson(n);
        }
        for (long n = (1L << 53) - 10_000; n <= (1L << 53) + 10_000; n++) {
            assertWritesLikeJackson(n);
            assertWritesLikeJackson(-n);
        }
        for (double d = 0.000_9; d < 0.001_1; d = Math.nextUp(d) + 1e-9) {
            assertWritesLikeJackson(d);
        }
    }

    /** What Schubfach alone writes for d, at offset 3 as {@link #write}. */
    private String writeSchubfach(double d) {
        int end = DoubleWriter.writeSchubfach(d, buf, 3);
        return new String(buf, 3, end - 3, StandardCharsets.US_ASCII);
    }

    /**
     * Zmij's way (doubles with a fraction) against Schubfach's: every binary exponent, with the
     * fractions next to 0 and to the next power of two and 2,000 random ones each.
     */
    @Test
    void zmijWritesWhatSchubfachWritesAtEveryExponent() {
        SplittableRandom random = new SplittableRandom(20261206);
        long fractionMask = (1L << 52) - 1;
        for (long biased = 1; biased < 2047; biased++) {
            long[] fractions = new long[2_000 + 6];
            fractions[0] = 1;
            fractions[1] = 2;
            fractions[2] = 3;
            fractions[3] = fractionMask;
            fractions[4] = fractionMask - 1;
            fractions[5] = 1L << 51;
            for (int i = 6; i < fractions.length; i++) {
                fractions[i] = 1 + random.nextLong(fractionMask);
            }
            for (long fraction : fractions) {
                for (long sign : new long[] {0, Long.MIN_VALUE}) {
                    double d = Double.longBitsToDouble(sign | biased << 52 | fraction);
                    String z = write(d);
                    String s = writeSchubfach(d);
                    if (!z.equals(s)) {
                        throw new AssertionError("bits " + Long.toHexString(Double.doubleToRawLongBits(d)) + ": Zmij "
                                + z + ", Schubfach " + s);
                    }
                }
            }
        }
    }

    /** The numbers the job writes most: f and f' of ELU below 0, for alphas of every scale. */
    @Test
    void zmijWritesWhatSchubfachWritesForEluResults() {
        SplittableRandom random = new SplittableRandom(42);
        for (double alpha : new double[] {1.0, 0.5, 1.6732632423543772, 0.01, 3.0, 1e-5}) {
            for (int i = 0; i < 200_000; i++) {
                double x = -random.nextDouble() * (i % 2 == 0 ? 1 : 800);
                for (double d : new double[] {x, alpha * Math.expm1(x), alpha * Math.exp(x)}) {
                    assertThat(write(d)).as("%s", d).isEqualTo(writeSchubfach(d));
                }
            }
        }
    }

    @Test
    void rejectsNanAndInfinities() {
        for (double d : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertThatThrownBy(() -> DoubleWriter.write(d, buf, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("not a finite double: " + d);
        }
    }

    @Test
    void floorLogarithmsAreExactOverTheRangeUsed() {
        for (int e = -1100; e <= 1100; e++) {
            assertThat(DoubleWriter.floorLog10Pow2(e)).as("floor(log10(2^%s))", e).isEqualTo(floorLog10(pow2(e)));
            BigDecimal threeQuarters = pow2(e - 2).multiply(BigDecimal.valueOf(3));
            assertThat(DoubleWriter.floorLog10ThreeQuartersPow2(e)).as("floor(log10(3/4 2^%s))", e)
                    .isEqualTo(floorLog10(threeQuarters));
        }
        for (int e = -400; e <= 400; e++) {
            // 10^e >= 1 lies in [2^(b-1), 2^b); 10^e < 1 in (2^-b, 2^(-b+1)) with b the bit length of 10^-e
            int expected = e >= 0 ? BigInteger.TEN.pow(e).bitLength() - 1 : -BigInteger.TEN.pow(-e).bitLength();
            assertThat(DoubleWriter.floorLog2Pow10(e)).as("floor(log2(10^%s))", e).isEqualTo(expected);
        }
    }

    private void assertNeighbourhoodWritesLikeJackson(double d) {
        double down = d;
        double up = d;
        for (int i = 0; i < 3; i++) {
            assertWritesLikeJackson(down);
            assertWritesLikeJackson(-down);
            assertWritesLikeJackson(up);
            assertWritesLikeJackson(-up);
            down = Math.nextDown(down);
            up = Math.nextUp(up);
            if (!Double.isFinite(up)) {
                up = Double.MAX_VALUE;
            }
        }
    }

    private static BigDecimal pow2(int e) {
        return e >= 0 ? new BigDecimal(BigInteger.ONE.shiftLeft(e)) : BigDecimal.ONE.divide(new BigDecimal(BigInteger.ONE.shiftLeft(-e)));
    }

    /** floor(log10(x)) for x > 0, exactly. */
    private static int floorLog10(BigDecimal x) {
        // x = unscaled 10^-scale, so log10(x) = (digits of unscaled - 1) - scale + a fraction in [0, 1)
        BigDecimal stripped = x.stripTrailingZeros();
        return stripped.precision() - 1 - stripped.scale();
    }

    @Test
    void eightDigitsAreTheAsciiDigitsOfEveryValueBelowTenToTheEighthAndReadBackAsIt() {
        for (int v = 0; v < 100_000_000; v++) {
            long digits = DoubleWriter.eightDigits(v);
            int rest = v;
            for (int b = 7; b >= 0; b--) {
                if ((digits >>> (8 * b) & 0xFF) != '0' + rest % 10) {
                    throw new AssertionError("eightDigits(" + v + ") = " + Long.toHexString(digits));
                }
                rest /= 10;
            }
            if (!FeatureVectorJsonParser.isEightDigits(digits) || FeatureVectorJsonParser.eightDigitsValue(digits) != v) {
                throw new AssertionError("the parser reads " + Long.toHexString(digits) + " as "
                        + FeatureVectorJsonParser.eightDigitsValue(digits) + ", expected " + v);
            }
        }
    }

    @Test
    void isEightDigitsRefusesEveryNonDigitByteInEveryPosition() {
        long zeros = 0x3030_3030_3030_3030L;
        for (int position = 0; position < 8; position++) {
            for (int b = 0; b < 256; b++) {
                long chunk = zeros & ~(0xFFL << (8 * position)) | (long) b << (8 * position);
                assertThat(FeatureVectorJsonParser.isEightDigits(chunk)).as("byte %s at %s", b, position)
                        .isEqualTo(b >= '0' && b <= '9');
            }
        }
    }
    @Test
    void leadingDigitsStopsAtTheFirstNonDigitByteWhateverFollowsIt() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        for (int position = 0; position < 8; position++) {
            for (int b = 0; b < 256; b++) {
                if (b >= '0' && b <= '9') {
                    continue;
                }
                for (int trial = 0; trial < 20; trial++) {
                    long chunk = random.nextLong();
                    for (int d = 0; d < position; d++) {
                        chunk = chunk & ~(0xFFL << (8 * d)) | (long) ('0' + random.nextInt(10)) << (8 * d);
                    }
                    chunk = chunk & ~(0xFFL << (8 * position)) | (long) b << (8 * position);
                    assertThat(FeatureVectorJsonParser.leadingDigits(chunk)).as("byte %s at %s in %s", b, position,
                            Long.toHexString(chunk)).isEqualTo(position);
                }
            }
        }
        assertThat(FeatureVectorJsonParser.leadingDigits(0x3938_3736_3534_3332L)).isEqualTo(8);
    }
}
