package dev.elustream.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elustream.job.EluJob;
import dev.elustream.job.JobConfig;
import dev.elustream.job.KafkaConnectors;
import dev.elustream.testing.EluRecords;
import dev.elustream.testing.EluRecords.Case;
import dev.elustream.testing.KafkaCluster;
import dev.elustream.testing.LogCapture;
import dev.elustream.testing.OutputWatch;
import dev.elustream.testing.PacedProducer;
import dev.elustream.testing.TestJobs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job on a real replicated cluster ({@link KafkaCluster}: three brokers, replication factor 3,
 * {@code min.insync.replicas=2}, internal topics replicated too) through what production Kafka does to
 * it: partition leaders killed, the transaction coordinator killed during a checkpoint, a rolling
 * restart, two brokers down at once. Each run starts the job (parallelism 2 on three partitions, 1 s
 * checkpoints, fixed-delay restarts, the client defaults otherwise), writes 100,000 records (every 15th
 * malformed) to the input at a steady rate through the same cluster, injects its fault once a fifth is
 * written and checks every id: exactly-once, each in the output or the dead-letter topic exactly once
 * with its values (read_committed); at-least-once, none missing. Each run logs the longest time without
 * output, as a read_committed consumer saw it, and how often Flink restarted the job.
 */
class ReplicatedClusterITCase {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedClusterITCase.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final int PARTITIONS = 3;
    private static final int PARALLELISM = 2;
    private static final int RECORDS = 100_000;
    private static final int MAX_DIMENSION = 16;
    private static final String TRANSACTION_STATE = "__transaction_state";
    private static final Duration OUTAGE = Duration.ofSeconds(20);
    /**
     * Flink restarts of the job a fault may cost. None was needed in the runs measured here (README); a
     * slow machine may cost one or two, a restart loop fails the test.
     */
    private static final long MAX_RESTARTS = 2;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(flinkConfiguration())
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    private static KafkaCluster kafka;

    private static Configuration flinkConfiguration() {
        Configuration c = new Configuration();
        // numRestarts and the exception history as they are, not as they were seconds ago.
        c.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        c.set(WebOptions.REFRESH_INTERVAL, Duration.ofMillis(500));
        return c;
    }

    @BeforeAll
    static void startCluster() throws Exception {
        long start = System.nanoTime();
        kafka = KafkaCluster.start();
        LOG.info("Kafka cluster {} started in {} s", kafka.bootstrapServers(), seconds((System.nanoTime() - start) / 1e9));
    }

    @AfterAll
    static void stopCluster() {
        if (kafka != null) {
            kafka.close();
            assertThat(kafka.allStopped()).as("every broker and the controller have ended").isTrue();
        }
    }

    /** What a fault did: the longest output gap, the input's own, and the job's restarts. */
    private record Outcome(double outputGapSeconds, double gapStartAfterFaultSeconds, double inputGapSeconds,
            double faultSeconds, long restarts, List<String> failures) {}

    /** The job's topics and id, for a fault to aim at. */
    private record Run(String prefix, JobID jobId) {
        String in() {
            return prefix + "-in";
        }

        String out() {
            return prefix + "-out";
        }
    }

    @FunctionalInterface
    private interface Fault {
        void inject(Run run) throws Exception;
    }

    @Test
    void exactlyOnceThroughInputAndOutputLeadersKilledAndRestarted(@InjectClusterRESTAddress URI rest) throws Exception {
        Outcome o = run("leaders-eos", "exactly-once", Duration.ofSeconds(30), rest, this::killLeaders);
        assertThat(o.outputGapSeconds()).as("longest output gap, s").isLessThan(30);
        assertThat(o.restarts()).as("restarts of the job").isLessThanOrEqualTo(MAX_RESTARTS);
    }

    @Test
    void atLeastOnceThroughInputAndOutputLeadersKilledAndRestarted(@InjectClusterRESTAddress URI rest) throws Exception {
        Outcome o = run("leaders-alo", "at-least-once", Duration.ofSeconds(30), rest, this::killLeaders);
        assertThat(o.outputGapSeconds()).as("longest output gap, s").isLessThan(30);
        assertThat(o.restarts()).as("restarts of the job").isLessThanOrEqualTo(MAX_RESTARTS);
    }

    @Test
    void exactlyOnceThroughTheTransactionCoordinatorKilledDuringACheckpoint(@InjectClusterRESTAddress URI rest,
            @InjectMiniCluster MiniCluster miniCluster) throws Exception {
        Outcome o = run("coordinator", "exactly-once", Duration.ofSeconds(30), rest,
                r -> killCoordinatorDuringCheckpoint(r, miniCluster));
        assertThat(o.outputGapSeconds()).as("longest output gap, s").isLessThan(30);
        assertThat(o.restarts()).as("restarts of the job").isLessThanOrEqualTo(MAX_RESTARTS);
    }

    @Test
    void exactlyOnceThroughARollingRestartOfAllBrokers(@InjectClusterRESTAddress URI rest) throws Exception {
        Outcome o = run("rolling", "exactly-once", Duration.ofSeconds(50), rest, r -> {
            for (int broker : KafkaCluster.BROKER_IDS) {
                kafka.stop(broker);
                kafka.start(broker);
                kafka.awaitInSync(broker, Duration.ofSeconds(120));
            }
        });
        // A controlled shutdown hands leaderships over before the broker goes: no wait for fencing.
        assertThat(o.outputGapSeconds()).as("longest output gap, s").isLessThan(20);
        assertThat(o.restarts()).as("restarts of the job").isLessThanOrEqualTo(MAX_RESTARTS);
    }

    @Test
    void exactlyOnceStallsBelowMinInsyncReplicasSaysWhyAndResumes(@InjectClusterRESTAddress URI rest) throws Exception {
        List<String> producerWarnings = new ArrayList<>();
        // The input keeps taking records with one replica: the job can read, but neither write its output
        // nor commit a transaction. (With the input at 2 as well, the whole cluster stops taking records,
        // and whether the job's producers log NOT_ENOUGH_REPLICAS depends on whether they still had
        // records to send once the ISRs had shrunk: a request the leader appended before that just waits.)
        Outcome o = run("min-isr", "exactly-once", Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "1"),
                Duration.ofSeconds(45), rest, r -> {
            try (LogCapture log = LogCapture.start("org.apache.kafka.clients.producer.internals", Level.WARN)) {
                List<Integer> down = List.of(KafkaCluster.BROKER_IDS.get(0), KafkaCluster.BROKER_IDS.get(1));
                for (int broker : down) {
                    kafka.kill(broker);
                }
                // The outage itself is what is waited for here, not a result.
                Thread.sleep(OUTAGE.toMillis());
                kafka.start(down);
                for (int broker : down) {
                    kafka.awaitInSync(broker, Duration.ofSeconds(120));
                }
                log.messages().stream().filter(m -> m.contains("transactionalId=" + r.prefix() + "-"))
                        .forEach(producerWarnings::add);
            }
        });
        // The job's own producers noticed the outage, and usually said why nothing moved: too few in-sync
        // replicas. Once (a CI run under load) they logged only the disconnections and a leader change
        // for the whole outage, most likely because it caught them with nothing to send but a
        // transaction to commit, which waits at the coordinator without an error.
        assertThat(producerWarnings).as("the job's producers' warnings during the outage").isNotEmpty();
        LOG.info("min-isr: the job's producers logged {} warnings; NOT_ENOUGH_REPLICAS: {}; first: {}",
                producerWarnings.size(), producerWarnings.stream().filter(m -> m.contains("NOT_ENOUGH_REPLICAS")).count(),
                producerWarnings.stream().filter(m -> m.contains("NOT_ENOUGH_REPLICAS")).findFirst()
                        .orElse(producerWarnings.get(0)));
        assertThat(o.outputGapSeconds()).as("longest output gap, s").isGreaterThanOrEqualTo(OUTAGE.toSeconds() - 2).isLessThan(OUTAGE.toSeconds() + 60);
        assertThat(o.restarts()).as("restarts of the job").isLessThanOrEqualTo(MAX_RESTARTS);
    }

    /** Kills a broker that leads an input and an output partition (not the transaction coordinator), restarts it once leadership has moved. */
    private void killLeaders(Run r) throws Exception {
        // No transaction has been used yet when the job is at-least-once.
        int coordinator = kafka.topics().contains(TRANSACTION_STATE) ? kafka.leaderOf(TRANSACTION_STATE, 0) : -1;
        for (int broker : KafkaCluster.BROKER_IDS) {
            int in = partitionLedBy(r.in(), broker);
            int out = partitionLedBy(r.out(), broker);
            if (broker == coordinator || in < 0 || out < 0) {
                continue;
            }
            kafka.kill(broker);
            awaitLeaderMoved(r.in(), in, broker);
            awaitLeaderMoved(r.out(), out, broker);
            kafka.start(broker);
            kafka.awaitInSync(broker, Duration.ofSeconds(120));
            return;
        }
        throw new AssertionError("no broker other than the coordinator " + coordinator + " leads a partition of both "
                + r.in() + " and " + r.out());
    }

    /** Kills the broker that coordinates the sinks' transactions while a checkpoint is under way, then restarts it. */
    private void killCoordinatorDuringCheckpoint(Run r, MiniCluster miniCluster) throws Exception {
        List<String> transactionalIds = transactionalIds(r.prefix());
        int coordinator = kafka.coordinatorOf(transactionalIds.get(0));
        for (String id : transactionalIds) {
            assertThat(kafka.coordinatorOf(id)).as("coordinator of %s", id).isEqualTo(coordinator);
        }
        CompletableFuture<String> checkpoint = miniCluster.triggerCheckpoint(r.jobId());
        kafka.kill(coordinator);
        assertThat(checkpoint).as("the checkpoint is still under way when the coordinator dies").isNotDone();
        awaitLeaderMoved(TRANSACTION_STATE, 0, coordinator);
        kafka.start(coordinator);
        kafka.awaitInSync(coordinator, Duration.ofSeconds(120));
        LOG.info("coordinator: broker {} coordinated the {} transactional ids of the job so far; the checkpoint"
                + " under way when it died {}", coordinator, transactionalIds.size(), checkpoint.handle((path, e) -> e == null ? "completed" : "failed: " + e).get());
    }

    /** The transactional ids the job's sinks use now, polled until there are some. */
    private static List<String> transactionalIds(String prefix) throws Exception {
        try (Admin admin = kafka.admin()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                Collection<TransactionListing> listed = admin.listTransactions(new ListTransactionsOptions()
                        .filterOnTransactionalIdPattern(Pattern.quote(prefix + "-") + ".*")).all().get(30, TimeUnit.SECONDS);
                if (!listed.isEmpty()) {
                    return listed.stream().map(TransactionListing::transactionalId).sorted().toList();
                }
                assertThat(System.nanoTime()).as("transactions of %s within 60 s", prefix).isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    private static int partitionLedBy(String topic, int broker) {
        for (int p = 0; p < PARTITIONS; p++) {
            if (kafka.leaderOf(topic, p) == broker) {
                return p;
            }
        }
        return -1;
    }

    private static void awaitLeaderMoved(String topic, int partition, int from) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int leader;
        while ((leader = kafka.leaderOf(topic, partition)) == from || leader < 0) {
            assertThat(System.nanoTime()).as("a new leader of %s-%d within 60 s", topic, partition).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /**
     * Runs the job on fresh topics, produces the records over produceOver, injects the fault once a
     * fifth of the output is there, then checks every id and measures.
     */
    private Outcome run(String prefix, String guarantee, Duration produceOver, URI rest, Fault fault) throws Exception {
        return run(prefix, guarantee, Map.of(), produceOver, rest, fault);
    }

    /** As above, with configs for the input topic. */
    private Outcome run(String prefix, String guarantee, Map<String, String> inputConfigs, Duration produceOver, URI rest,
            Fault fault) throws Exception {
        String in = prefix + "-in";
        String out = prefix + "-out";
        String dlq = prefix + "-dlq";
        kafka.createTopics(PARTITIONS, inputConfigs, in);
        kafka.createTopics(PARTITIONS, out, dlq);
        List<Case> cases = EluRecords.generate(RECORDS, prefix.hashCode(), 0, MAX_DIMENSION);
        int expectedOut = (int) cases.stream().filter(c -> !c.malformed()).count();
        // The whole bootstrap list, as a production job file has it.
        JobConfig config = TestJobs.config(kafka.bootstrapServers(), prefix, PARALLELISM,
                "delivery-guarantee", guarantee, "max-dimension", Integer.toString(MAX_DIMENSION));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EluJob.configure(env, config);
        // What a production job has: retries for a while, so that a fault is ridden out.
        TestJobs.restartOnFaults(env, 60, Duration.ofSeconds(1));
        // Unbounded, as in production: the job keeps running through the fault.
        TestJobs.build(env, config, KafkaConnectors.sourceBuilder(config).build());
        JobClient job = env.executeAsync(config.jobName());
        try (OutputWatch watch = OutputWatch.start(kafka.bootstrapServers(), out, dlq);
                PacedProducer producer = PacedProducer.start(kafka.bootstrapServers(), in, cases,
                        (double) RECORDS / produceOver.toSeconds())) {
            // Mid-stream: the job's output flows, a fifth of the input is written, the rest still to come.
            watch.awaitOutputRecords(1000, Duration.ofSeconds(120));
            producer.awaitAcknowledged(RECORDS / 5, Duration.ofSeconds(120));
            long faultStart = System.nanoTime();
            fault.inject(new Run(prefix, job.getJobID()));
            long faultEnd = System.nanoTime();
            int producedByFaultEnd = producer.acknowledged();

            Map<Integer, RecordMetadata> positions = producer.await(Duration.ofSeconds(180));
            watch.awaitDistinctIds(RECORDS, Duration.ofSeconds(180));
            OutputWatch.Gap gap = watch.longestGap();
            if (guarantee.equals("exactly-once")) {
                EluRecords.verify(kafka.bootstrapServers(), in, out, dlq, cases, positions, id -> 1.0,
                        Duration.ofSeconds(120));
            } else {
                EluRecords.verifyAtLeastOnce(kafka.bootstrapServers(), in, out, dlq, cases, positions, id -> 1.0,
                        Duration.ofSeconds(120));
            }
            assertThat(job.getJobStatus().get()).as("the job still runs").isEqualTo(JobStatus.RUNNING);

            Outcome o = new Outcome(gap.seconds(), (gap.fromNanos() - faultStart) / 1e9,
                    producer.longestGap().toMillis() / 1e3, (faultEnd - faultStart) / 1e9,
                    restarts(rest, job.getJobID()), failures(rest, job.getJobID()));
            LOG.info("{} ({}): the fault took {} s; longest output gap {} s, starting {} s after the fault began;"
                            + " longest input gap {} s; {} of {} records written when the fault was over;"
                            + " {} output records read for {}; job restarts: {} {}",
                    prefix, guarantee, seconds(o.faultSeconds()), seconds(o.outputGapSeconds()),
                    seconds(o.gapStartAfterFaultSeconds()), seconds(o.inputGapSeconds()), producedByFaultEnd, RECORDS,
                    watch.outputRecords(), expectedOut, o.restarts(), o.failures());
            return o;
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }
    }

    private static String seconds(double s) {
        return String.format("%.1f", s);
    }

    /** Flink's numRestarts of the job (the REST endpoint fetches metrics on demand: the first answers may be empty). */
    private static long restarts(URI rest, JobID job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            JsonNode metrics = get(rest, "/jobs/" + job + "/metrics?get=numRestarts");
            if (metrics.size() == 1) {
                return metrics.get(0).get("value").asLong();
            }
            assertThat(System.nanoTime()).as("numRestarts of %s within 30 s: %s", job, metrics).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** The failures in the job's exception history, newest first. */
    private static List<String> failures(URI rest, JobID job) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode e : get(rest, "/jobs/" + job + "/exceptions").get("exceptionHistory").get("entries")) {
            String stack = e.path("stacktrace").asText("");
            out.add(stack.lines().findFirst().orElse(e.path("exceptionName").asText("")));
        }
        return out;
    }

    private static JsonNode get(URI rest, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
