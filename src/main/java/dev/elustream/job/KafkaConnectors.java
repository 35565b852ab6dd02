package dev.elustream.job;

import dev.elustream.flink.KafkaRecord;
import dev.elustream.flink.KafkaRecordDeserializer;
import dev.elustream.flink.KafkaRecordSerializer;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/** Builds the job's Kafka source and sinks from its configuration, passing every kafka.* property through. */
public final class KafkaConnectors {

    private KafkaConnectors() {}

    /** The source builder, ready to build; tests may make it bounded first. */
    public static KafkaSourceBuilder<KafkaRecord> sourceBuilder(JobConfig config) {
        return KafkaSource.<KafkaRecord>builder()
                .setProperties(consumerProperties(config))
                .setBootstrapServers(config.bootstrapServers())
                .setGroupId(config.groupId())
                .setClientIdPrefix(config.groupId())
                .setTopics(config.inputTopic())
                .setStartingOffsets(startingOffsets(config.startingOffsets()))
                .setDeserializer(new KafkaRecordDeserializer());
    }

    /**
     * The control topic's source, starting at the given offsets (where the start-up read ended;
     * partitions not among them from their beginning). It commits no offsets: its position is in
     * the job's checkpoints, and the job has no consumer group on the control topic.
     */
    public static KafkaSource<KafkaRecord> controlSource(JobConfig config, Map<TopicPartition, Long> startingOffsets) {
        String topic = config.controlTopic().orElseThrow(() -> new IllegalArgumentException("no control topic"));
        return KafkaSource.<KafkaRecord>builder()
                .setProperties(consumerProperties(config))
                .setBootstrapServers(config.bootstrapServers())
                .setGroupId(config.groupId() + "-control")
                .setClientIdPrefix(config.groupId() + "-control")
                .setProperty("commit.offsets.on.checkpoint", "false")
                .setTopics(topic)
                .setStartingOffsets(OffsetsInitializer.offsets(startingOffsets, OffsetResetStrategy.EARLIEST))
                .setDeserializer(new KafkaRecordDeserializer())
                .build();
    }

    public static KafkaSink<KafkaRecord> outputSink(JobConfig config) {
        return sink(config, config.outputTopic(), outputTransactionalIdPrefix(config));
    }

    public static KafkaSink<KafkaRecord> deadLetterSink(JobConfig config) {
        return sink(config, config.deadLetterTopic(), deadLetterTransactionalIdPrefix(config));
    }

    /** The output sink's transactional-id prefix: {@code transactional-id-prefix}-output. */
    static String outputTransactionalIdPrefix(JobConfig config) {
        return config.transactionalIdPrefix() + "-output";
    }

    /** The dead-letter sink's: its own, since two exactly-once sinks sharing one would fence each other's producers. */
    static String deadLetterTransactionalIdPrefix(JobConfig config) {
        return config.transactionalIdPrefix() + "-dead-letter";
    }

    /**
     * Producer settings the sinks start from; any {@code kafka.*} key of the job overrides them.
     * batch.size: the client's default (16 KB) holds about a dozen 64-element records, so the
     * producer sends tiny batches and caps one partition near 14k records/s on loopback; 256 KB
     * batches carry 200 of them (a batch is only filled while records wait, linger.ms bounds the wait).
     */
    public static final Map<String, String> PRODUCER_DEFAULTS = Map.of(
            "batch.size", Integer.toString(256 * 1024),
            "linger.ms", "5");

    private static KafkaSink<KafkaRecord> sink(JobConfig config, String topic, String transactionalIdPrefix) {
        return KafkaSink.<KafkaRecord>builder()
                .setKafkaProducerConfig(producerProperties(config))
                .setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(new KafkaRecordSerializer(topic))
                .setDeliveryGuarantee(config.deliveryGuarantee())
                .setTransactionalIdPrefix(transactionalIdPrefix)
                // The builder's default (1 h) is above the broker's default maximum (15 min), which
                // makes every InitProducerId fail.
                .setProperty("transaction.timeout.ms", Long.toString(config.transactionTimeout().toMillis()))
                .build();
    }

    /**
     * Consumer settings the source starts from; any {@code kafka.*} key of the job overrides them.
     * isolation.level: the client reads uncommitted records by default, which would transform records
     * of transactions that a transactional producer upstream (e.g. another exactly-once job) aborts.
     */
    public static final Map<String, String> CONSUMER_DEFAULTS = Map.of("isolation.level", "read_committed");

    /** {@link #CONSUMER_DEFAULTS} overlaid with the job's {@code kafka.*} properties. */
    static Properties consumerProperties(JobConfig config) {
        return overlaid(CONSUMER_DEFAULTS, config);
    }

    /** {@link #PRODUCER_DEFAULTS} overlaid with the job's {@code kafka.*} properties. */
    static Properties producerProperties(JobConfig config) {
        return overlaid(PRODUCER_DEFAULTS, config);
    }

    private static Properties overlaid(Map<String, String> defaults, JobConfig config) {
        Properties props = new Properties();
        props.putAll(defaults);
        props.putAll(config.kafkaClientProperties());
        return props;
    }

    static OffsetsInitializer startingOffsets(JobConfig.StartingOffsets offsets) {
        return switch (offsets) {
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case EARLIEST -> OffsetsInitializer.earliest();
            case LATEST -> OffsetsInitializer.latest();
        };
    }
}
