package dev.elustream.flink;

import java.util.Arrays;
import javax.annotation.Nullable;

/**
 * One Kafka record as it travels through the job: where it came from, its key, value, headers and
 * timestamp, all as raw bytes so that nothing is re-encoded on the way.
 *
 * <p>A Java record, so Flink serializes it with its POJO serializer, without Kryo. Header keys and
 * values are parallel arrays; a header value may be null, as in Kafka.
 *
 * @param topic the topic it was read from
 * @param partition the partition it was read from
 * @param offset its offset in that partition
 * @param timestamp its Kafka timestamp in epoch milliseconds, negative when it has none
 * @param key the key bytes, null when it has no key
 * @param value the value bytes, null for a tombstone
 * @param headerKeys header keys, in order
 * @param headerValues header values, same length as headerKeys
 */
public record KafkaRecord(
        String topic,
        int partition,
        long offset,
        long timestamp,
        @Nullable byte[] key,
        @Nullable byte[] value,
        String[] headerKeys,
        byte[][] headerValues) {

    public KafkaRecord {
        if (headerKeys.length != headerValues.length) {
            throw new IllegalArgumentException("headerKeys and headerValues differ in length: "
                    + headerKeys.length + " != " + headerValues.length);
        }
    }

    /** The same record with another value. */
    public KafkaRecord withValue(@Nullable byte[] newValue) {
        return new KafkaRecord(topic, partition, offset, timestamp, key, newValue, headerKeys, headerValues);
    }

    /** The same record with another value and headers appended after its own. */
    public KafkaRecord withValueAndHeadersAppended(@Nullable byte[] newValue, String[] keys, byte[][] values) {
        String[] k = Arrays.copyOf(headerKeys, headerKeys.length + keys.length);
        byte[][] v = Arrays.copyOf(headerValues, headerValues.length + values.length);
        System.arraycopy(keys, 0, k, headerKeys.length, keys.length);
        System.arraycopy(values, 0, v, headerValues.length, values.length);
        return new KafkaRecord(topic, partition, offset, timestamp, key, newValue, k, v);
    }

    /** The same record with headers appended after its own. */
    public KafkaRecord withHeadersAppended(String[] keys, byte[][] values) {
        return withValueAndHeadersAppended(value, keys, values);
    }

    @Override
    public String toString() {
        // Never the payload: it may be large or sensitive.
        return topic + "-" + partition + "@" + offset;
    }

    // equals/hashCode of a record compare arrays by identity: compare by content instead.
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof KafkaRecord r)) {
            return false;
        }
        return partition == r.partition && offset == r.offset && timestamp == r.timestamp
                && topic.equals(r.topic) && Arrays.equals(key, r.key) && Arrays.equals(value, r.value)
                && Arrays.equals(headerKeys, r.headerKeys) && Arrays.deepEquals(headerValues, r.headerValues);
    }

    @Override
    public int hashCode() {
        int h = topic.hashCode();
        h = 31 * h + partition;
        h = 31 * h + Long.hashCode(offset);
        return 31 * h + Arrays.hashCode(value);
    }
}
