package dev.elustream.testing;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The accuracy contract of the activations, for every test that checks a result: within 2 ulp of
 * the expected (correctly rounded, or another kernel's) value, with zeros (their sign included),
 * infinities and NaN exact.
 */
public final class Ulps {

    /** The most ulps a result may be from the correctly rounded value. */
    public static final long MAX = 2;

    private Ulps() {}

    /**
     * The doubles between a and b, both included in the count of steps (0 if the same double; -0.0
     * and 0.0 are one apart), or Long.MAX_VALUE if one is NaN and the other not.
     */
    public static long between(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Double.isNaN(a) && Double.isNaN(b) ? 0 : Long.MAX_VALUE;
        }
        return Math.abs(ordinal(a) - ordinal(b));
    }

    /** {@link #between(double, double)} for floats. */
    public static long between(float a, float b) {
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return Float.isNaN(a) && Float.isNaN(b) ? 0 : Long.MAX_VALUE;
        }
        return Math.abs(ordinal(a) - ordinal(b));
    }

    /**
     * Whether actual is within 2 ulp of expected, counted both as doubles between them and as
     * |actual - expected| / ulp(expected) (the two differ by one step at a power of two); zeros,
     * infinities and NaN must match exactly.
     */
    public static boolean within2Ulp(double actual, double expected) {
        if (expected == 0.0 || !Double.isFinite(expected)) {
            return Double.doubleToLongBits(actual) == Double.doubleToLongBits(expected);
        }
        return between(actual, expected) <= MAX && Math.abs(actual - expected) <= MAX * Math.ulp(expected);
    }

    /** {@link #within2Ulp(double, double)} for floats. */
    public static boolean within2Ulp(float actual, float expected) {
        if (expected == 0.0f || !Float.isFinite(expected)) {
            return Float.floatToIntBits(actual) == Float.floatToIntBits(expected);
        }
        return between(actual, expected) <= MAX && Math.abs(actual - expected) <= MAX * Math.ulp(expected);
    }

    public static void assertWithin2Ulp(double actual, double expected, String what) {
        assertThat(within2Ulp(actual, expected))
                .as(() -> what + ": got " + actual + ", expected " + expected + " (" + between(actual, expected) + " ulp apart)")
                .isTrue();
    }

    public static void assertWithin2Ulp(float actual, float expected, String what) {
        assertThat(within2Ulp(actual, expected))
                .as(() -> what + ": got " + actual + ", expected " + expected + " (" + between(actual, expected) + " ulp apart)")
                .isTrue();
    }

    private static long ordinal(double d) {
        long bits = Double.doubleToRawLongBits(d);
        return bits < 0 ? Long.MIN_VALUE - bits - 1 : bits;
    }

    private static long ordinal(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits < 0 ? (long) Integer.MIN_VALUE - bits - 1 : bits;
    }
}
