package dev.elustream.codec;

import java.util.Objects;

/**
 * Thrown for a record value that cannot be transformed; {@link #reason()} is a sentence a person can
 * act on, and is what the dead-letter record carries; {@link #kind()} classifies it for metrics.
 */
public final class VectorRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final RejectKind kind;

    /**
     * @param kind what kind of problem it is
     * @param reason what is wrong with the value, naming the position and the offending input
     */
    public VectorRejectedException(RejectKind kind, String reason) {
        // A reject is an expected outcome of bad input, not a bug: no stack trace to fill per record.
        super(reason, null, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** What kind of problem it is, e.g. {@link RejectKind#ELEMENT_NOT_A_NUMBER}. */
    public RejectKind kind() {
        return kind;
    }

    /** What is wrong with the value, e.g. {@code features[3] is a string, expected a number}. */
    public String reason() {
        return getMessage();
    }
}
