package dev.elustream.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link FloatWriter} against Jackson's writer over edge cases, whole binades and random floats. One more
 * test checks every finite float and runs only when asked for:
 * {@code mvn test -Dtest=FloatWriterTest#writesEveryFiniteFloatLikeJackson -Delu.float.exhaustive=true}.
 */
class FloatWriterTest {

    private final byte[] buf = new byte[3 + FloatWriter.MAX_LENGTH + 3];

    private String write(float f) {
        int end = writeInRoom(f);
        return new String(buf, 3, end - 3, StandardCharsets.US_ASCII);
    }

    /** Writes f at offset 3 of a buffer filled with '#', checks nothing outside the room it was given was touched. */
    private int writeInRoom(float f) {
        Arrays.fill(buf, (byte) '#');
        int end = FloatWriter.write(f, buf, 3);
        if (end - 3 < 3 || end - 3 > FloatWriter.MAX_LENGTH) {
            throw new AssertionError("wrote " + (end - 3) + " bytes for " + f);
        }
        for (int i = 0; i < buf.length; i++) {
            if ((i < 3 || i >= 3 + FloatWriter.MAX_LENGTH) && buf[i] != '#') {
                throw new AssertionError("byte " + i + " outside the room given was overwritten for " + f);
            }
        }
        return end;
    }

    /** The same text as Jackson's Schubfach writer (JDK 19+'s Float.toString), which reads back exactly. */
    private void assertWritesLikeJackson(float f) {
        String mismatch = mismatchWithJackson(f);
        if (mismatch != null) {
            throw new AssertionError(mismatch);
        }
    }

    /** Why f is not written as Jackson writes it or does not read back, or null if it is and does. */
    private String mismatchWithJackson(float f) {
        int end = writeInRoom(f);
        String expected = NumberOutput.toString(f, true);
        // Compared without making a String: the sweeps below write millions.
        boolean same = end - 3 == expected.length();
        for (int i = 0; same && i < expected.length(); i++) {
            same = buf[3 + i] == expected.charAt(i);
        }
        if (!same) {
            return "bits " + Integer.toHexString(Float.floatToRawIntBits(f)) + ": wrote "
                    + new String(buf, 3, end - 3, StandardCharsets.US_ASCII) + ", expected " + expected;
        }
        if (Float.floatToRawIntBits(Float.parseFloat(expected)) != Float.floatToRawIntBits(f)) {
            return expected + " does not read back as the float it was written for";
        }
        return null;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            0.0, 0.0
            -0.0, -0.0
            1.0, 1.0
            -1.0, -1.0
            1.5, 1.5
            0.001, 0.001
            9.999999E-4, 9.999999E-4
            0.0010000002, 0.0010000002
            1.0E-4, 1.0E-4
            1.0E-5, 1.0E-5
            9999999.0, 9999999.0
            -9999999.0, -9999999.0
            1.0E7, 1.0E7
            10000001.0, 1.0000001E7
            16777215.0, 1.6777215E7
            16777216.0, 1.6777216E7
            16777218.0, 1.6777218E7
            1.4E-45, 1.4E-45
            -1.4E-45, -1.4E-45
            2.8E-45, 2.8E-45
            9.8E-45, 9.8E-45
            1.1E-44, 1.1E-44
            1.1754942E-38, 1.1754942E-38
            1.17549435E-38, 1.1754944E-38
            -1.17549435E-38, -1.1754944E-38
            3.4028235E38, 3.4028235E38
            -3.4028235E38, -3.4028235E38
            1.7014118E38, 1.7014118E38
            9.765625E-4, 9.765625E-4
            1024.0, 1024.0
            1073741824.0, 1.0737418E9
            9.536743E-7, 9.536743E-7
            0.1, 0.1
            0.2, 0.2
            0.3, 0.3
            0.33333334, 0.33333334
            0.6666667, 0.6666667
            3.1415927, 3.1415927
            123456.79, 123456.79
            1.0E10, 1.0E10
            8.5899735E9, 8.589974E9
            1.0E23, 1.0E23
            2.0E-3, 0.002
            0.0100134695, 0.0100134695
            1.00003015E-32, 1.00003015E-32
            -1.00000075E-36, -1.00000075E-36
            """)
    void writesTheFormOfFloatToStringWithTheShortestDigits(float f, String expected) {
        assertThat(write(f)).isEqualTo(expected);
    }

    @Test
    void theLongestFormIsMaxLength() {
        // sign, 9 digits, point and a two-digit negative exponent: no float needs more
        assertThat(write(-1.00000075E-36f)).hasSize(FloatWriter.MAX_LENGTH);
        assertThat(FloatWriter.MAX_LENGTH).isEqualTo("-1.23456789E-38".length());
    }

    @Test
    void writesEveryFloatFromOneToTwoLikeJackson() {
        for (int bits = Float.floatToRawIntBits(1f); bits < Float.floatToRawIntBits(2f); bits++) {
            assertWritesLikeJackson(Float.intBitsToFloat(bits));
        }
    }

    @Test
    void writesEverySubnormalBelowTwoToTheMinus132LikeJackson() {
        // the tiny ones that are scaled by 10 first, and the whole binade around 1e-40
        for (int bits = 1; bits < 1 << 17; bits++) {
            assertWritesLikeJackson(Float.intBitsToFloat(bits));
        }
    }

    @Test
    void writesRandomBitPatternsLikeJackson() {
        SplittableRandom random = new SplittableRandom(20261127);
        int checked = 0;
        while (checked < 1_000_000) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (Float.isFinite(f)) {
                assertWritesLikeJackson(f);
                checked++;
            }
        }
    }

    @Test
    void writesPowersOfTwoAndTenAndTheirNeighboursLikeJackson() {
        for (int e = -149; e <= 127; e++) {
            assertNeighbourhoodWritesLikeJackson(Math.scalb(1f, e));
        }
        for (int e = -45; e <= 38; e++) {
            assertNeighbourhoodWritesLikeJackson(Float.parseFloat("1e" + e));
        }
        for (float f : new float[] {Float.MIN_NORMAL, Math.nextDown(Float.MIN_NORMAL), Float.MAX_VALUE}) {
            assertNeighbourhoodWritesLikeJackson(f);
        }
    }

    @Test
    void writesEveryFloatAroundTheFormBoundariesAndTheFastPathLikeJackson() {
        // plain below 1e7 and from 1e-3, integers below 2^24 by the fast path
        assertEveryFloatAroundWritesLikeJackson(1e7f, 25_000);
        assertEveryFloatAroundWritesLikeJackson(1e-3f, 25_000);
        assertEveryFloatAroundWritesLikeJackson(0x1p24f, 25_000);
    }

    /** Every finite float, one thread: about half an hour of a core, hence only on request (see the class Javadoc). */
    @Test
    @EnabledIfSystemProperty(named = "elu.float.exhaustive", matches = "true")
    void writesEveryFiniteFloatLikeJackson() {
        long start = System.nanoTime();
        long checked = 0;
        long mismatches = 0;
        for (long b = 0; b < 1L << 32; b++) {
            float f = Float.intBitsToFloat((int) b);
            if (!Float.isFinite(f)) {
                continue;
            }
            String mismatch = mismatchWithJackson(f);
            checked++;
            if (mismatch != null && ++mismatches <= 20) {
                System.out.println(mismatch);
            }
        }
        System.out.printf("checked %d finite floats, %d mismatches, in %d s%n", checked, mismatches,
                (System.nanoTime() - start) / 1_000_000_000L);
        assertThat(checked).isEqualTo((1L << 32) - (1L << 24));
        assertThat(mismatches).isZero();
    }

    @Test
    void rejectsNanAndInfinities() {
        for (float f : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            assertThatThrownBy(() -> FloatWriter.write(f, buf, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("not a finite float: " + f);
        }
    }

    private void assertEveryFloatAroundWritesLikeJackson(float center, int count) {
        int bits = Float.floatToRawIntBits(center);
        for (int b = bits - count; b <= bits + count; b++) {
            assertWritesLikeJackson(Float.intBitsToFloat(b));
            assertWritesLikeJackson(-Float.intBitsToFloat(b));
        }
    }

    private void assertNeighbourhoodWritesLikeJackson(float f) {
        float down = f;
        float up = f;
        for (int i = 0; i < 3; i++) {
            assertWritesLikeJackson(down);
            assertWritesLikeJackson(-down);
            assertWritesLikeJackson(up);
            assertWritesLikeJackson(-up);
            down = Math.nextDown(down);
            up = Math.nextUp(up);
            if (!Float.isFinite(up)) {
                up = Float.MAX_VALUE;
            }
        }
    }
}
