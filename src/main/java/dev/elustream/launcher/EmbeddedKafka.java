package dev.elustream.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) in this JVM, on
 * 127.0.0.1, for the {@code local} command and the integration tests. It can be stopped and
 * started again on the same data directory and ports.
 *
 * <p>Its PLAINTEXT listener ({@link #bootstrapServers()}) is always there: {@link #admin()}, {@link
 * #createTopics} and the broker's own inter-broker traffic use it. {@link #builder()} can add secured
 * client listeners on their own ports: SASL_SSL with SCRAM-SHA-512 ({@link #saslSslBootstrapServers()})
 * and SSL with a required client certificate ({@link #mutualTlsBootstrapServers()}).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    /** The only SASL mechanism the SASL_SSL listener offers. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    private static final String SASL_SSL = "SASL_SSL";
    private static final String MUTUAL_TLS = "SSL";
    // StorageTool's --add-scram syntax has no escapes: keep names and passwords to these characters.
    private static final Pattern SCRAM_TEXT = Pattern.compile("[A-Za-z0-9._~@+\\-]+");

    private final Path dataDir;
    private final boolean ownsDataDir;
    private final int port;
    private final int controllerPort;
    private final int saslSslPort;
    private final int mutualTlsPort;
    private final Map<String, String> scramUsers;
    private final Properties brokerProperties;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path dataDir, boolean ownsDataDir, int port, int controllerPort, Builder b) {
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.saslSslPort = b.saslSslTls == null ? 0 : freePort();
        this.mutualTlsPort = b.mutualTls == null ? 0 : freePort();
        this.scramUsers = Map.copyOf(b.scramUsers);
        this.brokerProperties = brokerProperties(dataDir.resolve("logs"), port, controllerPort);
        if (b.saslSslTls != null) {
            addListener(SASL_SSL, saslSslPort, b.saslSslTls);
            String prefix = listenerPrefix(SASL_SSL);
            brokerProperties.setProperty(prefix + "sasl.enabled.mechanisms", SCRAM_MECHANISM);
            brokerProperties.setProperty(prefix + SCRAM_MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        }
        if (b.mutualTls != null) {
            addListener(MUTUAL_TLS, mutualTlsPort, b.mutualTls);
            brokerProperties.setProperty(listenerPrefix(MUTUAL_TLS) + "ssl.client.auth", "required");
        }
        brokerProperties.putAll(b.overrides);
    }

    /**
     * Starts a broker on 127.0.0.1:port (0 for any free port), with its data in a new temporary
     * directory that {@link #close()} deletes.
     *
     * @throws IllegalStateException when the port is in use or the broker does not start
     */
    public static EmbeddedKafka start(int port) {
        return start(port, Map.of());
    }

    /** As {@link #start(int)}, with extra broker properties (they win over the defaults). */
    public static EmbeddedKafka start(int port, Map<String, String> brokerOverrides) {
        return builder().port(port).brokerOverrides(brokerOverrides).start();
    }

    /** A broker with more than a PLAINTEXT listener: {@code EmbeddedKafka.builder().saslSsl(tls, users).start()}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The broker side of a TLS listener, PKCS12 files: the key store holds the broker's key and a
     * certificate for 127.0.0.1 (what clients verify, with hostname verification on); the trust store
     * holds the CA whose client certificates the listener accepts (used when it requires one).
     */
    public record BrokerTls(Path keystore, String keystorePassword, Path truststore, String truststorePassword) {
        public BrokerTls {
            Objects.requireNonNull(keystore, "keystore");
            Objects.requireNonNull(keystorePassword, "keystorePassword");
            Objects.requireNonNull(truststore, "truststore");
            Objects.requireNonNull(truststorePassword, "truststorePassword");
        }

        @Override
        public String toString() {
            return "BrokerTls[keystore=" + keystore + ", truststore=" + truststore + "]";
        }
    }

    /** What to start: the PLAINTEXT port, broker properties, secured listeners. */
    public static final class Builder {
        private int port;
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private final Map<String, String> scramUsers = new LinkedHashMap<>();
        private BrokerTls saslSslTls;
        private BrokerTls mutualTls;

        private Builder() {}

        /** The PLAINTEXT listener's port; 0 (the default) for any free port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Extra broker properties; they win over everything this class sets. */
        public Builder brokerOverrides(Map<String, String> brokerOverrides) {
            overrides.putAll(brokerOverrides);
            return this;
        }

        /**
         * Adds a SASL_SSL listener: TLS with the given broker stores, then SCRAM-SHA-512 with these
         * users (name to password), which are written into the metadata log when the storage is
         * formatted. Names and passwords: letters, digits and {@code . _ ~ @ + -}.
         */
        public Builder saslSsl(BrokerTls tls, Map<String, String> users) {
            if (users.isEmpty()) {
                throw new IllegalArgumentException("a SASL_SSL listener needs at least one SCRAM user");
            }
            users.forEach((name, password) -> {
                if (!SCRAM_TEXT.matcher(name).matches() || !SCRAM_TEXT.matcher(password).matches()) {
                    throw new IllegalArgumentException("SCRAM user names and passwords may hold only letters, digits"
                            + " and . _ ~ @ + -, got user '" + name + "'");
                }
            });
            this.saslSslTls = Objects.requireNonNull(tls, "tls");
            scramUsers.putAll(users);
            return this;
        }

        /**
         * Adds an SSL listener with {@code ssl.client.auth=required}: a client connects only with a
         * certificate signed by a CA in the broker's trust store.
         */
        public Builder mutualTls(BrokerTls tls) {
            this.mutualTls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /**
         * Formats a new temporary data directory (that {@link EmbeddedKafka#close()} deletes) and
         * starts the broker; returns once it answers on its PLAINTEXT listener.
         *
         * @throws IllegalStateException when the port is in use or the broker does not start
         */
        public EmbeddedKafka start() {
            Path dir;
            try {
                dir = Files.createTempDirectory("elu-stream-kafka-");
            } catch (IOException e) {
                throw new IllegalStateException("cannot create a data directory for the embedded Kafka broker: " + e, e);
            }
            EmbeddedKafka kafka;
            try {
                int p = port == 0 ? freePort() : requireFree(port);
                kafka = new EmbeddedKafka(dir, true, p, freePort(), this);
            } catch (RuntimeException e) {
                deleteRecursively(dir);
                throw e;
            }
            try {
                kafka.format();
                kafka.startServer();
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
            return kafka;
        }
    }

    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    /** The SASL_SSL listener (SCRAM-SHA-512) as bootstrap servers. */
    public String saslSslBootstrapServers() {
        if (saslSslPort == 0) {
            throw new IllegalStateException("this broker has no SASL_SSL listener: start it with builder().saslSsl(...)");
        }
        return HOST + ":" + saslSslPort;
    }

    /** The SSL listener that requires a client certificate, as bootstrap servers. */
    public String mutualTlsBootstrapServers() {
        if (mutualTlsPort == 0) {
            throw new IllegalStateException("this broker has no mutual TLS listener: start it with builder().mutualTls(...)");
        }
        return HOST + ":" + mutualTlsPort;
    }

    /**
     * Creates the topics (if they do not exist yet) with the given partition count, and returns once
     * the broker leads every partition: a producer that starts right after a topic is created can
     * otherwise be told NOT_LEADER_OR_FOLLOWER for a batch the broker then appends, and with
     * idempotence its retry of a re-split batch is refused as out of order until it times out (seen
     * here with Kafka 4.2 on a fresh partition).
     */
    public void createTopics(int partitions, String... topics) {
        List<NewTopic> newTopics = new ArrayList<>();
        for (String t : topics) {
            newTopics.add(new NewTopic(t, partitions, (short) 1));
        }
        try (Admin admin = admin()) {
            createTopics(admin, newTopics);
        }
    }

    /**
     * Creates the topics through the admin client, a topic that exists already included, and returns
     * once each partition's leader answers (see {@link #createTopics(int, String...)}); for a cluster
     * of several brokers too.
     */
    public static void createTopics(Admin admin, List<NewTopic> topics) {
        admin.createTopics(topics).values().forEach((name, f) -> {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause(), e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating " + name, e);
            } catch (Exception e) {
                throw new IllegalStateException("cannot create topic " + name + ": " + e, e);
            }
        });
        awaitLeaders(admin, topics);
    }

    /** Until the leader answers ListOffsets for every partition: that is served by the partition's leader itself. */
    private static void awaitLeaders(Admin admin, List<NewTopic> newTopics) {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        String[] topics = new String[newTopics.size()];
        for (int i = 0; i < topics.length; i++) {
            NewTopic t = newTopics.get(i);
            topics[i] = t.name();
            for (int p = 0; p < t.numPartitions(); p++) {
                request.put(new TopicPartition(t.name(), p), OffsetSpec.latest());
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the partitions of " + String.join(", ", topics) + " have no leader"
                            + " after 30 s: " + e, e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the leaders of " + String.join(", ",
                        topics), e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** An admin client for this broker; the caller closes it. */
    public Admin admin() {
        Properties props = new Properties();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(props);
    }

    /** Stops the broker, keeping its data: {@link #restart()} brings it back on the same port. */
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /** Starts the broker again on its data directory and port after {@link #stop()}. */
    public synchronized void restart() {
        if (server == null) {
            requireFree(port);
            if (saslSslPort != 0) {
                requireFree(saslSslPort);
            }
            if (mutualTlsPort != 0) {
                requireFree(mutualTlsPort);
            }
            startServer();
        }
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } finally {
            if (ownsDataDir) {
                deleteRecursively(dataDir);
            }
        }
    }

    private void format() {
        Path config = dataDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            brokerProperties.store(out, "elu-stream embedded Kafka broker");
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + config + ": " + e, e);
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of(
                "format", "--config", config.toString(), "--cluster-id", Uuid.randomUuid().toString(), "--ignore-formatted"));
        // SCRAM credentials go into the bootstrap metadata: they exist before any client connects.
        scramUsers.forEach((name, password) -> {
            args.add("--add-scram");
            args.add(SCRAM_MECHANISM + "=[name=" + name + ",password=" + password + "]");
        });
        int rc;
        try (PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(args.toArray(new String[0]), ps);
        }
        if (rc != 0) {
            throw new IllegalStateException("cannot format the embedded Kafka broker's storage: "
                    + log.toString(StandardCharsets.UTF_8));
        }
    }

    private void startServer() {
        KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(brokerProperties, false), Time.SYSTEM);
        try {
            s.startup();
        } catch (RuntimeException e) {
            s.shutdown();
            throw new IllegalStateException("the embedded Kafka broker did not start on " + bootstrapServers() + ": " + e, e);
        }
        server = s;
        awaitReady(Duration.ofSeconds(60));
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the embedded Kafka broker did not become ready within "
                                + timeout.toSeconds() + " s: " + e, e);
                    }
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the embedded Kafka broker", e);
        }
    }

    static Properties brokerProperties(Path logDir, int port, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("log.dirs", logDir.toString());
        // One node: every internal topic has one replica.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "3");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "3");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("num.partitions", "3");
        // Its data lives only as long as the broker: keep every record until then, whatever its
        // timestamp (records produced with old timestamps would otherwise be deleted by the first
        // retention check, five minutes after start).
        p.setProperty("log.retention.ms", "-1");
        return p;
    }

    /** Adds a client listener (named after its protocol) with the listener's own TLS stores. */
    private void addListener(String name, int listenerPort, BrokerTls tls) {
        String address = name + "://" + HOST + ":" + listenerPort;
        brokerProperties.setProperty("listeners", brokerProperties.getProperty("listeners") + "," + address);
        brokerProperties.setProperty("advertised.listeners", brokerProperties.getProperty("advertised.listeners") + "," + address);
        brokerProperties.setProperty("listener.security.protocol.map",
                brokerProperties.getProperty("listener.security.protocol.map") + "," + name + ":" + name);
        String prefix = listenerPrefix(name);
        brokerProperties.setProperty(prefix + "ssl.keystore.type", "PKCS12");
        brokerProperties.setProperty(prefix + "ssl.keystore.location", tls.keystore().toAbsolutePath().toString());
        brokerProperties.setProperty(prefix + "ssl.keystore.password", tls.keystorePassword());
        brokerProperties.setProperty(prefix + "ssl.key.password", tls.keystorePassword());
        brokerProperties.setProperty(prefix + "ssl.truststore.type", "PKCS12");
        brokerProperties.setProperty(prefix + "ssl.truststore.location", tls.truststore().toAbsolutePath().toString());
        brokerProperties.setProperty(prefix + "ssl.truststore.password", tls.truststorePassword());
    }

    private static String listenerPrefix(String listenerName) {
        return "listener.name." + listenerName.toLowerCase(Locale.ROOT) + ".";
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("cannot find a free port on " + HOST + ": " + e, e);
        }
    }

    /** Fails fast, with the port in the message, when something already listens there. */
    static int requireFree(int port) {
        return requireFree(port, "choose another port");
    }

    /** As {@link #requireFree(int)}, with what the user can do instead in the message. */
    static int requireFree(int port, String hint) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            return port;
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " on " + HOST + " is in use (" + e.getMessage()
                    + "): stop what listens there, or " + hint, e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            // Temporary data: leaving it behind is harmless.
        }
    }
}
