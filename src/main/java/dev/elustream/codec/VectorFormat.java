package dev.elustream.codec;

import dev.elustream.codec.BinaryVectors.ElementType;
import java.util.Locale;
import java.util.Optional;

/** The wire format of a job's record values, chosen per job (key {@code format}). */
public enum VectorFormat {
    /** A JSON object with a {@code features} array; see {@link EluJsonTransformer}. */
    JSON(null),
    /** The compact binary layout of {@link BinaryVectors}; see {@link EluBinaryTransformer}. */
    BINARY(null),
    /** Nothing but float32 elements, no header ({@link RawTensors}); see {@link RawTensorTransformer}. */
    RAW_FLOAT32(ElementType.FLOAT32),
    /** Nothing but float64 elements, no header ({@link RawTensors}); see {@link RawTensorTransformer}. */
    RAW_FLOAT64(ElementType.FLOAT64),
    /** Avro records of a configured writer schema ({@link AvroRecordSchema}). */
    AVRO(null),
    /** Protobuf messages of a configured descriptor ({@link ProtobufRecordSchema}). */
    PROTOBUF(null);

    private final ElementType rawElementType;

    VectorFormat(ElementType rawElementType) {
        this.rawElementType = rawElementType;
    }

    /** Its name in configuration, e.g. {@code json}, {@code raw-float32}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether values are records of a schema the job is given (Avro, Protobuf): {@link RecordSchema}. */
    public boolean hasSchema() {
        return this == AVRO || this == PROTOBUF;
    }

    /** The element type of a raw format; empty for the others, which say it themselves (or are text). */
    public Optional<ElementType> rawElementType() {
        return Optional.ofNullable(rawElementType);
    }

    /** Whether this is a raw format, the only kind that has a configurable byte order. */
    public boolean isRaw() {
        return rawElementType != null;
    }
}
