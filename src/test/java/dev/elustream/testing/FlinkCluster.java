package dev.elustream.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Flink session cluster of separate OS processes, started the way Flink's scripts start
 * one, from Flink's Maven artifacts (target/flink-cluster.classpath): one JobManager
 * (StandaloneSessionClusterEntrypoint) and N TaskManagers (TaskManagerRunner), jobs submitted with
 * the CLI frontend as {@code flink run} does. {@link #close()} stops every process it started.
 */
public final class FlinkCluster implements AutoCloseable {

    /**
     * Flink's JVM flags for Java 17 (env.java.opts.all of Flink's default configuration), and the
     * module of ELU's vector kernel (env.java.opts.jobmanager and .taskmanager in docker-compose.yml).
     */
    public static final List<String> JVM_FLAGS = List.of(
            "--add-modules=jdk.incubator.vector",
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");

    private final Path dir;
    private final Path confDir;
    private final String classpath;
    private final int restPort;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Process> processes = new ArrayList<>();
    private final List<Process> taskManagers = new ArrayList<>();
    private Process jobManager;
    private final String java = ProcessHandle.current().info().command().orElse("java");

    private FlinkCluster(Path dir, String classpath, List<String> extraConfig) throws IOException {
        this.dir = dir;
        this.confDir = Files.createDirectories(dir.resolve("conf"));
        this.classpath = classpath;
        this.restPort = freePort();
        Files.createDirectories(dir.resolve("log"));
        List<String> config = new ArrayList<>(List.of(
                "jobmanager.rpc.address: localhost",
                "jobmanager.rpc.port: " + freePort(),
                "jobmanager.bind-host: localhost",
                "jobmanager.memory.process.size: 1024m",
                "taskmanager.host: localhost",
                "taskmanager.bind-host: localhost",
                "taskmanager.memory.process.size: 1280m",
                "taskmanager.numberOfTaskSlots: 1",
                "rest.address: localhost",
                "rest.bind-address: localhost",
                "rest.port: " + restPort,
                "parallelism.default: 1",
                // A lost TaskManager is noticed in seconds, not the default 50 s.
                "heartbeat.interval: 1000",
                "heartbeat.timeout: 5000",
                // Bounded, so that a broken job fails the test instead of retrying for ever.
                "restart-strategy.type: fixed-delay",
                "restart-strategy.fixed-delay.attempts: 10",
                "restart-strategy.fixed-delay.delay: 1 s",
                "execution.checkpointing.dir: " + dir.resolve("checkpoints").toUri(),
                "execution.checkpointing.savepoint-dir: " + dir.resolve("savepoints").toUri(),
                ""));
        // An extra line replaces the line of its key: YAML refuses a key twice.
        for (String extra : extraConfig) {
            String key = extra.substring(0, extra.indexOf(':') + 1);
            config.removeIf(line -> line.startsWith(key));
            config.add(config.size() - 1, extra);
        }
        Files.writeString(confDir.resolve("config.yaml"), String.join("\n", config), UTF_8);
        Files.writeString(confDir.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = file",
                "appender.file.type = File",
                "appender.file.name = file",
                "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss.SSS} %-5level %t %c{1} - %msg%n",
                ""), UTF_8);
    }

    /** Starts a JobManager and taskManagers TaskManagers (one slot each) and waits until all are registered. */
    public static FlinkCluster start(Path dir, int taskManagers) throws Exception {
        return start(dir, taskManagers, List.of());
    }

    /**
     * As {@link #start(Path, int)}, with extra lines for config.yaml (they win over this class's),
     * e.g. {@code execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION}.
     */
    public static FlinkCluster start(Path dir, int taskManagers, List<String> extraConfig) throws Exception {
        Path cpFile = Path.of("target", "flink-cluster.classpath");
        if (!Files.isRegularFile(cpFile)) {
            throw new IllegalStateException(cpFile + " is missing: it is written in the pre-integration-test phase"
                    + " (run the test through `mvn verify`)");
        }
        FlinkCluster cluster = new FlinkCluster(dir, Files.readString(cpFile, UTF_8).trim(), extraConfig);
        try {
            cluster.startJobManager();
            for (int i = 0; i < taskManagers; i++) {
                cluster.startTaskManager();
            }
            cluster.awaitTaskManagers(taskManagers, Duration.ofSeconds(90));
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public int restPort() {
        return restPort;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Starts the JobManager (again, after {@link #killJobManager()}: same ports, so the TaskManagers
     * register with it; without an HA service it knows no jobs) and waits for its REST endpoint.
     */
    public void startJobManager() throws Exception {
        List<String> params = resourceParams("GET_JM_RESOURCE_PARAMS");
        jobManager = launch("jobmanager-" + System.currentTimeMillis(), params.get(0),
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", params.get(1));
        processes.add(jobManager);
    }

    /** Kills the JobManager with SIGKILL; its jobs are gone with it (no HA service). */
    public void killJobManager() throws InterruptedException {
        jobManager.destroyForcibly();
        jobManager.waitFor(30, TimeUnit.SECONDS);
    }

    /** Waits until the JobManager answers and {@code count} TaskManagers are registered with it. */
    public void awaitTaskManagerCount(int count, Duration timeout) throws Exception {
        awaitTaskManagers(count, timeout);
    }

    /** How many TaskManagers this cluster started, dead or alive. */
    public int taskManagersStarted() {
        return taskManagers.size();
    }

    /** Whether TaskManager i (0-based) is still running. */
    public boolean taskManagerAlive(int i) {
        return taskManagers.get(i).isAlive();
    }

    /**
     * The newest completed checkpoint retained for the job (with
     * {@code externalized-checkpoint-retention}), as a path to give {@code flink run -s}, if any.
     */
    public Optional<Path> latestCheckpoint(String jobId) throws IOException {
        Path jobDir = dir.resolve("checkpoints").resolve(jobId);
        if (!Files.isDirectory(jobDir)) {
            return Optional.empty();
        }
        try (var dirs = Files.list(jobDir)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("chk-"))
                    .filter(d -> Files.isRegularFile(d.resolve("_metadata")))
                    .max(Comparator.comparingLong(d -> Long.parseLong(d.getFileName().toString().substring(4))));
        }
    }

    /** Starts one more TaskManager. */
    public void startTaskManager() throws Exception {
        List<String> params = resourceParams("GET_TM_RESOURCE_PARAMS");
        Process p = launch("taskmanager-" + (taskManagers.size() + 1), params.get(0),
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", params.get(1));
        processes.add(p);
        taskManagers.add(p);
    }

    /** Kills TaskManager i (0-based) with SIGKILL, as a crashed machine would disappear. */
    public void killTaskManager(int i) throws InterruptedException {
        Process p = taskManagers.get(i);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** What start-tm.sh/jobmanager.sh compute with BashJavaUtils: [JVM flags, dynamic -D parameters]. */
    private List<String> resourceParams(String command) throws Exception {
        Process p = new ProcessBuilder(java, "-cp", classpath, "org.apache.flink.runtime.util.bash.BashJavaUtils",
                command, "--configDir", confDir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("BashJavaUtils " + command + " failed:\n" + out);
        }
        List<String> results = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:")) {
                results.add(line.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim());
            }
        }
        if (results.size() != 2) {
            throw new IllegalStateException("BashJavaUtils " + command + " printed:\n" + out);
        }
        return results;
    }

    private Process launch(String name, String jvmParams, String mainClass, String dynamicParams) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(Arrays.asList(jvmParams.split(" ")));
        cmd.addAll(JVM_FLAGS);
        cmd.add("-Dlog.file=" + dir.resolve("log").resolve(name + ".log"));
        cmd.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.add("--configDir");
        cmd.add(confDir.toString());
        cmd.addAll(Arrays.asList(dynamicParams.split(" ")));
        return new ProcessBuilder(cmd)
                .redirectOutput(dir.resolve("log").resolve(name + ".out").toFile())
                .redirectErrorStream(true)
                .start();
    }

    private void awaitTaskManagers(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                JsonNode overview = get("/overview");
                if (overview.get("taskmanagers").asInt() >= count) {
                    return;
                }
            } catch (IOException e) {
                // REST endpoint not up yet
            }
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("the JobManager exited with " + jobManager.exitValue() + "; see "
                        + dir.resolve("log"));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(count + " TaskManagers did not register within " + timeout + "; see " + dir.resolve("log"));
            }
            Thread.sleep(250);
        }
    }

    /**
     * Submits a job jar the way {@code flink run -d} does (the CLI frontend, with FLINK_CONF_DIR) and
     * returns the job id. cliArgs go before the jar (e.g. {@code -p 2}, {@code -s SAVEPOINT}).
     */
    public String submit(Path jar, List<String> cliArgs, List<String> programArgs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(JVM_FLAGS);
        cmd.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        cmd.add("-Dlog.file=" + dir.resolve("log").resolve("client.log"));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add("org.apache.flink.client.cli.CliFrontend");
        cmd.add("run");
        cmd.add("-d");
        cmd.add("-m");
        cmd.add("localhost:" + restPort);
        cmd.addAll(cliArgs);
        cmd.add(jar.toString());
        cmd.addAll(programArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("FLINK_CONF_DIR", confDir.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("flink run failed:\n" + out);
        }
        Matcher m = JOB_ID.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("flink run printed no job id:\n" + out);
        }
        return m.group(1);
    }

    /** Waits until the job and all its tasks are RUNNING. */
    public void awaitRunning(String jobId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode job = get("/jobs/" + jobId);
            String state = job.get("state").asText();
            boolean allRunning = "RUNNING".equals(state);
            for (JsonNode v : job.get("vertices")) {
                allRunning &= "RUNNING".equals(v.get("status").asText());
            }
            if (allRunning) {
                return;
            }
            if (state.equals("FAILED") || state.equals("CANCELED") || state.equals("FINISHED")) {
                throw new IllegalStateException("job " + jobId + " is " + state + ": " + get("/jobs/" + jobId + "/exceptions"));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + jobId + " not running within " + timeout + ": " + state);
            }
            Thread.sleep(250);
        }
    }

    /** The TaskManagers that run subtasks of the job's vertices. */
    public Set<String> taskManagersOf(String jobId) throws Exception {
        Set<String> ids = new HashSet<>();
        for (JsonNode v : get("/jobs/" + jobId).get("vertices")) {
            for (JsonNode tm : get("/jobs/" + jobId + "/vertices/" + v.get("id").asText() + "/taskmanagers")
                    .get("taskmanagers")) {
                ids.add(tm.get("taskmanager-id").asText());
            }
        }
        return ids;
    }

    public String jobState(String jobId) throws Exception {
        return get("/jobs/" + jobId).get("state").asText();
    }

    /** The failures in the job's exception history (each one made it restart), newest first. */
    public List<String> failures(String jobId) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode e : get("/jobs/" + jobId + "/exceptions").get("exceptionHistory").get("entries")) {
            out.add(e.get("exceptionName").asText() + ": " + e.path("taskName").asText(""));
        }
        return out;
    }

    /** Stop-with-savepoint (as {@code flink stop}); returns the savepoint's path once the job is finished. */
    public String stopWithSavepoint(String jobId, Duration timeout) throws Exception {
        String body = "{\"targetDirectory\":\"" + dir.resolve("savepoints").toUri() + "\",\"drain\":false}";
        JsonNode trigger = send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "/stop"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        String triggerId = trigger.get("request-id").asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode status = get("/jobs/" + jobId + "/savepoints/" + triggerId);
            if ("COMPLETED".equals(status.get("status").get("id").asText())) {
                JsonNode op = status.get("operation");
                if (op.has("failure-cause")) {
                    throw new IllegalStateException("stop-with-savepoint failed: " + op.get("failure-cause"));
                }
                awaitState(jobId, "FINISHED", deadline);
                return op.get("location").asText();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("savepoint of " + jobId + " not done within " + timeout);
            }
            Thread.sleep(250);
        }
    }

    private void awaitState(String jobId, String state, long deadline) throws Exception {
        while (!state.equals(jobState(jobId))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + jobId + " is " + jobState(jobId) + ", not " + state);
            }
            Thread.sleep(100);
        }
    }

    public void cancel(String jobId) throws Exception {
        http.send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "?mode=cancel"))
                .method("PATCH", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build());
    }

    private JsonNode send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException(request.method() + " " + request.uri() + " -> " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + restPort + path);
    }

    /** The JobManager's and TaskManagers' logs, for a failure message. */
    public String logs() {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(dir.resolve("log"))) {
            for (Path f : files.sorted().toList()) {
                List<String> lines = Files.readAllLines(f, UTF_8);
                sb.append("==== ").append(f.getFileName()).append(" (last 40 lines)\n");
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> sb.append(l).append('\n'));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    /** Stops every process this cluster started: SIGTERM, then SIGKILL after 15 s. */
    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    /** Whether every process this cluster started has ended. */
    public boolean allStopped() {
        return processes.stream().noneMatch(Process::isAlive);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
