package dev.elustream.codec;

/** The wire format of a job's record values, chosen per job (key {@code format}). */
public enum VectorFormat {
    /** A JSON object with a {@code features} array; see {@link EluJsonTransformer}. */
    JSON,
    /** The compact binary layout of {@link BinaryVectors}; see {@link EluBinaryTransformer}. */
    BINARY
}
