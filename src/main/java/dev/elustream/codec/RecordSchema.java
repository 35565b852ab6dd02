package dev.elustream.codec;

import dev.elustream.math.ArrayActivation;
import java.io.Serializable;

/**
 * The schema of a schema-based format (Avro, Protobuf), read and checked at start-up against the
 * vector fields and the outputs of the job; serializable, so that it travels with the job graph and
 * the TaskManagers need no schema file.
 */
public interface RecordSchema extends Serializable {

    /** The format this schema is for. */
    VectorFormat format();

    /**
     * A new transformer for this schema (one per operator: transformers are not thread-safe).
     *
     * @param activation the activation, e.g. {@code Activations.of(ActivationKind.ELU, 1.0)}
     * @param dimension the required element count, or 0 for any count up to {@code maxDimension}
     * @param maxDimension the largest element count accepted, at least 1
     */
    VectorTransformer transformer(ArrayActivation activation, int dimension, int maxDimension);

    /**
     * The schema of the output, for consumers: Avro's JSON of the output schema; for Protobuf, the
     * output message's definition.
     */
    String outputSchemaText();

    /** One line for logs and the operator's name, e.g. {@code avro single-object features.avsc}. */
    String describe();
}
