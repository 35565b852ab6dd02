package dev.elustream.perf;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.math.Elu;
import dev.elustream.testing.Ulps;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * The end-to-end throughput run (src/test/perf/throughput.sh): for each delivery guarantee and round,
 * the baseline ({@link BaselineCopy}), the job (the standalone jar's {@code local --bootstrap-servers})
 * and a plain Kafka Streams app ({@link KafkaStreamsElu}, JSON only), as {@code --systems} selects,
 * each in its own JVM with a 512 MB heap and a GC log, against a broker in this JVM, on fresh topics.
 * For each, a backlog drain: one probe record per partition and N records are written to the input
 * topic before the system starts (it reads from the earliest offset); the output topic has
 * {@code message.timestamp.type=LogAppendTime}, so each output record's timestamp is when the broker
 * appended the system's batch. Throughput is the steady-state rate over the append times from their
 * 5th percentile to the last ({@link SteadyWindow}), which leaves out the system's start-up and, for
 * exactly-once, the wait for the last commit. Then a paced latency phase: each input record carries
 * its send time in a {@value OutputVerifier#SENT_HEADER} header, and latency is the time the
 * verifier sees the output record minus that. The output is checked complete, without duplicates
 * (exactly-once), without dead letters, and a sample of values is compared with the expected ones:
 * the copy's byte for byte, the job's and the Kafka Streams app's f and f' within 2 ulp. The verifier
 * also sums the output values' bytes, for k (output over input bytes per record) and its ceiling.
 */
public final class ThroughputRun {

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    private static final int DISTINCT_VECTORS = 1000;
    private static final int SAMPLE_EVERY = 997;
    private static final double ALPHA = Elu.DEFAULT_ALPHA;

    private final PerfOptions options;
    private final EmbeddedKafka kafka;
    private final Path work;
    private final Path jar;
    private final InputSet inputs;
    private final List<Process> children;
    private int runNumber;

    private ThroughputRun(PerfOptions options, EmbeddedKafka kafka, Path work, Path jar, List<Process> children) {
        this.options = options;
        this.kafka = kafka;
        this.work = work;
        this.jar = jar;
        this.children = children;
        this.inputs = new InputSet(options.format(), options.numbers(), options.dimension(), DISTINCT_VECTORS, 1);
    }

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(PerfOptions.USAGE);
            return;
        }
        PerfOptions options;
        try {
            options = PerfOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("throughput: " + e.getMessage());
            System.err.println(PerfOptions.USAGE);
            System.exit(2);
            return;
        }
        Path work = Files.createTempDirectory("elu-perf-");
        List<Process> children = new CopyOnWriteArrayList<>();
        AtomicReference<EmbeddedKafka> broker = new AtomicReference<>();
        // Ctrl-C or a failure: nothing may be left running, no broker data left behind.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            children.forEach(ThroughputRun::stop);
            EmbeddedKafka k = broker.get();
            if (k != null) {
                k.close();
            }
            deleteRecursively(work);
        }));
        // Its own copy of the jar: a build during the run must not swap classes under the job.
        Path jar = Files.copy(Path.of("target", "elu-stream-standalone.jar"), work.resolve("elu-stream-standalone.jar"));
        // Deleted topics leave the disk a second after, not a minute: 1M records are gigabytes.
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0, Map.of("log.segment.delete.delay.ms", "1000"))) {
            broker.set(kafka);
            ThroughputRun run = new ThroughputRun(options, kafka, work, jar, children);
            run.printSetup();
            run.warmUp();
            List<RunResult> results = new ArrayList<>();
            for (String guarantee : options.guarantees()) {
                for (int round = 1; round <= options.rounds(); round++) {
                    for (String system : options.systemsToRun()) {
                        results.add(run.runOne(system, guarantee, round));
                        System.out.println();
                        System.out.print(ResultTable.format(results, options.notRunNotes()));
                        System.out.println();
                    }
                }
            }
            System.out.println("=== results (" + options.format().name() + ", numbers " + options.numbers().optionName()
                    + ", dimension " + options.dimension() + ", " + options.partitions() + " partitions) ===");
            System.out.print(ResultTable.format(results, options.notRunNotes()));
            ResultTable.ratioSummary(results).forEach(System.out::println);
        }
    }

    private void printSetup() {
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "throughput run: %,d records of dimension %d, format %s, numbers %s (%.0f bytes a"
                + " value), %s%n", options.records(), options.dimension(), options.format().name(),
                options.numbers().optionName(), inputs.meanPayloadBytes(), String.join(" and ", options.guarantees()));
        System.out.printf(Locale.ROOT, "  %d partitions per topic = job parallelism = baseline consumer/producer pairs"
                + " = Kafka Streams threads; system under test: its own JVM, -Xms512m -Xmx512m; %d round(s) of %s%n",
                options.partitions(), options.rounds(), String.join(", ", options.systemsToRun()));
        options.notRunNotes().forEach(n -> System.out.println("  " + n));
        System.out.println("  producer settings (the driver's producer, the job's sinks as --kafka.<key>, the baseline's"
                + " producers, the Kafka Streams app's as producer.<key>): " + String.join(" ", options.producerArguments()));
        System.out.printf(Locale.ROOT, "  checkpoint interval (job) = commit interval (baseline, Kafka Streams): %d ms;"
                + " exactly-once: transactions (Kafka Streams: exactly_once_v2), read_committed consumers,"
                + " transaction timeout %d ms%n", options.checkpointIntervalMs(), PerfOptions.TRANSACTION_TIMEOUT_MS);
        System.out.printf(Locale.ROOT, "  throughput: a backlog drain; one probe per partition and the %,d records are"
                + " written before the system starts (preload s, for information), the system reads from earliest;%n"
                + "    records/s = steady state over the output's broker append times (LogAppendTime), from their 5th"
                + " percentile to the last: (N - 1 - N/20) records / (t[N-1] - t[N/20]), at least 1 ms;%n"
                + "    steady s = that window scaled to all N records%n", options.records());
        System.out.printf(Locale.ROOT, "  latency phase: %d records/s for %d s; latency = output seen by the verifier"
                + " - send time in the input's %s header (exactly-once includes waiting for the commit)%n",
                options.latencyRate(), options.latencySeconds(), OutputVerifier.SENT_HEADER);
        System.out.printf(Locale.ROOT, "  machine: %d cores, %s %s; broker, driver's producer and verifier share this JVM;"
                + " work dir %s%n", cores, System.getProperty("java.vm.name"), System.getProperty("java.version"), work);
    }

    /**
     * Sends records to a scratch topic and reads them back, without a system under test: the first
     * measured run must not pay for this JVM's JIT and the broker's first segments alone.
     */
    private void warmUp() throws Exception {
        String topic = "perf0-warmup";
        long n = Math.min(options.records(), 200_000);
        kafka.createTopics(options.partitions(), topic);
        long t0 = System.nanoTime();
        try (OutputVerifier verifier = new OutputVerifier(kafka.bootstrapServers(), topic, options.partitions(), false, false, n,
                0, this::checkCopy, SAMPLE_EVERY);
                KafkaProducer<byte[], byte[]> producer = producer()) {
            verifier.awaitPositioned();
            AtomicReference<Exception> sendFailure = new AtomicReference<>();
            for (long i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(), key(i), inputs.payload(i)),
                        (metadata, e) -> {
                            if (e != null) {
                                sendFailure.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
            requireNoFailure(sendFailure);
            long t1 = verifier.awaitThroughputDone(Duration.ofMinutes(5), () -> true);
            System.out.printf(Locale.ROOT, "warm-up: %,d records to and from the broker alone in %.1f s (%.0f records/s)%n",
                    n, (t1 - t0) / 1e9, Rates.perSecond(n, t1 - t0));
        } finally {
            deleteTopics(topic);
        }
    }

    private RunResult runOne(String system, String guarantee, int round) throws Exception {
        boolean exactlyOnce = guarantee.equals(PerfOptions.EXACTLY_ONCE);
        String tag = "perf" + (++runNumber) + "-" + system + "-" + (exactlyOnce ? "eo" : "alo");
        String in = tag + "-in";
        String out = tag + "-out";
        String dlq = tag + "-dlq";
        kafka.createTopics(options.partitions(), in, dlq);
        createAppendTimeTopic(out);
        if (system.equals(RunResult.JOB_LIVE)) {
            kafka.createTopics(1, tag + "-control");
        }
        Path log = work.resolve(tag + ".log");
        Path gcLog = work.resolve(tag + "-gc.log");
        System.out.printf(Locale.ROOT, "--- %s, %s: topics %s -> %s, log %s%n", system, guarantee, in, out, log);
        long latencyRecords = (long) options.latencyRate() * options.latencySeconds();
        OutputVerifier.Check check = system.equals(RunResult.BASELINE) ? this::checkCopy : this::checkEluOutput;
        Process process = null;
        try (OutputVerifier verifier = new OutputVerifier(kafka.bootstrapServers(), out, options.partitions(),
                exactlyOnce, true, options.records(), latencyRecords, check, SAMPLE_EVERY);
                KafkaProducer<byte[], byte[]> producer = producer()) {
            verifier.awaitPositioned();
            AtomicReference<Exception> sendFailure = new AtomicReference<>();
            Callback onError = (metadata, e) -> {
                if (e != null) {
                    sendFailure.compareAndSet(null, e);
                }
            };
            // The backlog, written before the system starts: first one probe record per partition (ready
            // means records come through every partition; the job's ready line comes before its tasks have
            // their partitions), then the N throughput records, as fast as the producer can. How long that
            // takes is the preload time, for information only: the system drains the backlog at its own pace.
            long t0 = System.nanoTime();
            for (int p = 0; p < options.partitions(); p++) {
                producer.send(new ProducerRecord<>(in, p, System.currentTimeMillis(),
                        (OutputVerifier.PROBE_PREFIX + p).getBytes(UTF_8), inputs.payload(0)), onError);
            }
            producer.flush();
            long bytesIn = 0;
            long valueBytesIn = 0;
            for (long i = 0; i < options.records(); i++) {
                byte[] key = key(i);
                byte[] value = inputs.payload(i);
                bytesIn += key.length + value.length;
                valueBytesIn += value.length;
                producer.send(new ProducerRecord<>(in, null, System.currentTimeMillis(), key, value), onError);
            }
            producer.flush();
            long preloaded = System.nanoTime();
            requireNoFailure(sendFailure);
            System.out.printf(Locale.ROOT, "  preloaded %,d records in %.1f s; starting the %s%n", options.records(),
                    (preloaded - t0) / 1e9, system);

            long started = System.nanoTime();
            long startedMillis = System.currentTimeMillis();
            process = start(switch (system) {
                case RunResult.JOB -> jobCommand(tag, guarantee, in, out, dlq, gcLog);
                case RunResult.JOB_LIVE -> liveJobCommand(tag, guarantee, in, out, dlq, gcLog);
                case RunResult.STREAMS -> streamsCommand(tag, guarantee, in, out, dlq, gcLog);
                default -> baselineCommand(tag, guarantee, in, out, gcLog);
            }, log);
            Process running = process;
            awaitLog(log, switch (system) {
                case RunResult.JOB, RunResult.JOB_LIVE -> "Press Ctrl-C";
                case RunResult.STREAMS -> KafkaStreamsElu.READY;
                default -> BaselineCopy.READY;
            }, process);
            verifier.awaitProbes(options.partitions(), READY_TIMEOUT, running::isAlive);
            long ready = System.nanoTime();

            // Throughput: the backlog drained; the rate is the steady-state window of the append times.
            Duration timeout = Duration.ofSeconds(120 + options.records() / 2000);
            long done = verifier.awaitThroughputDone(timeout, running::isAlive);
            SteadyWindow steady = SteadyWindow.of(verifier.appendTimes());
            System.out.printf(Locale.ROOT, "  throughput phase: probes out %.1f s after the start, all output seen after"
                    + " %.1f s; steady state (append times 5%%..100%%): %,d records in %,d ms = %.0f records/s%s%n",
                    (ready - started) / 1e9, (done - started) / 1e9, steady.records(), steady.millis(),
                    steady.recordsPerSecond(), steady.millis() <= 1 ? " (window under 1 ms, counted as 1 ms)" : "");
            System.out.printf(Locale.ROOT, "  the window starts %.1f s after the system was started; GC is counted from there%n",
                    (steady.fromMillis() - startedMillis) / 1e3);

            // Latency: paced, each record carrying its send time in a header.
            long start = System.nanoTime();
            long periodNanos = 1_000_000_000L / options.latencyRate();
            for (long j = 0; j < latencyRecords; j++) {
                long due = start + j * periodNanos;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(Math.min(wait, 500_000));
                }
                long i = options.records() + j;
                long now = System.currentTimeMillis();
                producer.send(new ProducerRecord<>(in, null, now, key(i), inputs.payload(i),
                        List.of(new RecordHeader(OutputVerifier.SENT_HEADER, ByteBuffer.allocate(Long.BYTES).putLong(now).array()))),
                        onError);
            }
            producer.flush();
            requireNoFailure(sendFailure);
            long[] latencies = verifier.awaitLatencyDone(Duration.ofSeconds(120), running::isAlive);
            if (verifier.firstFailure() != null) {
                throw new IllegalStateException(system + " " + guarantee + ": wrong output, " + verifier.firstFailure());
            }
            long deadLetters = endOffsets(dlq);
            if (deadLetters > 0) {
                throw new IllegalStateException(system + " " + guarantee + ": " + deadLetters + " dead letters in " + dlq);
            }
            if (exactlyOnce && verifier.duplicates() > 0) {
                throw new IllegalStateException(system + " exactly-once: " + verifier.duplicates() + " duplicates in the output");
            }
            System.out.printf(Locale.ROOT, "  output complete: %,d distinct records, %d duplicates, %d values checked"
                    + " against the expected ones; values %.1f bytes in, %.1f out a record%n",
                    options.records() + latencyRecords, verifier.duplicates(), verifier.checked(),
                    (double) valueBytesIn / options.records(), (double) verifier.valueBytesOut() / options.records());
            // GC during start-up is not what the run measures: pauses from the steady-state window's start on
            // (its append time as the system JVM's uptime, measured from just before the JVM was started).
            GcSummary gc = GcSummary.parse(Files.readAllLines(gcLog, UTF_8), (steady.fromMillis() - startedMillis) / 1e3);
            return new RunResult(system, guarantee, round, options.records(), steady.nanosForAll(), preloaded - t0,
                    bytesIn, verifier.bytesOut(), valueBytesIn, verifier.valueBytesOut(), LatencySummary.of(latencies), gc,
                    verifier.duplicates());
        } catch (RuntimeException | InterruptedException | IOException e) {
            System.err.println("--- log of " + system + " " + guarantee + " (last 60 lines):");
            System.err.println(tail(log, 60));
            throw e;
        } finally {
            if (process != null) {
                stop(process);
                children.remove(process);
            }
            deleteTopics(in, out, dlq);
        }
    }

    /**
     * The output topic, with the broker's append time as every record's timestamp: set when the
     * system's producer writes a batch (for transactional writes too, before the commit).
     */
    private void createAppendTimeTopic(String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, options.partitions(), (short) 1)
                    .configs(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"))))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    private List<String> jobCommand(String tag, String guarantee, String in, String out, String dlq, Path gcLog)
            throws IOException {
        List<String> cmd = new ArrayList<>(jvm(gcLog));
        cmd.addAll(List.of("-jar", jar.toString(), "local", "--bootstrap-servers", kafka.bootstrapServers(),
                "--web-port", Integer.toString(freePort()), "--input-topic", in, "--output-topic", out,
                "--dead-letter-topic", dlq, "--group-id", tag, "--transactional-id-prefix", tag,
                "--delivery-guarantee", guarantee, "--starting-offsets", "earliest",
                "--parallelism", Integer.toString(options.partitions()),
                "--checkpoint-interval", options.checkpointIntervalMs() + "ms",
                "--transaction-timeout", PerfOptions.TRANSACTION_TIMEOUT_MS + "ms"));
        cmd.addAll(options.format().jobArguments());
        cmd.addAll(options.producerArguments());
        return cmd;
    }

    /** The job with a control topic of its own: what live parameters cost when none arrive. */
    private List<String> liveJobCommand(String tag, String guarantee, String in, String out, String dlq, Path gcLog)
            throws IOException {
        List<String> cmd = jobCommand(tag, guarantee, in, out, dlq, gcLog);
        cmd.addAll(List.of("--control-topic", tag + "-control"));
        return cmd;
    }

    private List<String> baselineCommand(String tag, String guarantee, String in, String out, Path gcLog) {
        List<String> cmd = new ArrayList<>(jvm(gcLog));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BaselineCopy.class.getName(),
                "--bootstrap-servers", kafka.bootstrapServers(), "--input-topic", in, "--output-topic", out,
                "--partitions", Integer.toString(options.partitions()),
                "--pairs", Integer.toString(options.partitions()), "--delivery-guarantee", guarantee,
                "--commit-interval-ms", Long.toString(options.checkpointIntervalMs()), "--group-id", tag,
                "--transactional-id-prefix", tag,
                "--transaction-timeout-ms", Long.toString(PerfOptions.TRANSACTION_TIMEOUT_MS)));
        cmd.addAll(options.producerArguments());
        return cmd;
    }

    /**
     * The Kafka Streams app, started as the baseline is: this JVM's class path, a fresh application.id
     * (the run's tag: its own consumer group and transactional ids) and state directory.
     */
    private List<String> streamsCommand(String tag, String guarantee, String in, String out, String dlq, Path gcLog) {
        List<String> cmd = new ArrayList<>(jvm(gcLog));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KafkaStreamsElu.class.getName(),
                "--bootstrap-servers", kafka.bootstrapServers(), "--input-topic", in, "--output-topic", out,
                "--dead-letter-topic", dlq, "--application-id", tag, "--state-dir", work.resolve(tag + "-state").toString(),
                "--threads", Integer.toString(options.partitions()), "--delivery-guarantee", guarantee,
                "--commit-interval-ms", Long.toString(options.checkpointIntervalMs()),
                "--transaction-timeout-ms", Long.toString(PerfOptions.TRANSACTION_TIMEOUT_MS),
                "--alpha", Double.toString(ALPHA)));
        cmd.addAll(options.producerArguments());
        return cmd;
    }

    /**
     * The system's JVM: 512 MB heap, GC log, the vector kernel's module (as README's commands pass it),
     * and the words of the environment variable PERF_JVM_OPTS (e.g. a flight recording).
     */
    private static List<String> jvm(Path gcLog) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xms512m", "-Xmx512m", "-Xlog:gc:file=" + gcLog + ":uptime", "--add-modules", "jdk.incubator.vector"));
        String extra = System.getenv("PERF_JVM_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        return cmd;
    }

    private Process start(List<String> cmd, Path log) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        children.add(p);
        return p;
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.putAll(options.producerSettings());
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The job and the Kafka Streams app must have written f and f' of the input vector. */
    private String checkEluOutput(long key, byte[] value) {
        return eluMismatch(inputs.vector(key), options.format().decodeOutput(value), Elu.withAlpha(ALPHA));
    }

    /**
     * Why the decoded output is not ELU's values and derivatives of {@code x}, each within 2 ulp of
     * the driver's own computation, or null when it is.
     */
    static String eluMismatch(double[] x, PayloadFormat.Decoded d, Elu elu) {
        if (d.values().length != x.length || d.derivatives().length != x.length) {
            return "expected " + x.length + " values and derivatives, got " + d.values().length + " and "
                    + d.derivatives().length;
        }
        for (int i = 0; i < x.length; i++) {
            if (!Ulps.within2Ulp(d.values()[i], elu.value(x[i])) || !Ulps.within2Ulp(d.derivatives()[i], elu.derivative(x[i]))) {
                return String.format(Locale.ROOT, "element %d: x=%s gave f=%s f'=%s, expected f=%s f'=%s", i, x[i],
                        d.values()[i], d.derivatives()[i], elu.value(x[i]), elu.derivative(x[i]));
            }
        }
        return null;
    }

    /** The baseline must have copied the value byte for byte. */
    private String checkCopy(long key, byte[] value) {
        return Arrays.equals(value, inputs.payload(key)) ? null : "the copy differs from the input value";
    }

    private static byte[] key(long i) {
        return Long.toString(i).getBytes(UTF_8);
    }

    private static void requireNoFailure(AtomicReference<Exception> failure) {
        if (failure.get() != null) {
            throw new IllegalStateException("the driver's producer could not send: " + failure.get(), failure.get());
        }
    }

    private long endOffsets(String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < options.partitions(); p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(i -> i.offset()).sum();
        }
    }

    private void deleteTopics(String... topics) {
        try (Admin admin = kafka.admin()) {
            admin.deleteTopics(List.of(topics)).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("could not delete topics " + List.of(topics) + ": " + e);
        }
    }

    private static void awaitLog(Path log, String text, Process p) throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!Files.exists(log) || !Files.readString(log, UTF_8).contains(text)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the system under test did not print '" + text + "' within "
                        + READY_TIMEOUT.toSeconds() + " s" + (p.isAlive() ? "" : " (it exited with " + p.exitValue() + ")"));
            }
            Thread.sleep(200);
        }
    }

    private static void stop(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
