package dev.elustream.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, which {@code .ci/run} installs) in
 * a child process with a data directory of its own, scraping the given targets every second and
 * evaluating the given rule files every second; and its HTTP API's answers as plain values.
 */
public final class PrometheusServer implements AutoCloseable {

    /** One series of an instant query: its labels and value. */
    public record Sample(Map<String, String> labels, double value) {}

    /** One series of a range query: its labels and its (epoch second, value) points. */
    public record Series(Map<String, String> labels, List<double[]> points) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path dir;
    private final Path log;
    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();

    private PrometheusServer(Process process, Path dir, Path log, int port) {
        this.process = process;
        this.dir = dir;
        this.log = log;
        this.base = "http://127.0.0.1:" + port;
    }

    /** The binary: {@code $PROMETHEUS_HOME/prometheus} or Debian's. */
    public static Path binary(String name) {
        String home = System.getenv("PROMETHEUS_HOME");
        return home != null ? Path.of(home, name) : Path.of("/usr/bin", name);
    }

    /**
     * Skips the calling test where Prometheus is not installed, except on CI ({@code CI} set), where
     * {@code .ci/run} installs it and its absence is a failure.
     */
    public static void requireInstalled() {
        boolean present = Files.isExecutable(binary("prometheus")) && Files.isExecutable(binary("promtool"));
        String hint = "Prometheus is not installed (apt-get install prometheus; .ci/run installs it)";
        if (System.getenv("CI") != null) {
            assertThat(present).as(hint).isTrue();
        }
        Assumptions.assumeTrue(present, hint);
    }

    /** Starts Prometheus scraping the targets (host:port, path /metrics) with the rule files. */
    public static PrometheusServer start(List<String> targets, List<Path> ruleFiles) throws Exception {
        Path dir = Files.createTempDirectory("prometheus");
        StringBuilder config = new StringBuilder()
                .append("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n")
                .append("rule_files:\n");
        for (Path r : ruleFiles) {
            config.append("  - ").append(r.toAbsolutePath()).append('\n');
        }
        config.append("scrape_configs:\n  - job_name: elu-stream\n    static_configs:\n      - targets: [");
        config.append(String.join(", ", targets.stream().map(t -> "'" + t + "'").toList())).append("]\n");
        Path configFile = dir.resolve("prometheus.yml");
        Files.writeString(configFile, config, UTF_8);
        int port = Ports.free();
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(binary("prometheus").toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(p, dir, log, port);
        server.awaitReady(Duration.ofSeconds(60));
        return server;
    }

    private void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            assertThat(process.isAlive()).as("Prometheus exited: %s", log()).isTrue();
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertThat(System.nanoTime()).as("Prometheus ready within %s: %s", timeout, log()).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    public String log() {
        try {
            return Files.readString(log, UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** GET of an API path; fails unless Prometheus answers status "success". */
    public JsonNode api(String pathAndQuery) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("status").asText()).as("%s: %s", pathAndQuery, r.body()).isEqualTo("success");
        return body.get("data");
    }

    /** An instant query evaluated at the given time (epoch seconds). */
    public List<Sample> query(String promql, double time) throws Exception {
        JsonNode data = api("/api/v1/query?query=" + enc(promql) + "&time=" + time);
        List<Sample> out = new ArrayList<>();
        if (data.path("resultType").asText().equals("scalar")) {
            out.add(new Sample(Map.of(), Double.parseDouble(data.get("result").get(1).asText())));
            return out;
        }
        for (JsonNode s : data.get("result")) {
            out.add(new Sample(labels(s.get("metric")), Double.parseDouble(s.get("value").get(1).asText())));
        }
        return out;
    }

    /** A range query from start to end (epoch seconds) at the given step (seconds). */
    public List<Series> queryRange(String promql, double start, double end, double step) throws Exception {
        JsonNode data = api("/api/v1/query_range?query=" + enc(promql) + "&start=" + start + "&end=" + end
                + "&step=" + step);
        List<Series> out = new ArrayList<>();
        for (JsonNode s : data.get("result")) {
            List<double[]> points = new ArrayList<>();
            for (JsonNode v : s.get("values")) {
                points.add(new double[] {v.get(0).asDouble(), Double.parseDouble(v.get(1).asText())});
            }
            out.add(new Series(labels(s.get("metric")), points));
        }
        return out;
    }

    private static Map<String, String> labels(JsonNode metric) {
        Map<String, String> m = new LinkedHashMap<>();
        metric.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, UTF_8);
    }

    /** Runs promtool with the arguments in the directory; returns its exit status and output. */
    public static Map.Entry<Integer, String> promtool(Path workDir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary("promtool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return Map.entry(p.exitValue(), out);
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
