package dev.elustream.job;

import dev.elustream.codec.ParameterUpdate;
import dev.elustream.codec.VectorRejectedException;
import dev.elustream.flink.EluSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a job with a control topic starts with when it has no state: the control topic read from its
 * beginning to its end (read_committed) when the job is submitted. The newest valid update wins, as
 * it would in the running job (each update must raise the version, so the winner is the valid update
 * of the highest version above the job file's 0), and the job's control source starts at those end
 * offsets. So a job started without a savepoint neither falls back to the job file's alpha nor
 * writes output with old parameters while it catches up with the topic.
 */
public final class ControlTopic {

    private static final Logger LOG = LoggerFactory.getLogger(ControlTopic.class);

    private ControlTopic() {}

    /**
     * @param parameters the newest valid update, or the job file's parameters (version 0)
     * @param endOffsets where the control source starts, per partition
     * @param records how many control records were read
     * @param rejected one line per record that was not a valid update, with its reason
     */
    public record Start(ParameterUpdate parameters, Map<TopicPartition, Long> endOffsets, int records,
            List<String> rejected) {}

    /** The job file's parameters, version 0. */
    public static ParameterUpdate jobFileParameters(EluSettings settings) {
        return new ParameterUpdate(0, settings.alpha());
    }

    /**
     * Reads the job's control topic up to its end.
     *
     * @throws ConfigException naming the topic and the problem if it does not exist, cannot be read,
     *     or cannot be read to its end within the timeout
     */
    public static Start read(JobConfig config, Duration timeout) {
        String topic = config.controlTopic().orElseThrow(() -> new IllegalArgumentException("no control topic"));
        EluSettings settings = config.eluSettings();
        Properties props = KafkaConnectors.consumerProperties(config);
        props.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, config.groupId() + "-control-read");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.setProperty(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        ParameterUpdate current = jobFileParameters(settings);
        List<String> rejected = new ArrayList<>();
        int records = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new ConfigException("control topic " + topic + " does not exist on " + config.bootstrapServers()
                        + ": create it first (one partition keeps updates in order), or fix " + JobConfig.CONTROL_TOPIC);
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : infos) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, timeout));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reachedEnd(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new ConfigException("cannot read control topic " + topic + " to its end (" + end + ") within "
                            + timeout.toSeconds() + " s at " + config.bootstrapServers());
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    records++;
                    String where = r.topic() + "-" + r.partition() + "@" + r.offset();
                    try {
                        current = ParameterUpdate.next(current, r.value(), settings.activation(), settings.dimension(),
                                settings.precision());
                    } catch (VectorRejectedException e) {
                        rejected.add(where + ": " + e.reason());
                    }
                }
            }
            for (String line : rejected) {
                LOG.warn("Control record skipped at start-up: {}", line);
            }
            LOG.info("Control topic {}: {} records up to {}; starting with parameters version {} (alpha {})", topic,
                    records, end, current.version(), current.alpha());
            return new Start(current, Map.copyOf(end), records, List.copyOf(rejected));
        } catch (AuthorizationException e) {
            throw new ConfigException("not authorized to read control topic " + topic + " at " + config.bootstrapServers()
                    + ": " + e.getMessage() + " (the job's principal needs READ and DESCRIBE on it)", e);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new ConfigException("cannot read control topic " + topic + " at " + config.bootstrapServers()
                    + " within " + timeout.toSeconds() + " s: " + e.getMessage(), e);
        }
    }

    private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
