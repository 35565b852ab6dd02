package dev.elustream.perf;

/**
 * How the input's numbers are written ({@code --numbers}): {@link #FULL} as {@link Double#toString}
 * of the random double (up to 17 significant digits), {@link #SIX} with exactly six decimals, as
 * {@code String.format("%.6f", x)} writes them (e.g. {@code -3.581839}). The expected outputs are
 * computed from {@link #written(double)}, the double the text parses to.
 */
enum InputNumbers {
    FULL("full"),
    SIX("six");

    /** The largest magnitude {@link #SIX} writes: x * 10^6 must stay well within a long. */
    static final double SIX_MAX = 1e12;

    private final String optionName;

    InputNumbers(String optionName) {
        this.optionName = optionName;
    }

    /** The name given with {@code --numbers}. */
    String optionName() {
        return optionName;
    }

    /**
     * The numbers with that name.
     *
     * @throws IllegalArgumentException for a name none has
     */
    static InputNumbers named(String name) {
        for (InputNumbers n : values()) {
            if (n.optionName.equals(name)) {
                return n;
            }
        }
        throw new IllegalArgumentException("--numbers must be full or six, got '" + name + "'");
    }

    /** Appends x as the input's JSON text has it. */
    void append(StringBuilder sb, double x) {
        if (this == FULL) {
            sb.append(x);
        } else {
            appendSixDecimals(sb, x);
        }
    }

    /** The double that the text {@link #append} writes for x parses to (x itself for FULL). */
    double written(double x) {
        if (this == FULL) {
            return x;
        }
        StringBuilder sb = new StringBuilder(24);
        appendSixDecimals(sb, x);
        return Double.parseDouble(sb.toString());
    }

    /**
     * x rounded to six decimals, half away from zero, without String.format's cost: the integer
     * part, a point and six digits; "-" for a negative x even when it rounds to zero, as %.6f does.
     *
     * @throws IllegalArgumentException for NaN, infinities and magnitudes of {@value #SIX_MAX} and more
     */
    static void appendSixDecimals(StringBuilder sb, double x) {
        if (!(Math.abs(x) < SIX_MAX)) {
            throw new IllegalArgumentException("six decimals are written for |x| < 1e12 only, got " + x);
        }
        long micros = Math.round(Math.abs(x) * 1e6);
        if (Double.doubleToRawLongBits(x) < 0) {
            sb.append('-');
        }
        long fraction = micros % 1_000_000;
        sb.append(micros / 1_000_000).append('.');
        for (long digit = 100_000; digit > fraction && digit > 1; digit /= 10) {
            sb.append('0');
        }
        sb.append(fraction);
    }
}
