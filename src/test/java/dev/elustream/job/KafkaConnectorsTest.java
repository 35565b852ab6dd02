package dev.elustream.job;

import static dev.elustream.job.JobConfigTest.minimal;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class KafkaConnectorsTest {

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
