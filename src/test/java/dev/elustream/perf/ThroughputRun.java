package dev.elustream.perf;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.math.Elu;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The end-to-end throughput run (src/test/perf/throughput.sh): for each delivery guarantee, first the
 * baseline ({@link BaselineCopy}) then the job (the standalone jar's {@code local --bootstrap-servers}),
 * each in its own JVM with a 512 MB heap and a GC log, against a broker in this JVM, on fresh topics.
 * For each: N records produced as fast as the producer can (throughput = N / time from the first
 * send until the last output is visible), then a paced latency phase; the output is checked
 * complete, without duplicates, and a sample of values is compared with the expected ones.
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
        this.inputs = new InputSet(options.format(), options.dimension(), DISTINCT_VECTORS, 1);
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
                    for (String system : List.of(RunResult.BASELINE, RunResult.JOB)) {
                        results.add(run.runOne(system, guarantee, round));
                        System.out.println();
                        System.out.print(ResultTable.format(results));
                        System.out.println();
                    }
                }
            }
            System.out.println("=== results (" + options.format().name() + ", dimension " + options.dimension() + ", "
                    + options.partitions() + " partitions) ===");
            System.out.print(ResultTable.format(results));
            ResultTable.ratioSummary(results).forEach(System.out::println);
        }
    }

    private void printSetup() {
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "throughput run: %,d records of dimension %d, format %s (%.0f bytes a value), %s%n",
                options.records(), options.dimension(), options.format().name(), inputs.meanPayloadBytes(),
                String.join(" and ", options.guarantees()));
        System.out.printf(Locale.ROOT, "  %d partitions per topic = job parallelism = baseline consumer/producer pairs;"
                + " system under test: its own JVM, -Xms512m -Xmx512m; %d round(s) of baseline then job%n",
                options.partitions(), options.rounds());
        System.out.println("  producer settings (load generator, the job's sinks as --kafka.<key>, the baseline's producers): "
                + String.join(" ", options.producerArguments()));
        System.out.printf(Locale.ROOT, "  checkpoint interval (job) = commit interval (baseline): %d ms;"
                + " exactly-once: transactions, read_committed consumers, transaction timeout %d ms%n",
                options.checkpointIntervalMs(), PerfOptions.TRANSACTION_TIMEOUT_MS);
        System.out.printf(Locale.ROOT, "  latency phase: %d records/s for %d s; latency = output seen by the verifier"
                + " - input record timestamp (exactly-once includes waiting for the commit)%n",
                options.latencyRate(), options.latencySeconds());
        System.out.printf(Locale.ROOT, "  machine: %d cores, %s %s; broker, load generator and verifier share this JVM;"
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
        try (OutputVerifier verifier = new OutputVerifier(kafka.bootstrapServers(), topic, options.partitions(), false, n,
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
        kafka.createTopics(options.partitions(), in, out, dlq);
        Path log = work.resolve(tag + ".log");
        Path gcLog = work.resolve(tag + "-gc.log");
        System.out.printf(Locale.ROOT, "--- %s, %s: topics %s -> %s, log %s%n", system, guarantee, in, out, log);
        Process process = system.equals(RunResult.JOB)
                ? start(jobCommand(tag, guarantee, in, out, dlq, gcLog), log)
                : start(baselineCommand(tag, guarantee, in, out, gcLog), log);
        try {
            awaitLog(log, system.equals(RunResult.JOB) ? "Press Ctrl-C" : BaselineCopy.READY, process);
            long latencyRecords = (long) options.latencyRate() * options.latencySeconds();
            OutputVerifier.Check check = system.equals(RunResult.JOB) ? this::checkJobOutput : this::checkCopy;
            try (OutputVerifier verifier = new OutputVerifier(kafka.bootstrapServers(), out, options.partitions(),
                    exactlyOnce, options.records(), latencyRecords, check, SAMPLE_EVERY);
                    KafkaProducer<byte[], byte[]> producer = producer()) {
                verifier.awaitPositioned();
                AtomicReference<Exception> sendFailure = new AtomicReference<>();
                Callback onError = (metadata, e) -> {
                    if (e != null) {
                        sendFailure.compareAndSet(null, e);
                    }
                };
                // Ready means records come through every partition (the job's ready line comes before its
                // tasks have their partitions): one probe record each, not measured.
                for (int p = 0; p < options.partitions(); p++) {
                    producer.send(new ProducerRecord<>(in, p, System.currentTimeMillis(),
                            (OutputVerifier.PROBE_PREFIX + p).getBytes(UTF_8), inputs.payload(0)), onError);
                }
                producer.flush();
                requireNoFailure(sendFailure);
                verifier.awaitProbes(options.partitions(), READY_TIMEOUT, process::isAlive);
                // GC during start-up is not what the run measures.
                int gcLinesAtReady = Files.exists(gcLog) ? Files.readAllLines(gcLog, UTF_8).size() : 0;

                // Throughput: as fast as the producer can.
                long bytesIn = 0;
                long t0 = System.nanoTime();
                for (long i = 0; i < options.records(); i++) {
                    byte[] key = key(i);
                    byte[] value = inputs.payload(i);
                    bytesIn += key.length + value.length;
                    producer.send(new ProducerRecord<>(in, null, System.currentTimeMillis(), key, value), onError);
                }
                producer.flush();
                long produced = System.nanoTime();
                requireNoFailure(sendFailure);
                Duration timeout = Duration.ofSeconds(120 + options.records() / 2000);
                long t1 = verifier.awaitThroughputDone(timeout, process::isAlive);
                System.out.printf(Locale.ROOT, "  throughput phase: produced in %.1f s, output complete after %.1f s%n",
                        (produced - t0) / 1e9, (t1 - t0) / 1e9);

                // Latency: paced.
                long start = System.nanoTime();
                long periodNanos = 1_000_000_000L / options.latencyRate();
                for (long j = 0; j < latencyRecords; j++) {
                    long due = start + j * periodNanos;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(Math.min(wait, 500_000));
                    }
                    long i = options.records() + j;
                    producer.send(new ProducerRecord<>(in, null, System.currentTimeMillis(), key(i), inputs.payload(i)), onError);
                }
                producer.flush();
                requireNoFailure(sendFailure);
                long[] latencies = verifier.awaitLatencyDone(Duration.ofSeconds(120), process::isAlive);
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
                        + " against the expected ones%n", options.records() + latencyRecords, verifier.duplicates(),
                        verifier.checked());
                List<String> gcLines = Files.readAllLines(gcLog, UTF_8);
                GcSummary gc = GcSummary.parse(gcLines.subList(Math.min(gcLinesAtReady, gcLines.size()), gcLines.size()));
                return new RunResult(system, guarantee, round, options.records(), t1 - t0, produced - t0, bytesIn, verifier.bytesOut(),
                        LatencySummary.of(latencies), gc, verifier.duplicates());
            }
        } catch (RuntimeException | InterruptedException | IOException e) {
            System.err.println("--- log of " + system + " " + guarantee + " (last 60 lines):");
            System.err.println(tail(log, 60));
            throw e;
        } finally {
            stop(process);
            children.remove(process);
            deleteTopics(in, out, dlq);
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

    private static List<String> jvm(Path gcLog) {
        return List.of(ProcessHandle.current().info().command().orElse("java"), "-Xms512m", "-Xmx512m",
                "-Xlog:gc:file=" + gcLog + ":uptime");
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

    /** The job must have written f and f' of the input vector. */
    private String checkJobOutput(long key, byte[] value) {
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
            if (!within2Ulp(d.values()[i], elu.value(x[i])) || !within2Ulp(d.derivatives()[i], elu.derivative(x[i]))) {
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

    static boolean within2Ulp(double actual, double expected) {
        return actual == expected || Math.abs(actual - expected) <= 2 * Math.ulp(expected);
    }

    private static byte[] key(long i) {
        return Long.toString(i).getBytes(UTF_8);
    }

    private static void requireNoFailure(AtomicReference<Exception> failure) {
        if (failure.get() != null) {
            throw new IllegalStateException("the load generator could not send: " + failure.get(), failure.get());
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
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
