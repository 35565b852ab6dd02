package dev.elustream.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real schema registry with Confluent's REST API: Apicurio Registry (in-memory storage) as a
 * child JVM, run from the distribution that {@code mvn verify} unpacks in pre-integration-test
 * (system property {@value #HOME_PROPERTY}); {@link #ccompatUrl()} is what a Confluent client takes
 * as {@code schema.registry.url}. {@link #close()} stops the process.
 */
public final class SchemaRegistryServer implements AutoCloseable {

    /** The unpacked distribution (runner jar and lib/), set by failsafe. */
    public static final String HOME_PROPERTY = "elu.apicurio.home";

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int LOG_TAIL_LINES = 40;

    private final Process process;
    private final Path log;
    private final String ccompatUrl;

    private SchemaRegistryServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.ccompatUrl = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    /** Starts a registry on free loopback ports and returns once its Confluent API answers. */
    public static SchemaRegistryServer start() throws IOException, InterruptedException {
        Path runnerJar = runnerJar();
        int port = freePort();
        int managementPort = freePort();
        Path log = runnerJar.getParent().resolveSibling("apicurio-" + port + ".log");
        List<String> cmd = List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m",
                // C1 only: ready in about 2/3 of the time, and smaller; a test's few requests need no C2
                "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                // Quarkus' management interface listens on 0.0.0.0:9000 unless told otherwise
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + managementPort,
                // as Confluent's registry: a schema that differs only in formatting keeps its id
                "-Dapicurio.ccompat.use-canonical-hash=true",
                "-jar", runnerJar.toString());
        long started = System.nanoTime();
        Process process = new ProcessBuilder(cmd)
                .directory(runnerJar.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        SchemaRegistryServer server = new SchemaRegistryServer(process, log, port);
        try {
            server.awaitReady(started);
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        LOG.info("Schema registry at {} ready in {} ms (log {})",
                server.ccompatUrl, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), log);
        return server;
    }

    /** The base URL of the Confluent-compatible API, e.g. {@code http://127.0.0.1:PORT/apis/ccompat/v7}. */
    public String ccompatUrl() {
        return ccompatUrl;
    }

    /** The registry's own output (stdout and stderr). */
    public Path log() {
        return log;
    }

    /** Whether the registry's process has ended. */
    public boolean stopped() {
        return !process.isAlive();
    }

    private static Path runnerJar() throws IOException {
        String home = System.getProperty(HOME_PROPERTY);
        if (home == null || !Files.isDirectory(Path.of(home))) {
            throw new IllegalStateException("Apicurio Registry is not unpacked (" + HOME_PROPERTY + " = " + home
                    + "): run the test through `mvn verify`, which unpacks it in pre-integration-test");
        }
        try (Stream<Path> files = Files.list(Path.of(home))) {
            return files.filter(f -> f.getFileName().toString().endsWith("-runner.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no *-runner.jar in " + home
                            + ": run the test through `mvn verify`, which unpacks Apicurio Registry there"));
        }
    }

    private void awaitReady(long started) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(ccompatUrl + "/subjects"))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        long deadline = started + START_TIMEOUT.toNanos();
        while (true) {
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (ConnectException | HttpTimeoutException e) {
                // not listening yet
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the schema registry exited with " + process.exitValue()
                        + " before it was ready; " + logTail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the schema registry was not ready within " + START_TIMEOUT
                        + "; " + logTail());
            }
            Thread.sleep(200);
        }
    }

    private String logTail() throws IOException {
        List<String> lines = Files.readAllLines(log, UTF_8);
        return "last lines of " + log + ":\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    }

    /** Stops the registry and whatever it started: SIGTERM, then SIGKILL after 15 s; waits for their ends. */
    @Override
    public void close() {
        List<ProcessHandle> all = Stream.concat(Stream.of(process.toHandle()), process.descendants()).toList();
        all.forEach(ProcessHandle::destroy);
        try {
            for (ProcessHandle p : all) {
                if (!awaitExit(p, Duration.ofSeconds(15))) {
                    p.destroyForcibly();
                    awaitExit(p, Duration.ofSeconds(10));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            all.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static boolean awaitExit(ProcessHandle p, Duration timeout) throws InterruptedException {
        try {
            p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for process " + p.pid(), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
