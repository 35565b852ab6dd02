package dev.elustream.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class KafkaConnectorsTest {

    private static Map<String, String> minimal() {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap-servers", "broker:9092");
        m.put("input-topic", "in");
        m.put("output-topic", "out");
        m.put("dead-letter-topic", "dlq");
        return m;
    }

    @Test
    void sinksBatchIn256KbByDefault() {
        Properties props = KafkaConnectors.producerProperties(JobConfig.fromMap(minimal()));

        assertThat(props).containsEntry("batch.size", "262144").containsEntry("linger.ms", "5");
    }

    @Test
    void theJobsKafkaPropertiesOverrideTheProducerDefaults() {
        Map<String, String> m = minimal();
        m.put("kafka.batch.size", "16384");
        m.put("kafka.compression.type", "lz4");

        Properties props = KafkaConnectors.producerProperties(JobConfig.fromMap(m));

        assertThat(props)
                .containsEntry("batch.size", "16384")
                .containsEntry("linger.ms", "5")
                .containsEntry("compression.type", "lz4");
    }

    @Test
    void theSourceReadsOnlyCommittedRecordsUnlessTold() {
        assertThat(KafkaConnectors.consumerProperties(JobConfig.fromMap(minimal())))
                .containsEntry("isolation.level", "read_committed");

        Map<String, String> m = minimal();
        m.put("kafka.isolation.level", "read_uncommitted");
        assertThat(KafkaConnectors.consumerProperties(JobConfig.fromMap(m)))
                .containsEntry("isolation.level", "read_uncommitted");
    }

    @Test
    void theJobReusesObjectsAlongItsChain() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThat(env.getConfig().isObjectReuseEnabled()).isFalse();

        EluJob.configure(env, JobConfig.fromMap(minimal()));

        assertThat(env.getConfig().isObjectReuseEnabled()).isTrue();
    }
}
