package dev.elustream.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.elustream.launcher.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Utils;

/**
 * A real replicated Kafka cluster for fault tests: three brokers (node ids 1, 2, 3) and one KRaft
 * controller (node id 0), each its own JVM running {@code kafka.Kafka server.properties} from the
 * test class path, on 127.0.0.1. A broker can be killed with SIGKILL ({@link #kill}), stopped with
 * a controlled shutdown ({@link #stop}) and started again on its data directory and ports
 * ({@link #start(int)}). Topics and the internal topics have three replicas and
 * {@code min.insync.replicas=2}. The nodes' output goes to {@code target/kafka-cluster/RUN/node-N/};
 * {@link #close()}, or this JVM's exit, kills every node and deletes their data.
 *
 * <p>The controller runs apart from the brokers: with three combined broker-controllers, two brokers
 * down would also take the controller quorum's majority, and no partition could then change its
 * leader or shrink its ISR. {@code __transaction_state} has a single partition, so that one broker,
 * its leader, is the transaction coordinator of every transactional id ({@link #coordinatorOf}).
 */
public final class KafkaCluster implements AutoCloseable {

    public static final int CONTROLLER_ID = 0;
    public static final List<Integer> BROKER_IDS = List.of(1, 2, 3);
    /** What the tests rely on: a killed broker is fenced (its leaderships move) within this. */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final String STARTED = "Kafka Server started";
    private static final int LOG_TAIL_LINES = 30;
    /** Clusters not closed yet: a JVM that ends without closing them (a failed @BeforeAll, Ctrl-C) kills them on exit. */
    private static final Set<KafkaCluster> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(c -> {
            c.killAll();
            c.deleteData();
        }), "kafka-cluster-cleanup"));
    }

    private final Path dir;
    private final Map<Integer, NodeState> nodes = new LinkedHashMap<>();
    private final String java = ProcessHandle.current().info().command().orElse("java");
    private final String classpath = System.getProperty("java.class.path");
    private volatile boolean closed;
    private Admin admin;

    /** One node: its ports and directory stay the same across restarts. */
    private static final class NodeState {
        final int id;
        final int port;
        final Path dir;
        volatile Process process;
        int starts;

        NodeState(int id, int port, Path dir) {
            this.id = id;
            this.port = port;
            this.dir = dir;
        }
    }

    private KafkaCluster(Path dir) {
        this.dir = dir;
    }

    /**
     * Formats the storage of a controller and three brokers, starts them as child JVMs and returns
     * once every broker is registered and unfenced.
     */
    public static KafkaCluster start() throws IOException, InterruptedException {
        String run = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        KafkaCluster cluster = new KafkaCluster(Path.of("target", "kafka-cluster", run).toAbsolutePath());
        OPEN.add(cluster);
        try {
            cluster.startAll();
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private void startAll() throws IOException, InterruptedException {
        int controllerPort = freePort();
        nodes.put(CONTROLLER_ID, new NodeState(CONTROLLER_ID, controllerPort, dir.resolve("node-" + CONTROLLER_ID)));
        for (int id : BROKER_IDS) {
            nodes.put(id, new NodeState(id, freePort(), dir.resolve("node-" + id)));
        }
        String clusterId = Uuid.randomUuid().toString();
        for (NodeState n : nodes.values()) {
            Files.createDirectories(n.dir);
            writeProperties(n.dir.resolve("server.properties"), serverProperties(n, controllerPort));
            Files.writeString(n.dir.resolve("log4j2.properties"), LOG4J, UTF_8);
            format(n, clusterId);
        }
        for (NodeState n : nodes.values()) {
            launch(n);
        }
        for (NodeState n : nodes.values()) {
            awaitStarted(n);
        }
        admin = newAdmin();
        for (int id : BROKER_IDS) {
            awaitRegistered(id);
        }
    }

    /** All three brokers, as a client's bootstrap.servers. */
    public String bootstrapServers() {
        return BROKER_IDS.stream().map(id -> HOST + ":" + nodes.get(id).port).collect(Collectors.joining(","));
    }

    /** The directory with every node's configuration and output. */
    public Path dir() {
        return dir;
    }

    /** An admin client for the whole cluster; the caller closes it. */
    public Admin admin() {
        return newAdmin();
    }

    /** Kills the node with SIGKILL (no controlled shutdown: its leaderships move when the controller fences it). */
    public synchronized void kill(int nodeId) throws InterruptedException {
        NodeState n = node(nodeId);
        if (n.process == null || !n.process.isAlive()) {
            throw new IllegalStateException("node " + nodeId + " is not running");
        }
        n.process.destroyForcibly();
        if (!n.process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("node " + nodeId + " did not die within 30 s of SIGKILL");
        }
    }

    /**
     * Stops the node with SIGTERM, which makes Kafka shut down in a controlled way (a broker hands its
     * leaderships over first), and returns once the process has ended.
     */
    public synchronized void stop(int nodeId) throws InterruptedException {
        NodeState n = node(nodeId);
        if (n.process == null || !n.process.isAlive()) {
            throw new IllegalStateException("node " + nodeId + " is not running");
        }
        n.process.destroy();
        if (!n.process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            n.process.destroyForcibly();
            n.process.waitFor(30, TimeUnit.SECONDS);
            throw new IllegalStateException("node " + nodeId + " did not shut down within " + STOP_TIMEOUT.toSeconds()
                    + " s and was killed; see " + n.dir);
        }
    }

    /**
     * Starts a stopped or killed node again on its data directory and ports; returns once it has
     * started and, for a broker, is registered and unfenced (it may not be back in every ISR yet:
     * {@link #awaitInSync}).
     */
    public void start(int nodeId) throws IOException, InterruptedException {
        start(List.of(nodeId));
    }

    /** As {@link #start(int)}, for several nodes at once: their JVMs start side by side. */
    public synchronized void start(List<Integer> nodeIds) throws IOException, InterruptedException {
        for (int id : nodeIds) {
            if (isRunning(id)) {
                throw new IllegalStateException("node " + id + " is already running");
            }
        }
        for (int id : nodeIds) {
            launch(node(id));
        }
        for (int id : nodeIds) {
            awaitStarted(node(id));
        }
        for (int id : nodeIds) {
            if (BROKER_IDS.contains(id)) {
                awaitRegistered(id);
            }
        }
    }

    public synchronized boolean isRunning(int nodeId) {
        NodeState n = node(nodeId);
        return n.process != null && n.process.isAlive();
    }

    /** The id of the partition's leader as the cluster's metadata has it, -1 when it has none. */
    public int leaderOf(String topic, int partition) {
        Node leader = partitionInfo(topic, partition).leader();
        return leader == null || leader.isEmpty() ? -1 : leader.id();
    }

    /** The ids of the partition's in-sync replicas. */
    public List<Integer> isrOf(String topic, int partition) {
        return partitionInfo(topic, partition).isr().stream().map(Node::id).toList();
    }

    /**
     * The broker that coordinates the transactions of this transactional id (DescribeTransactions
     * sent to the coordinator that FindCoordinator names); the id must have been used.
     */
    public int coordinatorOf(String transactionalId) {
        try {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                    .get(30, TimeUnit.SECONDS).coordinatorId();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot find the coordinator of " + transactionalId + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Creates the topics (if they do not exist yet) with three replicas each, and returns once every
     * partition has a leader that answers and all three replicas in its ISR.
     */
    public void createTopics(int partitions, String... topics) {
        createTopics(partitions, Map.of(), topics);
    }

    /** As {@link #createTopics(int, String...)}, with topic configs, e.g. {@code min.insync.replicas}. */
    public void createTopics(int partitions, Map<String, String> configs, String... topics) {
        List<NewTopic> newTopics = new ArrayList<>();
        for (String t : topics) {
            newTopics.add(new NewTopic(t, partitions, (short) BROKER_IDS.size()).configs(configs));
        }
        EmbeddedKafka.createTopics(admin, newTopics);
        poll(Duration.ofSeconds(30), "three in-sync replicas for every partition of " + String.join(", ", topics),
                () -> describe(List.of(topics)).values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.isr().size() == BROKER_IDS.size()));
    }

    /** The names of every topic, internal ones included. */
    public Set<String> topics() {
        try {
            return admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list the topics: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Waits until the node is in the ISR of every partition it holds a replica of, internal topics
     * included: after a restart, it has caught up with every leader.
     */
    public void awaitInSync(int nodeId, Duration timeout) {
        poll(timeout, "node " + nodeId + " back in every ISR", () -> outOfSync(nodeId).isEmpty());
    }

    /** Partitions that have the node as a replica but not in their ISR. */
    public List<String> outOfSync(int nodeId) {
        List<String> out = new ArrayList<>();
        describe(topics()).forEach((topic, d) -> {
            for (TopicPartitionInfo p : d.partitions()) {
                boolean replica = p.replicas().stream().anyMatch(r -> r.id() == nodeId);
                boolean inSync = p.isr().stream().anyMatch(r -> r.id() == nodeId);
                if (replica && !inSync) {
                    out.add(topic + "-" + p.partition());
                }
            }
        });
        Collections.sort(out);
        return out;
    }

    /** Whether every node's process has ended. */
    public boolean allStopped() {
        return nodes.values().stream().allMatch(n -> n.process == null || !n.process.isAlive());
    }

    /** Kills every node (SIGKILL: nothing here needs to survive) and deletes their data; the output stays. */
    @Override
    public void close() {
        killAll();
        synchronized (this) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
                admin = null;
            }
        }
        deleteData();
    }

    private void deleteData() {
        for (NodeState n : nodes.values()) {
            try {
                Utils.delete(n.dir.resolve("data").toFile());
            } catch (IOException e) {
                // Under target/: left behind, it goes with the next clean.
            }
        }
    }

    /**
     * SIGKILL to every node, and no new one started after: what the shutdown hook does. It takes no
     * lock, so that it cannot wait for a start that is waiting for a node.
     */
    private void killAll() {
        closed = true;
        OPEN.remove(this);
        for (NodeState n : nodes.values()) {
            Process p = n.process;
            if (p != null) {
                p.destroyForcibly();
            }
        }
        for (NodeState n : nodes.values()) {
            Process p = n.process;
            if (p != null) {
                try {
                    p.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private NodeState node(int nodeId) {
        NodeState n = nodes.get(nodeId);
        if (n == null) {
            throw new IllegalArgumentException("no node " + nodeId + " in this cluster; brokers are " + BROKER_IDS
                    + ", the controller is " + CONTROLLER_ID);
        }
        return n;
    }

    private TopicPartitionInfo partitionInfo(String topic, int partition) {
        TopicDescription d = describe(List.of(topic)).get(topic);
        return d.partitions().stream().filter(p -> p.partition() == partition).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(topic + " has no partition " + partition));
    }

    private Map<String, TopicDescription> describe(java.util.Collection<String> topics) {
        try {
            return admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe " + topics + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private Properties serverProperties(NodeState n, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("node.id", Integer.toString(n.id));
        p.setProperty("controller.quorum.voters", CONTROLLER_ID + "@" + HOST + ":" + controllerPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        if (n.id == CONTROLLER_ID) {
            p.setProperty("process.roles", "controller");
            p.setProperty("listeners", "CONTROLLER://" + HOST + ":" + n.port);
            p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT");
        } else {
            p.setProperty("process.roles", "broker");
            p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + n.port);
            p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + n.port);
            p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        }
        p.setProperty("log.dirs", n.dir.resolve("data").toString());
        // Topic defaults and the internal topics: on every node, the controller creates topics.
        p.setProperty("num.partitions", "3");
        p.setProperty("default.replication.factor", "3");
        p.setProperty("min.insync.replicas", "2");
        p.setProperty("offsets.topic.replication.factor", "3");
        p.setProperty("offsets.topic.num.partitions", "3");
        p.setProperty("transaction.state.log.replication.factor", "3");
        p.setProperty("transaction.state.log.min.isr", "2");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "3");
        p.setProperty("share.coordinator.state.topic.min.isr", "2");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("unclean.leader.election.enable", "false");
        // Keep every record whatever its timestamp (test records carry old ones).
        p.setProperty("log.retention.ms", "-1");
        // Faults noticed in seconds: a silent broker is fenced after SESSION_TIMEOUT, a follower that
        // stops fetching leaves the ISR after 10 s (production: 9 s and 30 s).
        p.setProperty("broker.heartbeat.interval.ms", "1000");
        p.setProperty("broker.session.timeout.ms", Long.toString(SESSION_TIMEOUT.toMillis()));
        p.setProperty("replica.lag.time.max.ms", "10000");
        // A 2-core machine: fewer threads than a production broker's defaults.
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "4");
        p.setProperty("background.threads", "4");
        return p;
    }

    /** Console output at INFO, which the process's stdout file keeps; the test class path's log4j2-test file is not used. */
    private static final String LOG4J = String.join("\n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.console.ref = console",
            "appender.console.type = Console",
            "appender.console.name = console",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n",
            "logger.request.name = kafka.request.logger",
            "logger.request.level = WARN",
            "");

    private static void writeProperties(Path file, Properties p) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, "elu-stream test cluster node");
        }
    }

    /** kafka-storage.sh format, in this JVM: every node with the same cluster id; the controller's quorum is static. */
    private static void format(NodeState n, String clusterId) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc;
        try (PrintStream ps = new PrintStream(log, true, UTF_8)) {
            rc = StorageTool.execute(new String[] {"format", "--config", n.dir.resolve("server.properties").toString(),
                "--cluster-id", clusterId}, ps);
        }
        if (rc != 0) {
            throw new IllegalStateException("cannot format the storage of node " + n.id + ": " + log.toString(UTF_8));
        }
    }

    private void launch(NodeState n) throws IOException {
        if (closed) {
            throw new IllegalStateException("the cluster is closed");
        }
        n.starts++;
        List<String> cmd = new ArrayList<>(List.of(java,
                "-Xms128m", "-Xmx512m",
                // C1 only and one GC thread: a broker here moves a few thousand small records a
                // second, and the machine's two cores are shared with the job and the other nodes.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Dlog4j2.configurationFile=" + n.dir.resolve("log4j2.properties").toUri(),
                "-cp", classpath,
                NodeMain.class.getName(),
                n.dir.resolve("server.properties").toString()));
        n.process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(Redirect.to(output(n).toFile()))
                .start();
    }

    /** One output file per start, so that a restart's readiness is read from its own output. */
    private static Path output(NodeState n) {
        return n.dir.resolve("start-" + n.starts + ".log");
    }

    private void awaitStarted(NodeState n) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!contains(output(n), STARTED)) {
            if (!n.process.isAlive()) {
                throw new IllegalStateException("node " + n.id + " exited with " + n.process.exitValue() + " while"
                        + " starting; last lines of " + output(n) + ":\n" + tail(output(n)));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + n.id + " did not start within " + START_TIMEOUT.toSeconds()
                        + " s; last lines of " + output(n) + ":\n" + tail(output(n)));
            }
            Thread.sleep(100);
        }
    }

    /** Until the cluster's metadata lists the broker as alive (registered and unfenced). */
    private void awaitRegistered(int brokerId) {
        poll(START_TIMEOUT, "broker " + brokerId + " registered", () -> admin.describeCluster().nodes()
                .get(10, TimeUnit.SECONDS).stream().anyMatch(node -> node.id() == brokerId));
    }

    private Admin newAdmin() {
        Properties props = new Properties();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(props);
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    /** Polls the check until it holds; an exception counts as "not yet" until the deadline. */
    private void poll(Duration timeout, String what, Check check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + what + " within " + timeout.toSeconds() + " s"
                        + (last == null ? "" : " (last error: " + last + ")") + "; nodes in " + dir, last);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }

    private static boolean contains(Path file, String text) {
        try {
            return Files.exists(file) && Files.readString(file, UTF_8).contains(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path file) {
        try {
            if (!Files.exists(file)) {
                return "(no output)\n";
            }
            List<String> lines = Files.readAllLines(file, UTF_8);
            return lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()).stream()
                    .collect(Collectors.joining("\n", "", "\n"));
        } catch (IOException e) {
            return "(cannot read: " + e + ")\n";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    /**
     * A node's main: {@code kafka.Kafka server.properties}, and a watch on the JVM that started it. A
     * test JVM killed outright (SIGKILL, a timed-out fork) runs no shutdown hook; its nodes then end
     * themselves instead of holding ports and memory.
     */
    public static final class NodeMain {
        private NodeMain() {}

        public static void main(String[] args) throws Exception {
            ProcessHandle.current().parent().ifPresent(parent ->
                    parent.onExit().thenRun(() -> Runtime.getRuntime().halt(137)));
            kafka.Kafka.main(args);
        }
    }
}
