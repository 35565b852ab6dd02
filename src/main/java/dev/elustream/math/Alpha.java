package dev.elustream.math;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The alpha of an activation: one number for every element, or one number per element of a vector
 * (PReLU-style per-channel alpha), element i taking {@link #at at(i)}. Immutable; the values are not
 * checked against any activation here (that is {@link Activations#checkAlpha(ActivationKind, Alpha)}).
 */
public final class Alpha implements Serializable {

    private static final long serialVersionUID = 1L;

    /** How many elements {@link #abbreviated()} names before it only counts the rest. */
    private static final int ABBREVIATED_ELEMENTS = 8;

    /** One element for a scalar alpha; never empty, never shared with a caller. */
    private final double[] values;
    private final boolean perElement;

    private Alpha(double[] values, boolean perElement) {
        this.values = values;
        this.perElement = perElement;
    }

    /** One alpha for every element. */
    public static Alpha of(double value) {
        return new Alpha(new double[] {value}, false);
    }

    /**
     * One alpha per element: element i takes values[i]. The array is copied.
     *
     * @throws IllegalArgumentException if values is empty
     * @throws NullPointerException if values is null
     */
    public static Alpha perElement(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("a per-element alpha needs at least one element, got []");
        }
        return new Alpha(values.clone(), true);
    }

    /** Whether this is one alpha per element (even of one element) rather than one for all. */
    public boolean isPerElement() {
        return perElement;
    }

    /**
     * The scalar alpha.
     *
     * @throws IllegalStateException if this is a per-element alpha
     */
    public double value() {
        if (perElement) {
            throw new IllegalStateException("alpha is per element, not one number: " + abbreviated());
        }
        return values[0];
    }

    /** A copy of the values: one per element, or a one-element array for a scalar alpha. */
    public double[] values() {
        return values.clone();
    }

    /** How many values this holds: the element count of a per-element alpha, 1 for a scalar one. */
    public int length() {
        return values.length;
    }

    /**
     * The alpha of element i: the scalar for any i, else values[i].
     *
     * @throws ArrayIndexOutOfBoundsException if this is per element and i is not in [0, length)
     */
    public double at(int i) {
        return perElement ? values[i] : values[0];
    }

    /** The largest value, as {@link Math#max} picks it (so NaN if any value is NaN). */
    public double max() {
        double max = values[0];
        for (int i = 1; i < values.length; i++) {
            max = Math.max(max, values[i]);
        }
        return max;
    }

    /** The values themselves, for the activations of this package, which must not change them. */
    double[] valuesUnshared() {
        return values;
    }

    /**
     * {@link #toString()}, with only the first elements of a long per-element alpha written out, for
     * messages and names: {@code [0.9, 0.8, ..., 0.5, ... (64 elements)]}.
     */
    String abbreviated() {
        if (!perElement || values.length <= ABBREVIATED_ELEMENTS) {
            return toString();
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < ABBREVIATED_ELEMENTS; i++) {
            sb.append(values[i]).append(", ");
        }
        return sb.append("... (").append(values.length).append(" elements)]").toString();
    }

    /** Refuses a stream that does not hold what the factories make. */
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (values == null || values.length == 0 || !perElement && values.length != 1) {
            throw new InvalidObjectException("an alpha holds one value, or one or more per element");
        }
    }

    /**
     * Equal if both are scalar or both per element, with the same values bit for bit as
     * {@link Double#compare} sees them (NaN equals NaN, 0.0 and -0.0 differ).
     */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Alpha)) {
            return false;
        }
        Alpha other = (Alpha) o;
        return perElement == other.perElement && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(values) + Boolean.hashCode(perElement);
    }

    /** {@code 0.75} for a scalar alpha, {@code [0.9, 0.8, 1.0]} per element ({@link Double#toString}). */
    @Override
    public String toString() {
        return perElement ? Arrays.toString(values) : Double.toString(values[0]);
    }
}
