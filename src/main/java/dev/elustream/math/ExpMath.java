package dev.elustream.math;

/** Products with an exponential that stay accurate where exp alone underflows. */
final class ExpMath {

    private ExpMath() {}

    /**
     * a*exp(x) for finite a &gt;= 0 and x &lt;= 0, to within 2 ulp of the exact product (NaN for NaN).
     *
     * <p>Below x = -708 exp(x) is subnormal: its error, up to half of 2^-1074, becomes a/2 ulp of a
     * subnormal product, and below x = -745 exp(x) is 0 while a*exp(x) can be far larger (1e-48 at
     * a = 1e300, x = -800). For a &lt;= 2 the plain product stays within 2 ulp and is kept (its bits
     * are ELU's since 0.1.0); for a larger a the product is formed from exp(x/2), scaled into the
     * normal range, and rounded once.
     */
    static double timesExp(double a, double x) {
        double e = Math.exp(x);
        // NaN fails the first test and stays NaN
        return e >= Double.MIN_NORMAL || a <= 2.0 ? a * e : timesTinyExp(a, x);
    }

    /** a*exp(x) where exp(x) &lt; 2^-1022: (a*h*h)*2^-1000 with h = exp(x/2)*2^500. */
    private static double timesTinyExp(double a, double x) {
        // x/2 is exact; h is at most 2^-11 here, so a*h*h cannot overflow
        double h = Math.exp(0.5 * x) * 0x1p500;
        return Math.scalb(a * h * h, -1000);
    }
}
