package dev.elustream.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.testing.StandaloneJarProcess;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.TestCertificates;
import dev.elustream.testing.TestCertificates.Store;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets given under kafka.* (the SCRAM password inside {@code sasl.jaas.config}, the trust store,
 * key store and key passwords) appear in no log line of a run, at INFO for every logger, and nowhere
 * in the Flink web UI's REST answers: the standalone jar's {@code local} command runs the job against
 * a SASL_SSL broker, as a user would.
 */
class SecuritySecretMaskingITCase {

    private static final Path JAR = StandaloneJarProcess.JAR;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "elu-job";

    /** Every logger at INFO, to the console: Kafka's client config dumps and Flink's config logs included. */
    private static final String LOG_CONFIG = String.join("\n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.console.ref = console",
            "appender.console.type = Console",
            "appender.console.name = console",
            "appender.console.target = SYSTEM_ERR",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5level %c - %msg%n",
            "");

    @Test
    void secretsAppearInNoLogLineAndNoWebUiAnswerOfARun(@TempDir Path dir) throws Exception {
        assertThat(JAR).exists();
        TestCertificates certs = TestCertificates.shared();
        String scramPassword = secret("scram");
        Store truststore = certs.caTruststore();
        // JKS: a key password of its own, which PKCS12 cannot have.
        String keyPassword = secret("key");
        Store keystore = TestCertificates.selfSignedJksKeystore(dir.resolve("client.jks"), secret("keystore"),
                keyPassword);
        List<String> secrets = List.of(scramPassword, truststore.password(), keystore.password(), keyPassword);

        Path logConfig = dir.resolve("log4j2-info.properties");
        Files.writeString(logConfig, LOG_CONFIG, UTF_8);
        int webPort = freePort();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder()
                .saslSsl(certs.brokerTls(), Map.of(USER, scramPassword)).start()) {
            kafka.createTopics(1, "features", "features-elu", "features-dlq");
            Map<String, String> kafkaKeys = new LinkedHashMap<>();
            kafkaKeys.put("security.protocol", "SASL_SSL");
            kafkaKeys.put("sasl.mechanism", EmbeddedKafka.SCRAM_MECHANISM);
            kafkaKeys.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                    + " username=\"" + USER + "\" password=\"" + scramPassword + "\";");
            kafkaKeys.putAll(truststore.asTruststore());
            kafkaKeys.putAll(keystore.asKeystore());
            kafkaKeys.put("ssl.key.password", keyPassword);
            List<String> args = new ArrayList<>(List.of("local", "--job", "jobs/features-elu.properties",
                    "--bootstrap-servers", kafka.saslSslBootstrapServers(), "--web-port", Integer.toString(webPort),
                    "--checkpoint-interval", "1s"));
            kafkaKeys.forEach((k, v) -> args.addAll(List.of("--kafka." + k, v)));

            try (StandaloneJarProcess local = new StandaloneJarProcess(
                    List.of("-Dlog4j2.configurationFile=" + logConfig.toAbsolutePath()), args)) {
                local.awaitOutput("Press Ctrl-C to stop.", Duration.ofSeconds(120));

                // The job's clients authenticated: a record goes through, another to the dead letters.
                KafkaTestSupport.produce(kafka.bootstrapServers(), List.of(
                        new ProducerRecord<>("features", "a".getBytes(UTF_8), "{\"features\":[-1]}".getBytes(UTF_8)),
                        new ProducerRecord<>("features", "b".getBytes(UTF_8), "{\"features\":[]}".getBytes(UTF_8))));
                List<ConsumerRecord<byte[], byte[]>> out = KafkaTestSupport.readCommitted(
                        kafka.bootstrapServers(), "features-elu", 1, Duration.ofSeconds(60), Duration.ZERO);
                assertThat(out).singleElement().satisfies(r -> assertThat(new String(r.value(), UTF_8))
                        .isEqualTo("{\"features\":[" + Math.expm1(-1.0) + "],\"derivative\":[" + Math.exp(-1.0) + "]}"));
                assertThat(KafkaTestSupport.readCommitted(kafka.bootstrapServers(), "features-dlq", 1,
                        Duration.ofSeconds(60), Duration.ZERO)).hasSize(1);

                Map<String, String> answers = webUiAnswers(webPort);
                answers.forEach((path, body) -> assertThat(body).as("GET %s", path).doesNotContain(secrets));
                assertThat(answers.get("/jobmanager/config")).contains("rest.port");

                local.process.destroy(); // SIGTERM, as Ctrl-C
                assertThat(local.process.waitFor(60, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();

                String log = local.out() + local.err();
                for (String secret : secrets) {
                    assertThat(log).as("the log of the run").doesNotContain(secret);
                }
                // The log was worth reading: the job's and every Kafka client's configuration are in it.
                assertThat(log).contains("kafka.sasl.jaas.config = ******", "kafka.ssl.truststore.password = ******",
                        "kafka.ssl.keystore.password = ******", "kafka.ssl.key.password = ******",
                        "ConsumerConfig values:", "ProducerConfig values:", "AdminClientConfig values:",
                        "sasl.jaas.config = [hidden]");
            }
        }
    }

    /** The answers of the web UI's REST endpoints that show configuration, by path. */
    private static Map<String, String> webUiAnswers(int webPort) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://localhost:" + webPort;
        JsonNode jobs = JSON.readTree(get(http, base + "/jobs/overview")).get("jobs");
        assertThat(jobs).hasSize(1);
        String id = jobs.get(0).get("jid").asText();
        Map<String, String> answers = new LinkedHashMap<>();
        for (String path : List.of("/config", "/jobmanager/config", "/jobmanager/environment", "/jobs/overview",
                "/jobs/" + id, "/jobs/" + id + "/config", "/jobs/" + id + "/plan", "/jobs/" + id + "/exceptions",
                "/jobs/" + id + "/jobmanager/config", "/jobs/" + id + "/jobmanager/environment",
                "/jobs/" + id + "/checkpoints/config", "/taskmanagers")) {
            answers.put(path, get(http, base + path));
        }
        JsonNode config = JSON.readTree(answers.get("/jobs/" + id + "/config"));
        assertThat(config.get("jid").asText()).isEqualTo(id);
        return answers;
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", url, r.body()).isEqualTo(200);
        return r.body();
    }

    private static String secret(String what) {
        byte[] b = new byte[6];
        new SecureRandom().nextBytes(b);
        return "SECRET-" + what + "-" + HexFormat.of().formatHex(b);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
