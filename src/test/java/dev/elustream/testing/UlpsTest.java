package dev.elustream.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UlpsTest {

    @Test
    void countsTheDoublesBetween() {
        assertThat(Ulps.between(1.0, 1.0)).isZero();
        assertThat(Ulps.between(1.0, Math.nextUp(Math.nextUp(1.0)))).isEqualTo(2);
        assertThat(Ulps.between(-0.0, 0.0)).isEqualTo(1);
        assertThat(Ulps.between(-Double.MIN_VALUE, Double.MIN_VALUE)).isEqualTo(3);
        assertThat(Ulps.between(Double.NaN, Double.NaN)).isZero();
        assertThat(Ulps.between(Double.NaN, 1.0)).isEqualTo(Long.MAX_VALUE);
        assertThat(Ulps.between(-1.0f, Math.nextDown(Math.nextDown(-1.0f)))).isEqualTo(2);
        assertThat(Ulps.between(-0.0f, 0.0f)).isEqualTo(1);
    }

    @Test
    void allowsTwoUlpAndNoMore() {
        double e = -0.8646647167633873;
        assertThat(Ulps.within2Ulp(Math.nextUp(Math.nextUp(e)), e)).isTrue();
        assertThat(Ulps.within2Ulp(Math.nextDown(Math.nextDown(e)), e)).isTrue();
        assertThat(Ulps.within2Ulp(Math.nextUp(Math.nextUp(Math.nextUp(e))), e)).isFalse();
        float f = 0.1f;
        assertThat(Ulps.within2Ulp(Math.nextUp(Math.nextUp(f)), f)).isTrue();
        assertThat(Ulps.within2Ulp(Math.nextUp(Math.nextUp(Math.nextUp(f))), f)).isFalse();
    }

    @Test
    void holdsBothMeasuresAtAPowerOfTwo() {
        // below 2.0 the doubles are half as far apart: 4 steps down are 2 ulp(2.0) away
        double below = 2.0;
        for (int i = 0; i < 4; i++) {
            below = Math.nextDown(below);
        }
        assertThat(Ulps.within2Ulp(below, 2.0)).as("4 doubles between").isFalse();
        // above 2 - ulp, two steps up land 3 ulp(expected) away
        double expected = Math.nextDown(2.0);
        assertThat(Ulps.within2Ulp(Math.nextUp(Math.nextUp(expected)), expected)).as("3 ulp of expected").isFalse();
    }

    @Test
    void wantsZerosInfinitiesAndNanExactly() {
        assertThat(Ulps.within2Ulp(0.0, -0.0)).isFalse();
        assertThat(Ulps.within2Ulp(Double.MIN_VALUE, 0.0)).isFalse();
        assertThat(Ulps.within2Ulp(-0.0, -0.0)).isTrue();
        assertThat(Ulps.within2Ulp(Double.NaN, Double.NaN)).isTrue();
        assertThat(Ulps.within2Ulp(1.0, Double.NaN)).isFalse();
        assertThat(Ulps.within2Ulp(Double.MAX_VALUE, Double.POSITIVE_INFINITY)).isFalse();
        assertThat(Ulps.within2Ulp(-0.0f, 0.0f)).isFalse();
    }

    @Test
    void saysWhatAndHowFar() {
        assertThatThrownBy(() -> Ulps.assertWithin2Ulp(1.0 + 8 * Math.ulp(1.0), 1.0, "value at x=1"))
                .hasMessageContaining("value at x=1: got 1.0000000000000018, expected 1.0 (8 ulp apart)");
    }
}
