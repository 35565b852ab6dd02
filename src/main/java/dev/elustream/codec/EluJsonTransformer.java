package dev.elustream.codec;

import dev.elustream.math.Elu;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * Transforms JSON record values: {@code {..., "features":[x0,x1,...], ...}} becomes
 * {@code {..., "features":[f(x0),...],"derivative":[f'(x0),...], ...}} (no derivative in mode
 * activation), every other top-level member copied byte for byte in its place; a value that cannot be
 * transformed throws {@link VectorRejectedException} with the reason (for the dead-letter topic).
 *
 * <p>Not thread-safe: one instance per thread/operator, which reuses its buffers across records.
 */
public final class EluJsonTransformer {

    private static final byte[] FEATURES_OPEN = bytes("\"features\":[");
    private static final byte[] DERIVATIVE_OPEN = bytes(",\"derivative\":[");

    private final Elu elu;
    private final OutputMode mode;
    private final FeatureVectorJsonParser parser;
    private final OutputBuffer out = new OutputBuffer(1024);
    private double[] derivatives = new double[0];
    private int lastLength;

    /**
     * @param elu the activation
     * @param mode whether the derivative is written too
     * @param dimension the required vector length, or 0 for any length up to {@code maxDimension}
     * @param maxDimension the longest vector accepted, at least 1; a longer one is rejected without
     *     being buffered
     * @throws IllegalArgumentException if {@code maxDimension < 1} or {@code dimension} is negative or
     *     above {@code maxDimension}
     * @throws NullPointerException if {@code elu} or {@code mode} is null
     */
    public EluJsonTransformer(Elu elu, OutputMode mode, int dimension, int maxDimension) {
        this.elu = Objects.requireNonNull(elu, "elu");
        this.mode = Objects.requireNonNull(mode, "mode");
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
            throw new VectorRejectedException("value already has a 'derivative' member, which this job writes"
                    + " (mode both): remove it or use mode activation");
        }
        int n = parser.length();
        double[] x = parser.features();
        if (mode == OutputMode.BOTH) {
            if (derivatives.length < n) {
                derivatives = new double[x.length];
            }
            elu.valuesAndDerivatives(x, x, derivatives, n);
        } else {
            elu.values(x, x, n);
        }

        out.reset();
        // Every member fits in what it took in the input; each number in MAX_DOUBLE_LENGTH and a comma.
        long numbers = (mode == OutputMode.BOTH ? 2L : 1L) * n * (OutputBuffer.MAX_DOUBLE_LENGTH + 1);
        out.reserve(value.length + FEATURES_OPEN.length + DERIVATIVE_OPEN.length + numbers + 2);
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
                    appendNumbers(derivatives, n);
                }
            } else {
                int start = parser.memberStart(i);
                out.append(value, start, parser.memberEnd(i) - start);
            }
        }
        out.append((byte) '}');
        lastLength = n;
        return out.toByteArray();
    }

    /** Number of elements of the last successfully transformed vector (for metrics); 0 before any. */
    public int lastLength() {
        return lastLength;
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
