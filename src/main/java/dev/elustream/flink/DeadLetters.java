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

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
