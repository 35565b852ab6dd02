package dev.elustream.math;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Correctly rounded reference values of the ELU family, and the CSV files made of them.
 *
 * <p>Method: x, alpha, scale are taken as the exact rationals their doubles are. exp and expm1 are
 * computed in {@link BigDecimal}: the argument is halved (exactly) until it is at most 2^-10, expm1
 * of that comes from its Taylor series (accurate near 0, where exp(x) - 1 would cancel), then
 * e^(2r) = (e^r)^2 and e^(2r) - 1 = m*(m + 2) undo the halvings (at most 23 for |x| &lt;= 5000, each
 * at most doubling the relative error). CELU's alpha-gradient expm1(t) - t*exp(t) cancels for small
 * |t|: there it is summed from its own series, -sum((n-1)*t^n/n!). Each result is rounded to the
 * nearest double (ties to even) by exact comparison with the midpoints to its neighbours
 * ({@link #nearest}, which does not rely on {@code BigDecimal.doubleValue}), and only if the whole
 * interval result*(1 &plusmn; 10^-(d-40)) rounds to that same double, d being the working digits,
 * of which rounding and the halvings cost fewer than 15 (Ziv's test). A result too close to a
 * midpoint to tell (e.g. alpha*x for a tiny x, whose exact product can be a midpoint) is computed
 * again with twice the digits: 80, 160, ... 1280; beyond that it fails loudly rather than round the
 * wrong way. Below x = -5000, exp(x) &lt; 1e-2171: the formulas are evaluated at both ends of
 * exp(x) in [0, 1e-2000] (they are monotonic in it) and must round the same.
 *
 * <p>Zeros: at x = &plusmn;0 the exact results are 0 and take the sign of x (as the double
 * expressions do: alpha*expm1(-0.0) = -0.0); a nonzero result that rounds to 0 keeps its sign.
 *
 * <p>{@link #main} rewrites the committed reference files from the inputs (x, alpha) of
 * {@code elu-reference.csv}, which it also regenerates and requires unchanged; numbers are written
 * as Python's {@code repr} writes them, the form of the shared ELU reference.
 */
final class ReferenceGenerator {

    /** Working precisions, in significant digits, tried in turn. */
    private static final int[] DIGITS = {80, 160, 320, 640, 1280};
    private static final BigDecimal SMALL = BigDecimal.ONE.divide(BigDecimal.valueOf(1024));
    private static final BigDecimal HALF = new BigDecimal("0.5");
    private static final BigDecimal TWO = BigDecimal.valueOf(2);
    private static final BigDecimal UNDERFLOW = BigDecimal.valueOf(-5000);
    /** An upper bound of exp(x) for x &lt; {@link #UNDERFLOW}. */
    private static final BigDecimal NEGLIGIBLE = new BigDecimal("1e-2000");
    /** Below |t| = 1/2 CELU's alpha-gradient is summed from its series. */
    private static final BigDecimal SERIES_LIMIT = HALF;
    /** Double.MAX_VALUE + ulp(MAX_VALUE)/2: from here on (a tie, to even) values round to infinity. */
    private static final BigDecimal OVERFLOW =
            new BigDecimal(Double.MAX_VALUE).add(new BigDecimal(Math.ulp(Double.MAX_VALUE)).multiply(HALF));

    static final String ELU_FILE = "elu-reference.csv";
    static final String ELU_ALPHA_GRADIENT_FILE = "elu-alpha-gradient-reference.csv";
    static final String SELU_FILE = "selu-reference.csv";
    static final String CELU_FILE = "celu-reference.csv";

    /** How often {@code BigDecimal.doubleValue} was not the nearest double (expected: never). */
    private static long doubleValueCorrections;
    /** How many results needed more than the first working precision. */
    private static long retries;

    private ReferenceGenerator() {}

    /** One input and its correctly rounded f, f' and df/dalpha. */
    record Row(double x, double alpha, double value, double derivative, double alphaGradient) {}

    /** A working precision and the relative error its results are assumed to carry. */
    private record Precision(MathContext mc, BigDecimal error) {
        static Precision of(int digits) {
            return new Precision(new MathContext(digits, RoundingMode.HALF_EVEN), BigDecimal.ONE.movePointLeft(digits - 40));
        }

        int digits() {
            return mc.getPrecision();
        }
    }

    /** Thrown when a result is too close to a rounding boundary for the working precision. */
    private static final class TooClose extends ArithmeticException {
        private static final long serialVersionUID = 1L;

        TooClose(String message) {
            super(message);
        }
    }

    /** One result computed at a given precision. */
    private interface Computation {
        double at(Precision p);
    }

    /** The computation at the first precision whose Ziv test it passes. */
    private static double correctlyRounded(Computation c) {
        TooClose last = null;
        for (int i = 0; i < DIGITS.length; i++) {
            try {
                double d = c.at(Precision.of(DIGITS[i]));
                retries += i;
                return d;
            } catch (TooClose e) {
                last = e;
            }
        }
        throw last;
    }

    /** The correctly rounded ELU at (x, alpha), alpha &gt; 0. */
    static Row elu(double x, double alpha) {
        requirePositive(alpha);
        if (x > 0 || Double.isNaN(x)) {
            return positive(x, alpha, x, 1.0);
        }
        if (x == 0) {
            return new Row(x, alpha, x, alpha, x);
        }
        BigDecimal a = new BigDecimal(alpha);
        return new Row(x, alpha,
                correctlyRounded(p -> evaluate(exact(x), p, (m, e) -> a.multiply(m, p.mc()))),
                correctlyRounded(p -> evaluate(exact(x), p, (m, e) -> a.multiply(e, p.mc()))),
                correctlyRounded(p -> evaluate(exact(x), p, (m, e) -> m)));
    }

    /** The correctly rounded SELU at x, with the doubles SELU_ALPHA and SELU_SCALE taken as exact. */
    static Row selu(double x) {
        double alpha = ActivationKind.SELU_ALPHA;
        BigDecimal scale = new BigDecimal(ActivationKind.SELU_SCALE);
        BigDecimal scaleAlpha = scale.multiply(new BigDecimal(alpha)); // exact
        if (x > 0 || Double.isNaN(x)) {
            return positive(x, alpha, Double.isNaN(x) ? x : nearest(scale.multiply(exact(x))), ActivationKind.SELU_SCALE);
        }
        if (x == 0) {
            return new Row(x, alpha, x, nearest(scaleAlpha), x);
        }
        return new Row(x, alpha,
                correctlyRounded(p -> evaluate(exact(x), p, (m, e) -> scaleAlpha.multiply(m, p.mc()))),
                correctlyRounded(p -> evaluate(exact(x), p, (m, e) -> scaleAlpha.multiply(e, p.mc()))),
                correctlyRounded(p -> evaluate(exact(x), p, (m, e) -> scale.multiply(m, p.mc()))));
    }

    /** The correctly rounded CELU at (x, alpha), alpha &gt; 0; t = x/alpha is not rounded to a double. */
    static Row celu(double x, double alpha) {
        requirePositive(alpha);
        if (x > 0 || Double.isNaN(x)) {
            return positive(x, alpha, x, 1.0);
        }
        if (x == 0) {
            return new Row(x, alpha, x, 1.0, x);
        }
        BigDecimal a = new BigDecimal(alpha);
        return new Row(x, alpha,
                correctlyRounded(p -> evaluate(exact(x).divide(a, p.mc()), p, (m, e) -> a.multiply(m, p.mc()))),
                correctlyRounded(p -> evaluate(exact(x).divide(a, p.mc()), p, (m, e) -> e)),
                correctlyRounded(p -> celuAlphaGradient(exact(x).divide(a, p.mc()), p)));
    }

    private static double celuAlphaGradient(BigDecimal t, Precision p) {
        BigDecimal u = t.negate();
        if (u.compareTo(SERIES_LIMIT) < 0) {
            // expm1(t) - t*exp(t): both terms are about t, their difference about -t^2/2
            return approximately(celuGradientSeries(t, p.mc()), p);
        }
        return evaluate(t, p, (m, e) -> m.add(u.multiply(e, p.mc()), p.mc()));
    }

    private static Row positive(double x, double alpha, double value, double derivative) {
        return new Row(x, alpha, value, Double.isNaN(x) ? x : derivative, Double.isNaN(x) ? x : 0.0);
    }

    private static void requirePositive(double alpha) {
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("reference alpha must be finite and > 0, got " + alpha);
        }
    }

    private static BigDecimal exact(double x) {
        return new BigDecimal(x);
    }

    /** A result as a function of m = expm1(arg) and e = exp(arg), increasing in both. */
    private interface Formula {
        BigDecimal apply(BigDecimal m, BigDecimal e);
    }

    /** The formula at arg &lt; 0, correctly rounded. */
    private static double evaluate(BigDecimal arg, Precision p, Formula f) {
        if (arg.compareTo(UNDERFLOW) < 0) {
            // exp(arg) is in (0, 1e-2000): both ends must round alike. The result lies strictly
            // between them, so an end that is exactly 0 stands for a zero of the other end's sign.
            BigDecimal lowEnd = f.apply(BigDecimal.ONE.negate(), BigDecimal.ZERO);
            BigDecimal highEnd = f.apply(NEGLIGIBLE.subtract(BigDecimal.ONE), NEGLIGIBLE);
            double high = nearest(highEnd);
            double low = lowEnd.signum() == 0 ? Math.copySign(0.0, high) : nearest(lowEnd);
            if (Double.doubleToRawLongBits(low) != Double.doubleToRawLongBits(high)) {
                throw new ArithmeticException("cannot round the result at " + arg + ": " + low + " or " + high);
            }
            return low;
        }
        return approximately(f.apply(expm1(arg, p.mc()), exp(arg, p.mc())), p);
    }

    /** -sum over n &gt;= 2 of (n-1)*t^n/n!, for |t| &lt; 1/2 (alternating, decreasing terms). */
    static BigDecimal celuGradientSeries(BigDecimal t, MathContext mc) {
        BigDecimal power = t.multiply(t, mc).divide(TWO, mc); // t^n/n!, from n = 2
        BigDecimal sum = power.negate();
        for (int n = 3; ; n++) {
            power = power.multiply(t, mc).divide(BigDecimal.valueOf(n), mc);
            BigDecimal term = power.multiply(BigDecimal.valueOf(n - 1)).negate();
            sum = sum.add(term, mc);
            if (negligible(term, sum, mc)) {
                return sum;
            }
        }
    }

    /** e^a - 1 for |a| &lt;= 5000, within 1e7 units of the last digit of mc. */
    static BigDecimal expm1(BigDecimal a, MathContext mc) {
        int halvings = 0;
        BigDecimal r = a;
        while (r.abs().compareTo(SMALL) > 0) {
            r = r.multiply(HALF); // exact
            halvings++;
        }
        BigDecimal m = expm1Series(r, mc);
        for (int i = 0; i < halvings; i++) {
            m = m.multiply(m.add(TWO), mc); // e^(2r) - 1 = (e^r - 1)(e^r + 1)
        }
        return m;
    }

    /** e^a for |a| &lt;= 5000, within 1e7 units of the last digit of mc. */
    static BigDecimal exp(BigDecimal a, MathContext mc) {
        int halvings = 0;
        BigDecimal r = a;
        while (r.abs().compareTo(SMALL) > 0) {
            r = r.multiply(HALF);
            halvings++;
        }
        BigDecimal e = BigDecimal.ONE.add(expm1Series(r, mc), mc);
        for (int i = 0; i < halvings; i++) {
            e = e.multiply(e, mc);
        }
        return e;
    }

    /** Taylor series of e^r - 1, |r| &lt;= 2^-10. */
    private static BigDecimal expm1Series(BigDecimal r, MathContext mc) {
        BigDecimal term = r.round(mc);
        BigDecimal sum = term;
        for (int n = 2; ; n++) {
            term = term.multiply(r, mc).divide(BigDecimal.valueOf(n), mc);
            sum = sum.add(term, mc);
            if (negligible(term, sum, mc)) {
                return sum;
            }
        }
    }

    private static boolean negligible(BigDecimal term, BigDecimal sum, MathContext mc) {
        return term.signum() == 0 || term.abs().compareTo(sum.abs().movePointLeft(mc.getPrecision() + 5)) < 0;
    }

    /** The double nearest to a result known to within p's error, relative, or {@link TooClose}. */
    private static double approximately(BigDecimal v, Precision p) {
        if (v.signum() == 0) {
            throw new ArithmeticException("an approximated result is exactly 0: its sign is unknown");
        }
        BigDecimal radius = v.abs().multiply(p.error(), p.mc());
        double low = nearest(v.subtract(radius));
        double high = nearest(v.add(radius));
        if (Double.doubleToRawLongBits(low) != Double.doubleToRawLongBits(high)) {
            throw new TooClose("result " + v.round(new MathContext(40)) + " is within " + p.error()
                    + " of a rounding boundary at " + p.digits() + " digits");
        }
        return low;
    }

    /**
     * The double nearest to the exact value v, ties to even (IEEE round-to-nearest); a nonzero v
     * that rounds to 0 gives a zero of its sign. Starts from {@code v.doubleValue()} and proves the
     * result against the exact midpoints to its neighbours, stepping if it was not the nearest.
     */
    static double nearest(BigDecimal v) {
        if (v.signum() == 0) {
            throw new IllegalArgumentException("exact zero has no sign: handle it before rounding");
        }
        double d = v.doubleValue();
        while (true) {
            if (Double.isInfinite(d)) {
                if (v.abs().compareTo(OVERFLOW) >= 0) {
                    return d;
                }
                d = Math.copySign(Double.MAX_VALUE, d);
                doubleValueCorrections++;
                continue;
            }
            BigDecimal here = new BigDecimal(d);
            BigDecimal upper = Math.nextUp(d) == Double.POSITIVE_INFINITY
                    ? OVERFLOW : here.add(new BigDecimal(Math.nextUp(d))).multiply(HALF);
            BigDecimal lower = Math.nextDown(d) == Double.NEGATIVE_INFINITY
                    ? OVERFLOW.negate() : here.add(new BigDecimal(Math.nextDown(d))).multiply(HALF);
            boolean odd = (Double.doubleToRawLongBits(d) & 1) != 0;
            int up = v.compareTo(upper);
            int down = v.compareTo(lower);
            if (up > 0 || up == 0 && odd) {
                d = Math.nextUp(d);
                doubleValueCorrections++;
            } else if (down < 0 || down == 0 && odd) {
                d = Math.nextDown(d);
                doubleValueCorrections++;
            } else {
                return d == 0 ? Math.copySign(0.0, v.signum()) : d;
            }
        }
    }

    /** How often {@link #nearest} had to correct {@code BigDecimal.doubleValue}, since the JVM started. */
    static long doubleValueCorrections() {
        return doubleValueCorrections;
    }

    /** How many results needed more than the first working precision, since the JVM started. */
    static long retries() {
        return retries;
    }

    /**
     * d as Python's {@code repr} writes it: the shortest digits that read back as d (the nearest of
     * them to d if several), plain notation for decimal exponents -4 to 15, else {@code 1e-05},
     * {@code 1.5e+300}; {@code 0.0}, {@code -0.0}, {@code inf}, {@code -inf}, {@code nan}.
     */
    static String repr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return Double.doubleToRawLongBits(d) == 0 ? "0.0" : "-0.0";
        }
        BigDecimal digits = shortestDigits(Math.abs(d));
        String s = digits.unscaledValue().toString();
        int exponent = digits.precision() - digits.scale() - 1; // d = s[0].s[1..] * 10^exponent
        StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (exponent >= -4 && exponent < 16) {
            if (exponent >= 0) {
                String padded = s.length() > exponent + 1 ? s : s + "0".repeat(exponent + 1 - s.length());
                String integer = padded.substring(0, exponent + 1);
                String fraction = padded.substring(exponent + 1);
                out.append(integer).append('.').append(fraction.isEmpty() ? "0" : fraction);
            } else {
                out.append("0.").append("0".repeat(-exponent - 1)).append(s);
            }
        } else {
            out.append(s.charAt(0));
            if (s.length() > 1) {
                out.append('.').append(s, 1, s.length());
            }
            out.append('e').append(exponent < 0 ? '-' : '+');
            int e = Math.abs(exponent);
            out.append(e < 10 ? "0" + e : Integer.toString(e));
        }
        return out.toString();
    }

    /** The shortest decimal that reads back as d &gt; 0, the nearest to d among those; no trailing zeros. */
    private static BigDecimal shortestDigits(double d) {
        BigDecimal exact = new BigDecimal(d);
        for (int precision = 1; precision <= 17; precision++) {
            BigDecimal best = null;
            for (RoundingMode mode : new RoundingMode[] {RoundingMode.FLOOR, RoundingMode.CEILING}) {
                BigDecimal candidate = exact.round(new MathContext(precision, mode));
                if (Double.parseDouble(candidate.toString()) == d && (best == null
                        || candidate.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
                    best = candidate;
                }
            }
            if (best != null) {
                BigDecimal stripped = best.stripTrailingZeros();
                return stripped;
            }
        }
        throw new AssertionError("no decimal of 17 digits reads back as " + d);
    }

    /** The inputs of a reference file: its first two columns. */
    record Input(double x, double alpha) {}

    /** The (x, alpha) rows of the committed ELU reference, in order. */
    static List<Input> eluInputs() throws IOException {
        List<Input> inputs = new ArrayList<>();
        String[] lines = resource(ELU_FILE).split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",");
            inputs.add(new Input(parse(f[0]), parse(f[1])));
        }
        return inputs;
    }

    /** The committed reference file's text. */
    static String resource(String name) throws IOException {
        try (InputStream in = Objects.requireNonNull(ReferenceGenerator.class.getResourceAsStream("/" + name), name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Reads a number as the CSV files write it (Python's repr, so also inf, -inf, nan). */
    static double parse(String text) {
        return switch (text) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    /** elu-reference.csv: x,alpha,elu,derivative. */
    static String eluCsv(List<Input> inputs) {
        StringBuilder sb = new StringBuilder("x,alpha,elu,derivative\n");
        for (Input in : inputs) {
            Row r = elu(in.x(), in.alpha());
            line(sb, r.x(), r.alpha(), r.value(), r.derivative());
        }
        return sb.toString();
    }

    /** elu-alpha-gradient-reference.csv: x,alpha,alpha_gradient, for the rows of the ELU file. */
    static String eluAlphaGradientCsv(List<Input> inputs) {
        StringBuilder sb = new StringBuilder("x,alpha,alpha_gradient\n");
        for (Input in : inputs) {
            Row r = elu(in.x(), in.alpha());
            line(sb, r.x(), r.alpha(), r.alphaGradient());
        }
        return sb.toString();
    }

    /** selu-reference.csv: x,alpha,value,derivative,alpha_gradient, for each distinct x of the ELU file. */
    static String seluCsv(List<Input> inputs) {
        StringBuilder sb = new StringBuilder("x,alpha,value,derivative,alpha_gradient\n");
        Set<Long> seen = new LinkedHashSet<>();
        for (Input in : inputs) {
            if (seen.add(Double.doubleToRawLongBits(in.x()))) {
                Row r = selu(in.x());
                line(sb, r.x(), r.alpha(), r.value(), r.derivative(), r.alphaGradient());
            }
        }
        return sb.toString();
    }

    /** celu-reference.csv: x,alpha,value,derivative,alpha_gradient, for the rows of the ELU file with alpha &gt; 0. */
    static String celuCsv(List<Input> inputs) {
        StringBuilder sb = new StringBuilder("x,alpha,value,derivative,alpha_gradient\n");
        for (Input in : inputs) {
            if (in.alpha() > 0) {
                Row r = celu(in.x(), in.alpha());
                line(sb, r.x(), r.alpha(), r.value(), r.derivative(), r.alphaGradient());
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, double... values) {
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ",").append(repr(values[i]));
        }
        sb.append('\n');
    }

    /**
     * Rewrites the reference files in the given directory (default {@code src/test/resources}) from
     * the inputs of the committed {@code elu-reference.csv}, which must come out unchanged.
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources");
        List<Input> inputs = eluInputs();
        String elu = eluCsv(inputs);
        if (!elu.equals(resource(ELU_FILE))) {
            throw new IllegalStateException("the generator does not reproduce " + ELU_FILE + ": not writing anything");
        }
        Files.writeString(dir.resolve(ELU_ALPHA_GRADIENT_FILE), eluAlphaGradientCsv(inputs), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(SELU_FILE), seluCsv(inputs), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(CELU_FILE), celuCsv(inputs), StandardCharsets.UTF_8);
        System.out.println("wrote " + ELU_ALPHA_GRADIENT_FILE + ", " + SELU_FILE + ", " + CELU_FILE + " to " + dir
                + " (" + ELU_FILE + " reproduced byte for byte; doubleValue corrections: " + doubleValueCorrections
                + ", results needing more than " + DIGITS[0] + " digits: " + retries + ")");
    }
}
