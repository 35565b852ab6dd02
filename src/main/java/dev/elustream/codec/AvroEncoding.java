package dev.elustream.codec;

import java.util.Locale;

/** How an Avro record is framed in a Kafka record value (job key {@code avro-encoding}). */
public enum AvroEncoding {
    /** The record's binary encoding alone, nothing before it: reader and writer agree on the schema. */
    BINARY,
    /**
     * Avro's single-object encoding: the marker {@code C3 01}, the schema's 8-byte CRC-64-AVRO
     * fingerprint (little-endian), then the binary encoding.
     */
    SINGLE_OBJECT,
    /**
     * The Confluent Schema Registry wire format: a zero byte, the writer schema's 4-byte registry id
     * (big-endian), then the binary encoding; the output names the output schema's id the same way.
     */
    CONFLUENT;

    /** Its name in configuration: {@code binary}, {@code single-object}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
