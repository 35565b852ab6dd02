package dev.elustream.flink;

import dev.elustream.codec.OutputMode;
import dev.elustream.math.Elu;
import java.io.Serializable;

/**
 * What the ELU operator needs to know, validated when built.
 *
 * @param alpha the ELU's alpha, finite and &gt;= 0
 * @param mode whether the derivative is written next to the activation
 * @param dimension the required vector length, or 0 for any length up to maxDimension
 * @param maxDimension the longest vector accepted
 * @param maxOutputRecordBytes the largest output record the sink's producer takes (its
 *     max.request.size): a longer result is dead-lettered instead of failing the sink
 */
public record EluSettings(double alpha, OutputMode mode, int dimension, int maxDimension, int maxOutputRecordBytes)
        implements Serializable {

    /** Kafka's default max.request.size. */
    public static final int DEFAULT_MAX_OUTPUT_RECORD_BYTES = 1024 * 1024;

    public EluSettings {
        Elu.checkAlpha(alpha);
        if (maxDimension < 1) {
            throw new IllegalArgumentException("max-dimension must be >= 1, got " + maxDimension);
        }
        if (dimension < 0 || dimension > maxDimension) {
            throw new IllegalArgumentException(
                    "dimension must be 0 (any) or between 1 and max-dimension (" + maxDimension + "), got " + dimension);
        }
        if (maxOutputRecordBytes < 1) {
            throw new IllegalArgumentException("maxOutputRecordBytes must be >= 1, got " + maxOutputRecordBytes);
        }
    }
}
