package dev.elustream.flink;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Reads every Kafka record, whatever its bytes, as a {@link KafkaRecord}: parsing happens later, so a bad value can be routed instead of failing the source. */
public final class KafkaRecordDeserializer implements KafkaRecordDeserializationSchema<KafkaRecord> {

    private static final long serialVersionUID = 1L;
    private static final String[] NO_KEYS = new String[0];
    private static final byte[][] NO_VALUES = new byte[0][];

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaRecord> out) {
        out.collect(fromConsumerRecord(record));
    }

    static KafkaRecord fromConsumerRecord(ConsumerRecord<byte[], byte[]> record) {
        Headers headers = record.headers();
        String[] keys = NO_KEYS;
        byte[][] values = NO_VALUES;
        Header[] array = headers.toArray();
        if (array.length > 0) {
            keys = new String[array.length];
            values = new byte[array.length][];
            for (int i = 0; i < array.length; i++) {
                keys[i] = array[i].key();
                values[i] = array[i].value();
            }
        }
        return new KafkaRecord(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.key(), record.value(), keys, values);
    }

    @Override
    public TypeInformation<KafkaRecord> getProducedType() {
        return TypeInformation.of(KafkaRecord.class);
    }
}
