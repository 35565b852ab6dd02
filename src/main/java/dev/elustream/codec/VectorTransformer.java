package dev.elustream.codec;

import javax.annotation.Nullable;

/**
 * Transforms one record value in a wire format (JSON, binary): its feature vector becomes the
 * activation (and derivative, alpha-gradient) of it; a value that cannot be transformed throws
 * {@link VectorRejectedException} with the reason for the dead-letter topic.
 *
 * <p>Implementations are not thread-safe: one instance per thread/operator, which reuses its buffers.
 */
public interface VectorTransformer {

    /**
     * Transforms one record value.
     *
     * @param value the record value (null, a tombstone, is rejected as empty); never modified
     * @return the new value, a fresh array the caller owns
     * @throws VectorRejectedException with the reason if the value cannot be transformed; nothing else
     *     is thrown for any input
     */
    byte[] transform(@Nullable byte[] value) throws VectorRejectedException;

    /** Number of elements of the last successfully transformed vector (for metrics); 0 before any. */
    int lastLength();

    /**
     * Number of elements {@code <= 0} (those that take the activation's exponential branch) of the
     * last successfully transformed vector, counted on the input (for metrics); 0 before any.
     */
    int lastNonPositiveCount();
}
