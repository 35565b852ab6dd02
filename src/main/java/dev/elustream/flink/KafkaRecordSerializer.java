package dev.elustream.flink;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Writes a {@link KafkaRecord} to one topic with its key, value, headers and timestamp as they are.
 *
 * <p>The partition is left to the producer's partitioner, which hashes the key: records with the
 * same key land in the same partition, in order.
 */
public final class KafkaRecordSerializer implements KafkaRecordSerializationSchema<KafkaRecord> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public KafkaRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            KafkaRecord element, KafkaSinkContext context, Long timestamp) {
        List<Header> headers = new ArrayList<>(element.headerKeys().length);
        for (int i = 0; i < element.headerKeys().length; i++) {
            headers.add(new RecordHeader(element.headerKeys()[i], element.headerValues()[i]));
        }
        // A negative timestamp means the input had none: let the producer stamp it.
        Long ts = element.timestamp() >= 0 ? element.timestamp() : null;
        return new ProducerRecord<>(topic, null, ts, element.key(), element.value(), headers);
    }

    public String topic() {
        return topic;
    }
}
