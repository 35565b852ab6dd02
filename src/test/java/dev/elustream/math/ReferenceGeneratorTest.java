package dev.elustream.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reference generator proves itself on the shared ELU reference (made elsewhere, with other
 * tools), then guards the files it made from drifting.
 */
class ReferenceGeneratorTest {

    private static final MathContext DIGITS_60 = new MathContext(60);

    @Test
    void reproducesTheSharedEluReferenceByteForByte() throws IOException {
        String committed = ReferenceGenerator.resource(ReferenceGenerator.ELU_FILE);
        List<ReferenceGenerator.Input> inputs = ReferenceGenerator.eluInputs();
        assertThat(inputs).hasSize(703);

        String regenerated = ReferenceGenerator.eluCsv(inputs);

        // Same bytes: every value bit for bit, and the same number formatting (Python's repr).
        assertThat(regenerated).isEqualTo(committed);
    }

    @Test
    void committedSeluCeluAndEluAlphaGradientReferencesAreWhatTheGeneratorMakes() throws IOException {
        List<ReferenceGenerator.Input> inputs = ReferenceGenerator.eluInputs();

        assertThat(ReferenceGenerator.seluCsv(inputs))
                .isEqualTo(ReferenceGenerator.resource(ReferenceGenerator.SELU_FILE));
        assertThat(ReferenceGenerator.celuCsv(inputs))
                .isEqualTo(ReferenceGenerator.resource(ReferenceGenerator.CELU_FILE));
        assertThat(ReferenceGenerator.eluAlphaGradientCsv(inputs))
                .isEqualTo(ReferenceGenerator.resource(ReferenceGenerator.ELU_ALPHA_GRADIENT_FILE));
        // BigDecimal.doubleValue (Double.parseDouble of its string on JDK 17) was the nearest
        // double every time; nearest() would have corrected it and counted.
        assertThat(ReferenceGenerator.doubleValueCorrections()).isZero();
    }

    @Test
    void nearestRoundsTiesToEvenAndKeepsTheSignOfUnderflow() {
        BigDecimal one = BigDecimal.ONE;
        BigDecimal halfUlpOfOne = new BigDecimal(Math.ulp(1.0)).divide(BigDecimal.valueOf(2));
        BigDecimal min = new BigDecimal(Double.MIN_VALUE);
        BigDecimal halfMin = min.divide(BigDecimal.valueOf(2));

        assertThat(ReferenceGenerator.nearest(one.add(halfUlpOfOne))).isEqualTo(1.0);
        assertThat(ReferenceGenerator.nearest(one.add(halfUlpOfOne.multiply(BigDecimal.valueOf(3)))))
                .isEqualTo(1.0 + 2 * Math.ulp(1.0));
        assertThat(ReferenceGenerator.nearest(one.add(halfUlpOfOne).add(new BigDecimal("1e-100"))))
                .isEqualTo(Math.nextUp(1.0));
        assertThat(ReferenceGenerator.nearest(halfMin)).isEqualTo(0.0);
        assertThat(ReferenceGenerator.nearest(halfMin.negate())).isEqualTo(-0.0);
        assertThat(ReferenceGenerator.nearest(new BigDecimal("-1e-400"))).isEqualTo(-0.0);
        assertThat(ReferenceGenerator.nearest(halfMin.multiply(BigDecimal.valueOf(3)))).isEqualTo(2 * Double.MIN_VALUE);
        BigDecimal max = new BigDecimal(Double.MAX_VALUE);
        BigDecimal halfUlpOfMax = new BigDecimal(Math.ulp(Double.MAX_VALUE)).divide(BigDecimal.valueOf(2));
        assertThat(ReferenceGenerator.nearest(max.add(halfUlpOfMax))).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(ReferenceGenerator.nearest(max.add(halfUlpOfMax).subtract(BigDecimal.ONE))).isEqualTo(Double.MAX_VALUE);
        assertThat(ReferenceGenerator.nearest(max.add(halfUlpOfMax).negate())).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void expAndExpm1AreAccurateFarFromAndNearZero() {
        // e to 60 digits
        assertThat(ReferenceGenerator.exp(BigDecimal.ONE, new MathContext(80)).round(DIGITS_60))
                .isEqualByComparingTo(new BigDecimal("2.71828182845904523536028747135266249775724709369995957496697"));
        // e^-1000 = 5.0759588975494567652918094795743369193055992828928e-435
        assertThat(ReferenceGenerator.exp(BigDecimal.valueOf(-1000), new MathContext(80)).round(new MathContext(50)))
                .isEqualByComparingTo(new BigDecimal("5.0759588975494567652918094795743369193055992828928E-435"));
        // expm1(-1e-30) = -1e-30 + 5e-61 - ..., which exp(x) - 1 at 60 digits would return as -1e-30 or 0
        assertThat(ReferenceGenerator.expm1(new BigDecimal("-1e-30"), new MathContext(80)).round(DIGITS_60))
                .isEqualByComparingTo(new BigDecimal("-9.99999999999999999999999999999500000000000000000000000000000E-31"));
    }

    @Test
    void retriesWithMoreDigitsWhenAResultIsTooCloseToAMidpoint() {
        // 0.5*expm1(-2^-1074) lies 2^-2150 inside the midpoint between -0.0 and -2^-1074:
        // a single rounding to 80 digits cannot tell which side it is on.
        long before = ReferenceGenerator.retries();
        assertThat(ReferenceGenerator.elu(-Double.MIN_VALUE, 0.5).value()).isEqualTo(-0.0);
        // 1.5*expm1(-2^-1074) is just short of 1.5*2^-1074: down to 2^-1074, not to even (2*2^-1074)
        assertThat(ReferenceGenerator.elu(-Double.MIN_VALUE, 1.5).value()).isEqualTo(-Double.MIN_VALUE);
        assertThat(ReferenceGenerator.retries()).isGreaterThan(before);
    }

    @Test
    void writesNumbersAsPythonsRepr() {
        // Python 3.11: repr(v) for each v
        assertThat(ReferenceGenerator.repr(1e16)).isEqualTo("1e+16");
        assertThat(ReferenceGenerator.repr(1e15)).isEqualTo("1000000000000000.0");
        assertThat(ReferenceGenerator.repr(123456789012345.6)).isEqualTo("123456789012345.6");
        assertThat(ReferenceGenerator.repr(9007199254740992.0)).isEqualTo("9007199254740992.0");
        assertThat(ReferenceGenerator.repr(0.0001)).isEqualTo("0.0001");
        assertThat(ReferenceGenerator.repr(1e-05)).isEqualTo("1e-05");
        assertThat(ReferenceGenerator.repr(0.00012345)).isEqualTo("0.00012345");
        assertThat(ReferenceGenerator.repr(Double.MIN_VALUE)).isEqualTo("5e-324");
        assertThat(ReferenceGenerator.repr(3 * Double.MIN_VALUE)).isEqualTo("1.5e-323");
        assertThat(ReferenceGenerator.repr(123456789 * Double.MIN_VALUE)).isEqualTo("6.0995758e-316");
        assertThat(ReferenceGenerator.repr(Double.MAX_VALUE)).isEqualTo("1.7976931348623157e+308");
        assertThat(ReferenceGenerator.repr(Double.MIN_NORMAL)).isEqualTo("2.2250738585072014e-308");
        assertThat(ReferenceGenerator.repr(1e23)).isEqualTo("1e+23");
        assertThat(ReferenceGenerator.repr(1.0 / 3)).isEqualTo("0.3333333333333333");
        assertThat(ReferenceGenerator.repr(-2.5e-07)).isEqualTo("-2.5e-07");
        assertThat(ReferenceGenerator.repr(100.0)).isEqualTo("100.0");
        assertThat(ReferenceGenerator.repr(-0.0)).isEqualTo("-0.0");
        assertThat(ReferenceGenerator.repr(Double.POSITIVE_INFINITY)).isEqualTo("inf");
        assertThat(ReferenceGenerator.repr(Double.NaN)).isEqualTo("nan");
    }
}
