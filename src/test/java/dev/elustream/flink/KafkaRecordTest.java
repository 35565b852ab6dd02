package dev.elustream.flink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.PojoTestUtils;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class KafkaRecordTest {

    @Test
    void isSerializedAsPojoWithoutKryo() {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(KafkaRecord.class);
    }

    @Test
    void survivesFlinkSerializationWithNullKeyValueAndHeaderValue() throws Exception {
        KafkaRecord r = new KafkaRecord("t", 3, 77, -1, null, null, new String[] {"a", "b"},
                new byte[][] {null, {(byte) 0xFF}});
        TypeSerializer<KafkaRecord> s = TypeInformation.of(KafkaRecord.class).createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(r, out);
        KafkaRecord back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).isEqualTo(r);
        assertThat(back.headerValues()[0]).isNull();
    }

    @Test
    void deserializerKeepsEverythingOfTheConsumerRecord() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader("h", "1".getBytes(UTF_8)));
        headers.add(new RecordHeader("h", (byte[]) null));
        ConsumerRecord<byte[], byte[]> cr = new ConsumerRecord<>("in", 4, 123L, 456L, TimestampType.CREATE_TIME,
                1, 3, "k".getBytes(UTF_8), "abc".getBytes(UTF_8), headers, java.util.Optional.empty());
        KafkaRecord r = KafkaRecordDeserializer.fromConsumerRecord(cr);
        assertThat(r.topic()).isEqualTo("in");
        assertThat(r.partition()).isEqualTo(4);
        assertThat(r.offset()).isEqualTo(123L);
        assertThat(r.timestamp()).isEqualTo(456L);
        assertThat(r.key()).isEqualTo("k".getBytes(UTF_8));
        assertThat(r.value()).isEqualTo("abc".getBytes(UTF_8));
        assertThat(r.headerKeys()).containsExactly("h", "h");
        assertThat(r.headerValues()[0]).isEqualTo("1".getBytes(UTF_8));
        assertThat(r.headerValues()[1]).isNull();
    }

    @Test
    void serializerWritesToItsTopicWithKeyValueHeadersAndTimestamp() {
        KafkaRecord r = new KafkaRecord("in", 4, 1, 456L, "k".getBytes(UTF_8), "v".getBytes(UTF_8),
                new String[] {"a"}, new byte[][] {"x".getBytes(UTF_8)});
        ProducerRecord<byte[], byte[]> pr = new KafkaRecordSerializer("out").serialize(r, null, null);
        assertThat(pr.topic()).isEqualTo("out");
        assertThat(pr.partition()).as("left to the key-hashing partitioner").isNull();
        assertThat(pr.timestamp()).isEqualTo(456L);
        assertThat(pr.key()).isEqualTo("k".getBytes(UTF_8));
        assertThat(pr.value()).isEqualTo("v".getBytes(UTF_8));
        assertThat(List.of(pr.headers().toArray())).singleElement().satisfies(h -> {
            assertThat(h.key()).isEqualTo("a");
            assertThat(h.value()).isEqualTo("x".getBytes(UTF_8));
        });
        KafkaRecord noTimestamp = new KafkaRecord("in", 0, 0, -1, null, null, new String[0], new byte[0][]);
        assertThat(new KafkaRecordSerializer("out").serialize(noTimestamp, null, null).timestamp()).isNull();
    }
}
