package dev.elustream.flink;

import java.nio.charset.StandardCharsets;

/** The headers a dead-letter record carries on top of the original record's own. */
public final class DeadLetters {

    /** Why the record was rejected: a sentence a person can act on. */
    public static final String REASON_HEADER = "elu.error.reason";
    /** The topic the record was read from. */
    public static final String TOPIC_HEADER = "elu.error.topic";
    /** The partition it was read from, in decimal. */
    public static final String PARTITION_HEADER = "elu.error.partition";
    /** Its offset in that partition, in decimal. */
    public static final String OFFSET_HEADER = "elu.error.offset";
    /**
     * Only on a dead letter whose value was left out because, with the headers, it would be larger
     * than the producer takes: the original value's size in bytes, in decimal.
     */
    public static final String VALUE_DROPPED_HEADER = "elu.error.value-dropped";

    private static final String[] KEYS = {REASON_HEADER, TOPIC_HEADER, PARTITION_HEADER, OFFSET_HEADER};

    private DeadLetters() {}

    /** The original record, unchanged, with the four elu.error.* headers appended (UTF-8 text). */
    public static KafkaRecord of(KafkaRecord original, String reason) {
        byte[][] values = {
            utf8(reason),
            utf8(original.topic()),
            utf8(Integer.toString(original.partition())),
            utf8(Long.toString(original.offset())),
        };
        return original.withHeadersAppended(KEYS.clone(), values);
    }

    /**
     * The original record with an empty value, for when the whole of it would be too large for the
     * dead-letter producer: the four elu.error.* headers and {@link #VALUE_DROPPED_HEADER}. Its
     * own headers are kept unless keepHeaders is false.
     */
    public static KafkaRecord withoutValue(KafkaRecord original, String reason, boolean keepHeaders) {
        int size = original.value() == null ? 0 : original.value().length;
        KafkaRecord emptied = new KafkaRecord(original.topic(), original.partition(), original.offset(),
                original.timestamp(), original.key(), new byte[0],
                keepHeaders ? original.headerKeys() : new String[0], keepHeaders ? original.headerValues() : new byte[0][]);
        KafkaRecord dead = of(emptied, reason + " (the value, " + size + " bytes, is left out of this dead letter:"
                + " it would be larger than the dead-letter producer's max.request.size"
                + (keepHeaders ? "" : "; so are the record's own headers") + ")");
        return dead.withHeadersAppended(new String[] {VALUE_DROPPED_HEADER}, new byte[][] {utf8(Integer.toString(size))});
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
