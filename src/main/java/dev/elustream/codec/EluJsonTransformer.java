package dev.elustream.codec;

import dev.elustream.math.ActivationFunction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * Transforms JSON record values: {@code {..., "features":[x0,x1,...], ...}} becomes
 * {@code {..., "features":[f(x0),...],"derivative":[f'(x0),...],"alpha_gradient":[df/dalpha(x0),...], ...}}
 * for an activation f of the ELU family (no derivative in mode activation, no alpha_gradient unless
 * asked for), every other top-level member copied byte for byte in its place; a value that cannot be
 * transformed throws {@link VectorRejectedException} with the reason (for the dead-letter topic).
 *
 * <p>Not thread-safe: one instance per thread/operator, which reuses its buffers across records.
 */
public final class EluJsonTransformer implements VectorTransformer {

    private static final byte[] FEATURES_OPEN = bytes("\"features\":[");
    private static final byte[] DERIVATIVE_OPEN = bytes(",\"derivative\":[");
    private static final byte[] ALPHA_GRADIENT_OPEN = bytes(",\"alpha_gradient\":[");

    private final ActivationFunction activation;
    private final OutputMode mode;
    private final boolean alphaGradient;
    /** The activation's largest x with a finite f(x), above which a vector is rejected. */
    private final double maxFiniteInput;
    private final FeatureVectorJsonParser parser;
    private final OutputBuffer out = new OutputBuffer(1024);
    private final ActivationPass pass;
    private int lastLength;
    private int lastNonPositiveCount;

    /**
     * A transformer that writes no alpha-gradient; see {@link #EluJsonTransformer(ActivationFunction,
     * OutputMode, boolean, int, int)}.
     */
    public EluJsonTransformer(ActivationFunction activation, OutputMode mode, int dimension, int maxDimension) {
        this(activation, mode, false, dimension, maxDimension);
    }

    /**
     * @param activation the activation, e.g. {@code Activations.of(ActivationKind.CELU, 0.5)}
     * @param mode whether the derivative is written too
     * @param alphaGradient whether an {@code alpha_gradient} member with df/dalpha follows (then a
     *     value that has one already is rejected)
     * @param dimension the required vector length, or 0 for any length up to {@code maxDimension}
     * @param maxDimension the longest vector accepted, at least 1; a longer one is rejected without
     *     being buffered
     * @throws IllegalArgumentException if {@code maxDimension < 1} or {@code dimension} is negative or
     *     above {@code maxDimension}
     * @throws NullPointerException if {@code activation} or {@code mode} is null
     */
    public EluJsonTransformer(
            ActivationFunction activation, OutputMode mode, boolean alphaGradient, int dimension, int maxDimension) {
        this.activation = Objects.requireNonNull(activation, "activation");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.alphaGradient = alphaGradient;
        this.pass = new ActivationPass(this.activation, this.mode, alphaGradient);
        this.maxFiniteInput = activation.maxFiniteInput();
        if (maxDimension < 1) {
            throw new IllegalArgumentException("maxDimension must be >= 1, got " + maxDimension);
        }
        if (dimension < 0 || dimension > maxDimension) {
            throw new IllegalArgumentException("dimension must be 0 (any) or between 1 and maxDimension ("
                    + maxDimension + "), got " + dimension);
        }
        this.parser = new FeatureVectorJsonParser(dimension, maxDimension);
    }

    /**
     * Transforms one record value.
     *
     * @param value the record value, UTF-8 JSON (null, a tombstone, is rejected as empty)
     * @return the new value, a fresh array the caller owns
     * @throws VectorRejectedException with the reason if the value cannot be transformed; nothing else
     *     is thrown for any input
     */
    public byte[] transform(@Nullable byte[] value) throws VectorRejectedException {
        parser.parse(value);
        if (mode == OutputMode.BOTH && parser.hasDerivative()) {
            throw new VectorRejectedException(RejectKind.MEMBER_CONFLICT,
                    "value already has a 'derivative' member, which this job writes"
                    + " (mode both): remove it or use mode activation");
        }
        if (alphaGradient && parser.hasAlphaGradient()) {
            throw new VectorRejectedException(RejectKind.MEMBER_CONFLICT,
                    "value already has an 'alpha_gradient' member, which this job writes"
                    + " (alpha-gradient true): remove it or set alpha-gradient false");
        }
        int n = parser.length();
        double[] x = parser.features();
        checkFiniteResults(x, n);
        pass.apply(x, n);

        out.reset();
        // Every member fits in what it took in the input; each number in MAX_DOUBLE_LENGTH and a comma.
        long arrays = 1L + (mode == OutputMode.BOTH ? 1 : 0) + (alphaGradient ? 1 : 0);
        long numbers = arrays * n * (OutputBuffer.MAX_DOUBLE_LENGTH + 1);
        out.reserve(value.length + FEATURES_OPEN.length + DERIVATIVE_OPEN.length + ALPHA_GRADIENT_OPEN.length
                + numbers + 2);
        out.append((byte) '{');
        for (int i = 0; i < parser.memberCount(); i++) {
            if (i > 0) {
                out.append((byte) ',');
            }
            if (i == parser.featuresMember()) {
                out.append(FEATURES_OPEN, 0, FEATURES_OPEN.length);
                appendNumbers(x, n);
                if (mode == OutputMode.BOTH) {
                    out.append(DERIVATIVE_OPEN, 0, DERIVATIVE_OPEN.length);
                    appendNumbers(pass.derivatives(), n);
                }
                if (alphaGradient) {
                    out.append(ALPHA_GRADIENT_OPEN, 0, ALPHA_GRADIENT_OPEN.length);
                    appendNumbers(pass.alphaGradients(), n);
                }
            } else {
                int start = parser.memberStart(i);
                out.append(value, start, parser.memberEnd(i) - start);
            }
        }
        out.append((byte) '}');
        lastLength = n;
        lastNonPositiveCount = parser.nonPositiveCount();
        return out.toByteArray();
    }

    /** Number of elements of the last successfully transformed vector (for metrics); 0 before any. */
    public int lastLength() {
        return lastLength;
    }

    /**
     * Number of elements {@code <= 0} (those that take the activation's exponential branch) of the
     * last successfully transformed vector, counted on the input (for metrics); 0 before any.
     */
    public int lastNonPositiveCount() {
        return lastNonPositiveCount;
    }

    /**
     * Rejects a vector with an element whose f(x) would be infinite (SELU's scale*x above 1.71e308),
     * which JSON cannot carry: only activations that can overflow pay for the scan.
     */
    private void checkFiniteResults(double[] x, int n) throws VectorRejectedException {
        if (maxFiniteInput == Double.MAX_VALUE) {
            return;
        }
        for (int i = 0; i < n; i++) {
            if (x[i] > maxFiniteInput) {
                throw new VectorRejectedException(RejectKind.NUMBER_NOT_FINITE, "features[" + i + "] = " + x[i]
                        + " is too large for activation " + activation.kind().id() + ": f(x) would not fit a finite"
                        + " double (the largest x it takes is " + maxFiniteInput + ")");
            }
        }
    }

    private void appendNumbers(double[] values, int n) {
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                out.append((byte) ',');
            }
            out.appendDouble(values[i]);
        }
        out.append((byte) ']');
    }

    private static byte[] bytes(String ascii) {
        return ascii.getBytes(StandardCharsets.US_ASCII);
    }
}
