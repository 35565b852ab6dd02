package dev.elustream.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Eisel-Lemire against Java's own (correctly rounded) Double.parseDouble. */
class DecimalToDoubleTest {

    @Test
    void givesJavasDoubleForRandomMantissasAndExponents() {
        SplittableRandom random = new SplittableRandom(2021);
        int undecided = 0;
        int n = 2_000_000;
        for (int i = 0; i < n; i++) {
            int digits = 1 + random.nextInt(19);
            long w = Long.parseUnsignedLong(randomDigits(random, digits));
            int q = random.nextInt(DecimalToDouble.MIN_POWER - 5, DecimalToDouble.MAX_POWER + 5);
            boolean negative = random.nextBoolean();
            double d = DecimalToDouble.toDouble(w, q, negative);
            if (Double.isNaN(d)) {
                undecided++;
                continue;
            }
            String text = (negative ? "-" : "") + Long.toUnsignedString(w) + "e" + q;
            assertThat(Double.doubleToRawLongBits(d)).as(text).isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(text)));
        }
        // only subnormal and infinite results, the out-of-range q and near ties are left to the exact parser
        assertThat(undecided).isLessThan(n / 5);
    }

    @Test
    void givesJavasDoubleForTheDigitsOfRandomDoubles() {
        SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < 1_000_000; i++) {
            double x = Double.longBitsToDouble(random.nextLong());
            if (!Double.isFinite(x) || Math.abs(x) < Double.MIN_NORMAL) {
                continue;
            }
            // Java's shortest-or-nearly digits, as a producer writes them: w 10^q exactly
            java.math.BigDecimal exact = new java.math.BigDecimal(Double.toString(x));
            java.math.BigDecimal unscaled = new java.math.BigDecimal(exact.unscaledValue().abs());
            if (unscaled.precision() > 19) {
                continue;
            }
            double d = DecimalToDouble.toDouble(exact.unscaledValue().abs().longValue(), -exact.scale(), x < 0);
            assertThat(d).as("%s", x).isIn(x, Double.NaN);
        }
    }

    @Test
    void decidesTheHardCasesOrLeavesThemToTheExactParser() {
        for (String text : List.of("9007199254740993", "9007199254740992.5", "2.2250738585072011e-308",
                "2.2250738585072012e-308", "1.7976931348623157e308", "1.7976931348623158e308", "4.9e-324",
                "7.2057594037927933e16", "1.00000000000000011102230246251565404236316680908203125",
                "9999999999999999999", "18446744073709551615", "0.1", "1e23", "8.988465674311579e307")) {
            java.math.BigDecimal exact = new java.math.BigDecimal(text);
            java.math.BigInteger unscaled = exact.unscaledValue();
            if (unscaled.bitLength() > 64) {
                continue;
            }
            double d = DecimalToDouble.toDouble(unscaled.longValue(), -exact.scale(), false);
            assertThat(d).as(text).isIn(Double.parseDouble(text), Double.NaN);
        }
        assertThat(DecimalToDouble.toDouble(0, 500, true)).isEqualTo(-0.0);
        assertThat(DecimalToDouble.toDouble(1, 400, false)).isNaN();
        assertThat(DecimalToDouble.toDouble(1, 22, false)).isEqualTo(1e22);
    }

    private static String randomDigits(SplittableRandom random, int n) {
        StringBuilder s = new StringBuilder(n);
        s.append((char) ('1' + random.nextInt(9)));
        for (int i = 1; i < n; i++) {
            s.append((char) ('0' + random.nextInt(10)));
        }
        return s.toString();
    }
}
