package dev.elustream.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.StandaloneJarProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The standalone jar as a user runs it: {@code java -jar target/elu-stream-standalone.jar ...} in a
 * child JVM given no JVM flags (the manifest must carry what Flink needs on Java 17).
 */
class StandaloneJarITCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Test
    void localRunsTheJobOnItsOwnBrokerAndStopsCleanlyOnSigterm() throws Exception {
        assertThat(StandaloneJarProcess.JAR).exists();
        int kafkaPort = freePort();
        int webPort = freePort();
        String bootstrap = "127.0.0.1:" + kafkaPort;
        try (StandaloneJarProcess local = new StandaloneJarProcess("local", "--kafka-port", Integer.toString(kafkaPort),
                "--web-port", Integer.toString(webPort), "--checkpoint-interval", "1s", "--alpha", "0.5")) {
            local.awaitOutput("Press Ctrl-C to stop.", Duration.ofSeconds(120));
            assertThat(local.out()).contains("Kafka:        " + bootstrap, "http://localhost:" + webPort,
                    "kcat -P -b " + bootstrap + " -t features");

            KafkaTestSupport.produce(bootstrap, List.of(
                    new ProducerRecord<>("features", "a".getBytes(UTF_8), "{\"id\":1,\"features\":[2.5,-1]}".getBytes(UTF_8)),
                    new ProducerRecord<>("features", "b".getBytes(UTF_8), "{\"features\":[1,\"x\"]}".getBytes(UTF_8))));
            List<ConsumerRecord<byte[], byte[]>> out = KafkaTestSupport.readCommitted(
                    bootstrap, "features-elu", 1, Duration.ofSeconds(60), Duration.ofMillis(500));
            assertThat(out).singleElement().satisfies(r -> assertThat(new String(r.value(), UTF_8)).isEqualTo(
                    "{\"id\":1,\"features\":[2.5," + 0.5 * Math.expm1(-1.0) + "],\"derivative\":[1.0,"
                            + 0.5 * Math.exp(-1.0) + "]}"));
            List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readCommitted(
                    bootstrap, "features-dlq", 1, Duration.ofSeconds(60), Duration.ofMillis(500));
            assertThat(dead).singleElement().satisfies(r -> assertThat(
                    new String(r.headers().lastHeader("elu.error.reason").value(), UTF_8))
                    .isEqualTo("features[1] is a string, expected a number"));

            // The web UI answers and shows the job running.
            HttpResponse<String> overview = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + webPort + "/jobs/overview")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode jobs = JSON.readTree(overview.body()).get("jobs");
            assertThat(jobs).hasSize(1);
            assertThat(jobs.get(0).get("state").asText()).isEqualTo("RUNNING");

            // It shows the operator's metrics, with what the two records did.
            String job = "http://localhost:" + webPort + "/jobs/" + jobs.get(0).get("jid").asText();
            String vertex = job + "/vertices/" + JSON.readTree(get(job)).get("vertices").get(0).get("id").asText();
            // The REST metric fetcher fills the list a moment after the job starts.
            long listed = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            List<String> ids = JSON.readTree(get(vertex + "/metrics")).findValuesAsText("id");
            while (ids.stream().noneMatch(id -> id.endsWith(".elu.recordsTransformed")) && System.nanoTime() < listed) {
                Thread.sleep(200);
                ids = JSON.readTree(get(vertex + "/metrics")).findValuesAsText("id");
            }
            assertThat(ids)
                    .anyMatch(id -> id.matches("0\\.ELU_.*\\.elu\\.recordsTransformed"))
                    .anyMatch(id -> id.matches("0\\.ELU_.*\\.elu\\.deadLettersByReason\\.elementNotANumber"));
            awaitMetricSum(vertex, "elu.recordsTransformed", 1);
            awaitMetricSum(vertex, "elu.deadLettersByReason.elementNotANumber", 1);
            awaitMetricSum(vertex, "elu.elements", 2);
            awaitMetricSum(vertex, "elu.negativeElements", 1);

            // The progress line, once the records have gone through.
            local.awaitOutput("dead letters 1 (+1)", Duration.ofSeconds(30));
            assertThat(local.out().lines().filter(l -> l.contains("dead letters 1 (+1)")))
                    .singleElement().asString()
                    .matches("\\d\\d:\\d\\d:\\d\\d  in \\d+\\.\\d rec/s  out \\d+\\.\\d rec/s  dead letters 1 \\(\\+1\\)  lag \\d+");

            local.process.destroy(); // SIGTERM, as Ctrl-C
            int rc = local.awaitExit(Duration.ofSeconds(60));
            assertThat(local.out()).as("exit %d, stderr: %s", rc, local.err())
                    .contains("Stopping the job ...", "Job cancelled.");
            assertThat(rc).isIn(0, 143);
            // The broker is gone and its port free again.
            new ServerSocket(kafkaPort, 1, InetAddress.getByName("127.0.0.1")).close();
        }
    }

    private static String get(String uri) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(uri)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", uri, response.body()).isEqualTo(200);
        return response.body();
    }

    /** Polls the REST API (its metric store refreshes when asked) until the ELU operator's metric sums to expected. */
    private static void awaitMetricSum(String vertex, String metric, long expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String id = null;
        double sum = -1;
        while (System.nanoTime() < deadline) {
            for (JsonNode m : JSON.readTree(get(vertex + "/subtasks/metrics"))) {
                if (m.get("id").asText().matches("ELU_.*\\." + Pattern.quote(metric))) {
                    id = m.get("id").asText();
                }
            }
            if (id != null) {
                JsonNode values = JSON.readTree(get(vertex + "/subtasks/metrics?agg=sum&get="
                        + URLEncoder.encode(id, UTF_8)));
                sum = values.path(0).path("sum").asDouble(-1);
                if (sum == expected) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        assertThat(sum).as("sum of %s (%s) over the subtasks", metric, id).isEqualTo(expected);
    }

    @Test
    void localFailsWithinSecondsWhenTheGivenBrokerIsUnreachable() throws Exception {
        long start = System.nanoTime();
        try (StandaloneJarProcess local = new StandaloneJarProcess("local", "--bootstrap-servers", "127.0.0.1:" + freePort(),
                "--web-port", Integer.toString(freePort()))) {
            int rc = local.awaitExit(Duration.ofSeconds(60));
            assertThat(rc).isEqualTo(2);
            assertThat(local.err()).contains("elu-stream: cannot reach Kafka at 127.0.0.1:")
                    .doesNotContain("\tat ");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(40));
    }

    @Test
    void localFailsNamingTheTopicsThatAreMissing() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            kafka.createTopics(1, "features");
            try (StandaloneJarProcess local = new StandaloneJarProcess("local", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--web-port", Integer.toString(freePort()))) {
                assertThat(local.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
                assertThat(local.err()).contains("elu-stream: topics features-elu, features-dlq do not exist on "
                        + kafka.bootstrapServers());
            }
        }
    }

    @Test
    void applyFiltersStdinToStdout() throws Exception {
        try (StandaloneJarProcess apply = new StandaloneJarProcess("apply", "--alpha", "2")) {
            apply.process.getOutputStream().write("{\"features\":[-1]}\n{\"features\":[]}\n".getBytes(UTF_8));
            apply.process.getOutputStream().close();
            assertThat(apply.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
            assertThat(apply.out()).isEqualTo("{\"features\":[" + 2 * Math.expm1(-1.0) + "],\"derivative\":["
                    + 2 * Math.exp(-1.0) + "]}\n");
            assertThat(apply.err()).isEqualTo("line 2: 'features' is empty\n");
        }
    }
}
