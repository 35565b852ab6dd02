package dev.elustream.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.job.JobConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

/** The configuration as the job logs it: every secret under kafka.* masked, everything else readable. */
class SecretMaskingTest {

    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\"elu\" password=\"SECRET-jaas\";";

    private static Map<String, String> job(Map<String, String> kafka) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("bootstrap-servers", "broker:9093");
        v.put("input-topic", "in");
        v.put("output-topic", "out");
        v.put("dead-letter-topic", "dlq");
        kafka.forEach((k, val) -> v.put("kafka." + k, val));
        return v;
    }

    @Test
    void describeMasksSaslAndSslSecretsAndKeepsTheRestReadable() {
        Map<String, String> kafka = new LinkedHashMap<>();
        kafka.put("security.protocol", "SASL_SSL");
        kafka.put("sasl.mechanism", "SCRAM-SHA-512");
        kafka.put("sasl.jaas.config", JAAS);
        kafka.put("ssl.truststore.location", "/etc/kafka/truststore.p12");
        kafka.put("ssl.truststore.password", "SECRET-truststore");
        kafka.put("ssl.keystore.location", "/etc/kafka/client.p12");
        kafka.put("ssl.keystore.password", "SECRET-keystore");
        kafka.put("ssl.key.password", "SECRET-key");
        kafka.put("ssl.keystore.key", "-----BEGIN ENCRYPTED PRIVATE KEY----- SECRET-pem");
        kafka.put("sasl.oauthbearer.assertion.private.key.passphrase", "SECRET-passphrase");
        kafka.put("sasl.oauthbearer.client.credentials.client.secret", "SECRET-client");
        JobConfig config = JobConfig.fromMap(job(kafka));

        assertThat(config.describe()).doesNotContain("SECRET-")
                .contains("kafka.sasl.jaas.config = ******", "kafka.ssl.truststore.password = ******",
                        "kafka.ssl.keystore.password = ******", "kafka.ssl.key.password = ******",
                        "kafka.ssl.keystore.key = ******",
                        "kafka.sasl.oauthbearer.assertion.private.key.passphrase = ******",
                        "kafka.sasl.oauthbearer.client.credentials.client.secret = ******")
                .contains("kafka.security.protocol = SASL_SSL", "kafka.sasl.mechanism = SCRAM-SHA-512",
                        "kafka.ssl.truststore.location = /etc/kafka/truststore.p12",
                        "kafka.ssl.keystore.location = /etc/kafka/client.p12");
        assertThat(config.toString()).doesNotContain("SECRET-");
        // The clients still get the real values.
        assertThat(config.kafkaClientProperties()).containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("ssl.key.password", "SECRET-key");
    }

    @Test
    void masksEveryPropertyTheKafkaClientsThemselvesTreatAsAPassword() {
        for (ConfigDef def : List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(),
                AdminClientConfig.configDef())) {
            def.configKeys().values().stream().filter(k -> k.type == ConfigDef.Type.PASSWORD).forEach(k -> {
                assertThat(JobConfig.mask(k.name, "SECRET")).as(k.name).isEqualTo("******");
                assertThat(JobConfig.mask("kafka." + k.name, "SECRET")).as("kafka." + k.name).isEqualTo("******");
            });
        }
    }
}
