package dev.elustream.codec;

/**
 * Thrown for a record value that cannot be transformed; {@link #reason()} is a sentence a person can
 * act on, and is what the dead-letter record carries.
 */
public final class VectorRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * @param reason what is wrong with the value, naming the position and the offending input
     */
    public VectorRejectedException(String reason) {
        // A reject is an expected outcome of bad input, not a bug: no stack trace to fill per record.
        super(reason, null, false, false);
    }

    /** What is wrong with the value, e.g. {@code features[3] is a string, expected a number}. */
    public String reason() {
        return getMessage();
    }
}
