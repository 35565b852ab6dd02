package dev.elustream.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain Kafka clients for tests: produce and read back, with deadlines instead of sleeps. */
public final class KafkaTestSupport {

    private KafkaTestSupport() {}

    /** Produces the records in order (idempotent, acks=all) and returns where each landed. */
    public static List<RecordMetadata> produce(String bootstrapServers, List<ProducerRecord<byte[], byte[]>> records)
            throws Exception {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 * 1024 * 1024));
        List<java.util.concurrent.Future<RecordMetadata>> futures = new ArrayList<>(records.size());
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                futures.add(producer.send(r));
            }
            producer.flush();
        }
        List<RecordMetadata> out = new ArrayList<>(futures.size());
        for (var f : futures) {
            out.add(f.get(30, TimeUnit.SECONDS));
        }
        return out;
    }

    /** A byte-array consumer with the given isolation level, assigned to every partition of the topic from its beginning. */
    private static KafkaConsumer<byte[], byte[]> consumerAtBeginning(String bootstrapServers, String topic, String isolation) {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024));
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /**
     * Reads a topic from the beginning to its current end (the last stable offset: with
     * read_committed, open transactions are waited for) and returns every record, partition by
     * partition in offset order. For topics nobody writes to any more.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readToEnd(String bootstrapServers, String topic, Duration deadline) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumerAtBeginning(bootstrapServers, topic, "read_committed")) {
            java.util.Set<TopicPartition> partitions = consumer.assignment();
            java.util.Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long until = System.nanoTime() + deadline.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > until) {
                    throw new AssertionError("could not read " + topic + " to its end " + end + " within " + deadline);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        out.sort(java.util.Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
        return out;
    }

    /**
     * Per partition: first offset, high watermark (what read_uncommitted sees) and last stable
     * offset (what read_committed sees; below the high watermark while a transaction is open).
     */
    public static String describe(String bootstrapServers, String topic) {
        StringBuilder sb = new StringBuilder(topic).append(':');
        for (String isolation : List.of("read_uncommitted", "read_committed")) {
            try (KafkaConsumer<byte[], byte[]> consumer = consumerAtBeginning(bootstrapServers, topic, isolation)) {
                java.util.Set<TopicPartition> partitions = consumer.assignment();
                java.util.Map<Integer, Integer> counts = new java.util.TreeMap<>();
                long until = System.nanoTime() + 10_000_000_000L;
                while (System.nanoTime() < until) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> counts.merge(r.partition(), 1, Integer::sum));
                }
                sb.append(' ').append(isolation).append(" records ").append(counts).append(" positions");
                partitions.forEach(tp -> sb.append(' ').append(tp.partition()).append('=').append(consumer.position(tp)));
                sb.append(" end offsets");
                consumer.endOffsets(partitions, Duration.ofSeconds(30)).entrySet().stream()
                        .sorted(java.util.Map.Entry.comparingByKey(java.util.Comparator.comparingInt(TopicPartition::partition)))
                        .forEach(e -> sb.append(' ').append(e.getKey().partition()).append('=').append(e.getValue()));
            }
        }
        return sb.toString();
    }

    /**
     * Reads a whole topic from the beginning with isolation.level=read_committed until it holds at
     * least {@code expected} records or the deadline passes, then goes on reading for {@code settle}
     * so that duplicates beyond the expected count show up too. Records come partition by partition, in
     * offset order within each.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(
            String bootstrapServers, String topic, int expected, Duration deadline, Duration settle) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumerAtBeginning(bootstrapServers, topic, "read_committed")) {
            long end = System.nanoTime() + deadline.toNanos();
            long settleEnd = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(end, settleEnd)) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                if (out.size() >= expected && settleEnd == Long.MAX_VALUE) {
                    settleEnd = System.nanoTime() + settle.toNanos();
                }
            }
        }
        out.sort(java.util.Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
        return out;
    }

    /** The value of the record's last header {@code key}, as UTF-8 text; fails when it has none. */
    public static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        org.apache.kafka.common.header.Header h = r.headers().lastHeader(key);
        org.assertj.core.api.Assertions.assertThat(h).as("header %s", key).isNotNull();
        return new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Checks a dead letter's provenance headers: the topic, partition and offset its record landed at
     * when it was produced.
     */
    public static void assertProvenance(ConsumerRecord<byte[], byte[]> deadLetter, RecordMetadata landed) {
        org.assertj.core.api.Assertions.assertThat(header(deadLetter, dev.elustream.flink.DeadLetters.TOPIC_HEADER))
                .isEqualTo(landed.topic());
        org.assertj.core.api.Assertions.assertThat(header(deadLetter, dev.elustream.flink.DeadLetters.PARTITION_HEADER))
                .isEqualTo(Integer.toString(landed.partition()));
        org.assertj.core.api.Assertions.assertThat(header(deadLetter, dev.elustream.flink.DeadLetters.OFFSET_HEADER))
                .isEqualTo(Long.toString(landed.offset()));
    }
}
