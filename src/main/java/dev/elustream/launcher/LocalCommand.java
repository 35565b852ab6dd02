package dev.elustream.launcher;

import dev.elustream.codec.Endianness;
import dev.elustream.codec.OutputMode;
import dev.elustream.codec.JsonPointer;
import dev.elustream.codec.VectorFormat;
import dev.elustream.flink.EluSettings;
import dev.elustream.job.ConfigException;
import dev.elustream.job.EluJob;
import dev.elustream.job.JobConfig;
import dev.elustream.math.Kernel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * {@code local}: the job on a local Flink (with its web UI), against an embedded Kafka broker or
 * the one given, until Ctrl-C.
 */
final class LocalCommand {

    static final String DEFAULT_JOB_FILE = "jobs/features-elu.properties";
    static final int DEFAULT_KAFKA_PORT = 9092;
    static final int DEFAULT_WEB_PORT = 8081;
    static final int PARTITIONS = 3;

    /** {@code local --help}; also part of {@link Main#USAGE}. */
    static final String USAGE = String.join("\n",
            "  local [--job FILE] [--kafka-port N] [--bootstrap-servers HOST:PORT] [--web-port N] [--metrics-port N]",
            "        [--KEY VALUE ...]",
            "      Runs the job on a local Flink (web UI on localhost:8081) until Ctrl-C. Without",
            "      --bootstrap-servers it starts a single-node Kafka broker on 127.0.0.1:9092 (or --kafka-port)",
            "      and creates the job's topics. --job defaults to " + DEFAULT_JOB_FILE + ";",
            "      any job key can be overridden, e.g. --alpha 0.5, or --control-topic features-control to take",
            "      new parameters while the job runs. --metrics-port serves Flink's metrics for Prometheus on",
            "      http://localhost:N/metrics (src/main/monitoring/ has a dashboard and alerts).",
            "");

    private static final String WEB_PORT_HINT = "pass --web-port N for Flink's web UI";
    private static final String METRICS_PORT_HINT = "pass another --metrics-port N";

    private LocalCommand() {}

    /**
     * What ELU's array methods run on in this JVM, e.g. {@code vector (DoubleVector, 8 lanes)}: a
     * manifest cannot add the module, so a user of {@code java -jar} learns here whether the flag
     * {@code --add-modules jdk.incubator.vector} is missing.
     */
    static String eluKernel() {
        try {
            return Kernel.describeActive();
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> opts = JobConfig.parseOverrides(args);
        String jobFile = opts.getOrDefault("job", DEFAULT_JOB_FILE);
        opts.remove("job");
        String kafkaPort = opts.remove("kafka-port");
        String external = opts.remove("bootstrap-servers");
        int webPort = port("web-port", opts.getOrDefault("web-port", Integer.toString(DEFAULT_WEB_PORT)));
        opts.remove("web-port");
        String metricsOpt = opts.remove("metrics-port");
        Integer metricsPort = metricsOpt == null ? null : port("metrics-port", metricsOpt);
        if (metricsPort != null && metricsPort == webPort) {
            throw new Main.UsageException("local: --metrics-port and --web-port are both " + webPort + ": give two ports");
        }
        if (kafkaPort != null && external != null) {
            throw new Main.UsageException("local: --kafka-port starts a broker, --bootstrap-servers uses another: give one");
        }
        if (!Files.isRegularFile(Path.of(jobFile))) {
            throw new Main.UsageException("local: job file " + Path.of(jobFile).toAbsolutePath()
                    + " does not exist (run from the project directory, or pass --job FILE)");
        }
        Map<String, String> values = JobConfig.readJobFile(Path.of(jobFile));
        values.putAll(opts);
        out.println("ELU kernel: " + eluKernel());
        EmbeddedKafka kafka = null;
        // Counted down once everything is stopped: the shutdown hook (Ctrl-C) waits for it, or the
        // JVM would halt before the broker has shut down and its data directory is gone.
        CountDownLatch done = new CountDownLatch(1);
        if (external != null) {
            values.put(JobConfig.BOOTSTRAP_SERVERS, external);
        } else {
            // Validate before starting anything.
            values.put(JobConfig.BOOTSTRAP_SERVERS, "127.0.0.1:0");
            JobConfig.fromMap(values);
            requireFree(webPort, metricsPort);
            int p = kafkaPort == null ? DEFAULT_KAFKA_PORT : port("kafka-port", kafkaPort);
            EmbeddedKafka.requireFree(p, "pass --kafka-port N (or --bootstrap-servers HOST:PORT to use a running Kafka)");
            out.println("Starting a Kafka broker on 127.0.0.1:" + p + " ...");
            kafka = EmbeddedKafka.start(p);
            values.put(JobConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        }
        try {
            JobConfig config = JobConfig.fromMap(values);
            if (kafka != null) {
                kafka.createTopics(PARTITIONS, config.inputTopic(), config.outputTopic(), config.deadLetterTopic());
                // One partition: the updates keep the order they were written in.
                if (config.controlTopic().isPresent()) {
                    kafka.createTopics(1, config.controlTopic().get());
                }
            }
            requireFree(webPort, metricsPort);
            return runJob(config, webPort, metricsPort, kafka != null, done, out, err);
        } finally {
            if (kafka != null) {
                kafka.close();
            }
            done.countDown();
        }
    }

    /** The web UI's and (if any) the metrics' port still free: checked before the broker starts, and again after. */
    private static void requireFree(int webPort, Integer metricsPort) {
        EmbeddedKafka.requireFree(webPort, WEB_PORT_HINT);
        if (metricsPort != null) {
            EmbeddedKafka.requireFree(metricsPort, METRICS_PORT_HINT);
        }
    }

    private static int runJob(
            JobConfig config, int webPort, Integer metricsPort, boolean embedded, CountDownLatch done, PrintStream out,
            PrintStream err) {
        Configuration conf = new Configuration();
        conf.set(RestOptions.PORT, webPort);
        conf.set(RestOptions.BIND_PORT, Integer.toString(webPort));
        conf.set(RestOptions.ADDRESS, "localhost");
        conf.set(RestOptions.BIND_ADDRESS, "localhost");
        // The REST API refreshes its metrics at most this often, when asked: the progress line asks
        // every few seconds and wants them fresh (the default is 10 s).
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        if (metricsPort != null) {
            prometheusReporter(conf, metricsPort);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        EluJob.prepare(env, config);
        JobClient client;
        try {
            client = env.executeAsync(config.jobName());
        } catch (Exception e) {
            err.println("elu-stream: the job did not start: " + e);
            return 1;
        }
        printWelcome(config, webPort, embedded, out);
        if (metricsPort != null) {
            out.println("Prometheus metrics: http://localhost:" + metricsPort + "/metrics (dashboard and alerts: src/main/monitoring/, README \"Monitoring\")");
        }
        ProgressReporter progress = ProgressReporter.start(webPort, client.getJobID().toHexString(), config, out);
        Thread hook = new Thread(() -> {
            progress.close();
            out.println("\nStopping the job ...");
            try {
                client.cancel().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // already finished or failed: nothing to cancel
            }
            try {
                done.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "elu-stream-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            client.getJobExecutionResult().get();
            out.println("The job finished.");
            return 0;
        } catch (ExecutionException e) {
            if (isCancellation(e)) {
                out.println("Job cancelled.");
                return 0;
            }
            err.println("elu-stream: the job failed: " + rootMessage(e));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            progress.close();
        }
    }

    /**
     * Flink's Prometheus reporter on the given port, as the compose setup and the Kubernetes
     * manifest configure it on a cluster: the local cluster's JobManager and TaskManager share one
     * metric registry, so one endpoint serves both, with the same names and labels.
     */
    static void prometheusReporter(Configuration conf, int port) {
        conf.setString("metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        conf.setString("metrics.reporter.prom.port", Integer.toString(port));
    }

    static void printWelcome(JobConfig config, int webPort, boolean embedded, PrintStream out) {
        String b = config.bootstrapServers();
        out.println();
        out.println("elu-stream is running: " + config.jobName());
        out.println("  Kafka:        " + b + (embedded ? " (embedded broker, data deleted on exit)" : ""));
        out.println("  Flink web UI: http://localhost:" + webPort);
        out.println("  topics:       in " + config.inputTopic() + ", out " + config.outputTopic() + ", dead letters "
                + config.deadLetterTopic());
        out.println();
        boolean binary = config.eluSettings().format() == VectorFormat.BINARY;
        boolean raw = config.eluSettings().format().isRaw();
        if (config.eluSettings().schema() != null) {
            printSchemaFormat(config, out);
            return;
        }
        out.println("Produce a vector (key 'sensor-1'):");
        if (raw) {
            printRawProducer(config, out);
        } else if (binary) {
            // README "Wire format": the EV header, then little-endian float64 values
            out.println("  python3 -c \"import struct,sys; xs=[1.5,-2.0,0.0]; sys.stdout.buffer.write(struct.pack("
                    + "'<2sBBB3xI',b'EV',1,1,1,len(xs))+struct.pack('<%dd'%len(xs),*xs))\" | kcat -P -b " + b + " -t "
                    + config.inputTopic() + " -k sensor-1");
        } else {
            out.println("  echo 'sensor-1|" + exampleRecord(config.eluSettings()).replace("'", "'\\''") + "' | kcat -P -b "
                    + b + " -t " + config.inputTopic() + " -K '|'");
        }
        out.println("Read the results (" + (config.deliveryGuarantee().name().equals("EXACTLY_ONCE")
                ? "committed on each checkpoint, every " + config.checkpointInterval().toSeconds() + " s"
                : "at-least-once") + "):");
        if (raw) {
            printRawConsumer(config, out);
        } else {
            out.println("  kcat -C -b " + b + " -t " + config.outputTopic() + " -o beginning -f "
                    + (binary ? "'key=%k %S bytes\\n' (decode with dev.elustream.codec.BinaryVectors.decode)"
                            : config.controlTopic().isPresent() ? "'key=%k value=%s headers=%h\\n'" : "'key=%k value=%s\\n'"));
        }
        out.println("Read the dead letters and their reasons:");
        out.println("  kcat -C -b " + b + " -t " + config.deadLetterTopic() + " -o beginning -f 'key=%k value=%s headers=%h\\n'");
        printControl(config, out);
        out.println("While records flow, a line every " + ProgressReporter.INTERVAL.toSeconds()
                + " s: records/s in and out, dead letters, consumer lag (end offsets - committed offsets).");
        out.println("(kcat: apt-get install kcat.) Press Ctrl-C to stop.");
        out.println();
    }

    /**
     * A JSON record of the job's shape: {@code "id":"a"} and, at every pointer of vector-fields, the
     * vector 1.5, -2.0, 0.0 (repeated to the dimension, when one is set), e.g.
     * {@code {"id":"a","user":{"embedding":[1.5,-2.0,0.0]}}}.
     */
    static String exampleRecord(EluSettings settings) {
        int n = settings.dimension() == 0 ? 3 : settings.dimension();
        List<Object> vector = new ArrayList<>();
        double[] cycle = {1.5, -2.0, 0.0};
        for (int i = 0; i < n; i++) {
            vector.add(cycle[i % 3]);
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("id", "a");
        for (JsonPointer pointer : settings.jsonFields().pointers()) {
            Object node = record;
            List<String> tokens = pointer.tokens();
            for (int i = 0; i < tokens.size(); i++) {
                boolean last = i == tokens.size() - 1;
                String next = last ? null : tokens.get(i + 1);
                Object child = last ? vector : isIndex(next) ? new ArrayList<>() : new LinkedHashMap<String, Object>();
                node = put(node, tokens.get(i), child);
            }
        }
        StringBuilder json = new StringBuilder();
        writeJson(record, json);
        return json.toString();
    }

    @SuppressWarnings("unchecked")
    private static Object put(Object node, String token, Object child) {
        if (node instanceof Map) {
            return ((Map<String, Object>) node).computeIfAbsent(token, t -> child);
        }
        List<Object> list = (List<Object>) node;
        int index = Integer.parseInt(token);
        while (list.size() < index) {
            list.add(child instanceof List<?> l && !l.isEmpty() ? child : 0);
        }
        if (list.size() == index) {
            list.add(child);
        }
        return list.get(index);
    }

    private static boolean isIndex(String token) {
        return token.matches("0|[1-9][0-9]{0,8}");
    }

    private static void writeJson(Object value, StringBuilder out) {
        if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : ",");
                first = false;
                writeJson(e.getKey(), out);
                out.append(':');
                writeJson(e.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                out.append(i > 0 ? "," : "");
                writeJson(list.get(i), out);
            }
            out.append(']');
        } else if (value instanceof String text) {
            out.append('"');
            for (char c : text.toCharArray()) {
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if (c < 0x20) {
                    out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
            out.append('"');
        } else {
            out.append(value);
        }
    }

    /** With a control topic: how to change the parameters, and where the output says which were used. */
    static void printControl(JobConfig config, PrintStream out) {
        if (config.controlTopic().isEmpty()) {
            return;
        }
        out.println("Change alpha while the job runs (the version must increase; the header elu.params.version of each"
                + " output record says which parameters made it):");
        out.println("  echo '{\"version\": 1, \"alpha\": 0.5}' | kcat -P -b " + config.bootstrapServers() + " -t "
                + config.controlTopic().get());
    }

    /** Avro (or Protobuf): no shell one-liner writes its records, so the welcome says what does. */
    private static void printSchemaFormat(JobConfig config, PrintStream out) {
        String b = config.bootstrapServers();
        out.println("Produce records of " + config.eluSettings().schema().describe() + " with the format's own library"
                + " (README.md, \"" + (config.eluSettings().format() == VectorFormat.AVRO ? "Avro" : "Protobuf")
                + "\"), to " + config.inputTopic() + " on " + b + ".");
        out.println("The output records' schema: java -jar target/elu-stream-standalone.jar schema --job JOB_FILE");
        out.println("Read the results (" + (config.deliveryGuarantee().name().equals("EXACTLY_ONCE")
                ? "committed on each checkpoint, every " + config.checkpointInterval().toSeconds() + " s"
                : "at-least-once") + "):");
        out.println("  kcat -C -b " + b + " -t " + config.outputTopic() + " -o beginning -f 'key=%k %S bytes\\n'");
        out.println("Read the dead letters and their reasons:");
        out.println("  kcat -C -b " + b + " -t " + config.deadLetterTopic() + " -o beginning -f 'key=%k headers=%h\\n'");
        printControl(config, out);
        out.println("While records flow, a line every " + ProgressReporter.INTERVAL.toSeconds()
                + " s: records/s in and out, dead letters, consumer lag (end offsets - committed offsets).");
        out.println("(kcat: apt-get install kcat.) Press Ctrl-C to stop.");
        out.println();
    }

    /** The numpy dtype of the job's raw elements, e.g. {@code '<f4'}. */
    private static String numpyDtype(JobConfig config) {
        return (config.eluSettings().byteOrder() == Endianness.BIG_ENDIAN ? ">" : "<")
                + (config.eluSettings().format() == VectorFormat.RAW_FLOAT64 ? "f8" : "f4");
    }

    private static void printRawProducer(JobConfig config, PrintStream out) {
        String b = config.bootstrapServers();
        String dtype = numpyDtype(config);
        // README "Raw tensors": the value is the elements alone, in the job's type and byte order
        out.println("  python3 -c \"import numpy as np,sys; sys.stdout.buffer.write(np.array([1.5,-2.0,0.0],'" + dtype
                + "').tobytes())\" | kcat -P -b " + b + " -t " + config.inputTopic() + " -k sensor-1");
        // kcat -P cuts stdin at every newline byte, and float bits hold 0x0a often; a file is one record.
        out.println("  (" + config.eluSettings().format().id() + ", " + config.eluSettings().byteOrder().id()
                + ": numpy '" + dtype + "'. kcat splits stdin at newline bytes: for values that may contain 0x0a,"
                + " write a file with numpy's .tofile('v.bin') and give it to kcat, one file per record: kcat -P -b "
                + b + " -t " + config.inputTopic() + " -k sensor-1 v.bin)");
    }

    private static void printRawConsumer(JobConfig config, PrintStream out) {
        String b = config.bootstrapServers();
        List<String> rows = new ArrayList<>(List.of("f(x)"));
        if (config.eluSettings().mode() == OutputMode.BOTH) {
            rows.add("f'(x)");
        }
        if (config.eluSettings().alphaGradient()) {
            rows.add("df/dalpha");
        }
        out.println("  kcat -C -b " + b + " -t " + config.outputTopic() + " -o beginning -f 'key=%k %S bytes\\n'"
                + " (" + rows.size() + " x n elements: " + String.join(", ", rows) + ")");
        out.println("  kcat -C -b " + b + " -t " + config.outputTopic() + " -o beginning -c 1 -f '%s' | python3 -c"
                + " \"import numpy as np,sys; print(np.frombuffer(sys.stdin.buffer.read(),'" + numpyDtype(config)
                + "').reshape(-1, 3))\"   (one row per block, 3 elements in the vector above)");
    }

    private static boolean isCancellation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String name = t.getClass().getSimpleName();
            if (name.equals("JobCancellationException") || (t.getMessage() != null && t.getMessage().contains("CANCELED"))) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }

    private static int port(String name, String text) {
        try {
            int p = Integer.parseInt(text.trim());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(name + " must be a port number between 1 and 65535, got '" + text + "'");
    }
}
