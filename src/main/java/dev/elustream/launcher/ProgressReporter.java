package dev.elustream.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elustream.flink.EluFunction;
import dev.elustream.job.JobConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.annotation.Nullable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prints one progress line every {@link #INTERVAL} while the local job moves records (none when
 * nothing moved): records/s in and out, dead letters, consumer lag. Rates and counts are the ELU
 * operator's metrics summed over its subtasks, read from the local web UI's REST API; the lag is
 * the input topic's end offsets minus the consumer group's committed offsets (committed on
 * checkpoints), read with a Kafka admin client. Runs on a daemon thread and never fails the run: the
 * first error is logged as a warning, later ones at debug level.
 */
final class ProgressReporter implements AutoCloseable {

    static final Duration INTERVAL = Duration.ofSeconds(5);
    /**
     * The REST API answers from a metric store that it refreshes in the background when asked and its
     * last refresh is older than metrics.fetcher.update-interval (set below that): each tick asks
     * once, and reads this much later, so that the figures are fresh rather than one tick old.
     */
    static final Duration REFRESH_DELAY = Duration.ofMillis(700);
    static final Duration TIMEOUT = Duration.ofSeconds(3);

    private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final String TRANSFORMED = EluFunction.METRIC_GROUP + "." + EluFunction.METRIC_RECORDS_TRANSFORMED;

    private final String jobUri;
    private final JobConfig config;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "elu-stream-progress");
        t.setDaemon(true);
        return t;
    });

    @Nullable
    private Admin admin;
    /** The ELU operator's vertex, and the prefix of its metrics there, once found. */
    @Nullable
    private String vertexId;
    @Nullable
    private String operatorPrefix;
    /** The counts at the last tick; at first, at the job's start (its counters start at 0). */
    private Sample last = new Sample(System.nanoTime(), 0, 0, 0, -1, -1, -1);
    private boolean warned;

    /**
     * Counts at one moment; lag -1 when unknown; the lowest and highest parameter version in force on
     * the operator's subtasks, -1 without a control topic (or while unknown).
     */
    record Sample(long nanos, long in, long out, long deadLetters, long lag, long versionMin, long versionMax) {

        Sample(long nanos, long in, long out, long deadLetters, long lag) {
            this(nanos, in, out, deadLetters, lag, -1, -1);
        }
    }

    private ProgressReporter(int webPort, String jobId, JobConfig config, PrintStream out) {
        this.jobUri = "http://localhost:" + webPort + "/jobs/" + jobId;
        this.config = config;
        this.out = out;
    }

    /** Starts reporting on a daemon thread; {@link #close()} stops it. */
    static ProgressReporter start(int webPort, String jobId, JobConfig config, PrintStream out) {
        ProgressReporter reporter = new ProgressReporter(webPort, jobId, config, out);
        reporter.executor.scheduleAtFixedRate(reporter::refresh, INTERVAL.toMillis(), INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        return reporter;
    }

    /** Asks the REST API to refresh its metrics, then reads them a little later. */
    private void refresh() {
        try {
            // Any metrics request does; this one is small.
            get(jobUri + "/vertices/" + (vertexId != null ? vertexId : firstVertex()) + "/subtasks/metrics");
            executor.schedule(this::tick, REFRESH_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            failed(e);
        }
    }

    private void tick() {
        try {
            Optional<Sample> sample = sample();
            if (sample.isEmpty()) {
                return;
            }
            Sample now = sample.get();
            // Counts going down: the job restarted its tasks, and their counters with them; count from here.
            boolean restarted = now.in() < last.in() || now.out() < last.out() || now.deadLetters() < last.deadLetters();
            if (!restarted && moved(last, now)) {
                out.println(line(LocalTime.now(), last, now));
            }
            last = now;
        } catch (Exception e) {
            failed(e);
        }
    }

    private void failed(Exception e) {
        if (Thread.currentThread().isInterrupted() || executor.isShutdown()) {
            return;
        }
        if (!warned) {
            warned = true;
            LOG.warn("No progress line this time (the job runs on): {}", e.toString());
        } else {
            LOG.debug("No progress line this time", e);
        }
    }

    /** Whether records went through, or the lag or parameter version changed (not merely became known). */
    static boolean moved(Sample before, Sample now) {
        return now.in() != before.in() || now.out() != before.out() || now.deadLetters() != before.deadLetters()
                || (before.lag() >= 0 && now.lag() >= 0 && now.lag() != before.lag())
                || (before.versionMax() >= 0 && now.versionMax() >= 0
                        && (now.versionMin() != before.versionMin() || now.versionMax() != before.versionMax()));
    }

    /**
     * e.g. {@code 12:00:05  in 10,214 rec/s  out 10,190 rec/s  dead letters 24 (+3)  lag 1,532}, with a
     * control topic followed by {@code  params v7} (or {@code  params v6..v7} while subtasks differ).
     */
    static String line(LocalTime time, Sample before, Sample now) {
        double seconds = Math.max(1e-3, (now.nanos() - before.nanos()) / 1e9);
        return TIME.format(time)
                + "  in " + rate((now.in() - before.in()) / seconds) + " rec/s"
                + "  out " + rate((now.out() - before.out()) / seconds) + " rec/s"
                + "  dead letters " + count(now.deadLetters()) + " (+" + count(now.deadLetters() - before.deadLetters())
                + ")"
                + "  lag " + (now.lag() < 0 ? "?" : count(now.lag()))
                + (now.versionMax() < 0 ? "" : "  params v" + (now.versionMin() == now.versionMax()
                        ? Long.toString(now.versionMax()) : now.versionMin() + "..v" + now.versionMax()));
    }

    private static String rate(double perSecond) {
        return perSecond < 9.95 ? String.format(Locale.ROOT, "%.1f", perSecond) : count(Math.round(perSecond));
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** The operator's counts now, or empty while its metrics are not known yet. */
    private Optional<Sample> sample() throws IOException, InterruptedException {
        if (vertexId == null && !findOperator()) {
            return Optional.empty();
        }
        String in = operatorPrefix + "numRecordsIn";
        String transformed = operatorPrefix + TRANSFORMED;
        String tombstones = operatorPrefix + EluFunction.METRIC_GROUP + "." + EluFunction.METRIC_TOMBSTONES;
        String deadLetters = operatorPrefix + EluFunction.METRIC_GROUP + "." + EluFunction.METRIC_DEAD_LETTERS;
        String names = List.of(in, transformed, tombstones, deadLetters).stream()
                .map(n -> URLEncoder.encode(n, StandardCharsets.UTF_8))
                .collect(Collectors.joining(","));
        JsonNode metrics = get(jobUri + "/vertices/" + vertexId + "/subtasks/metrics?agg=sum&get=" + names);
        Map<String, Long> sums = new HashMap<>();
        for (JsonNode m : metrics) {
            if (m.hasNonNull("sum")) {
                sums.put(m.get("id").asText(), Math.round(m.get("sum").asDouble()));
            }
        }
        if (!sums.containsKey(transformed) || !sums.containsKey(deadLetters)) {
            return Optional.empty();
        }
        long out = sums.get(transformed) + sums.getOrDefault(tombstones, 0L);
        long dead = sums.get(deadLetters);
        // Every record the operator takes in leaves it as one of these, should Flink's own count be missing.
        long recordsIn = sums.getOrDefault(in, out + dead);
        long[] versions = versions();
        return Optional.of(new Sample(System.nanoTime(), recordsIn, out, dead, lag().orElse(-1), versions[0],
                versions[1]));
    }

    /** The lowest and highest parameter version over the operator's subtasks; -1, -1 without a control topic. */
    private long[] versions() throws IOException, InterruptedException {
        if (config.controlTopic().isEmpty()) {
            return new long[] {-1, -1};
        }
        String name = operatorPrefix + EluFunction.METRIC_GROUP + "." + EluFunction.METRIC_PARAMS_VERSION;
        JsonNode metrics = get(jobUri + "/vertices/" + vertexId + "/subtasks/metrics?agg=min,max&get="
                + URLEncoder.encode(name, StandardCharsets.UTF_8));
        for (JsonNode m : metrics) {
            if (m.hasNonNull("min") && m.hasNonNull("max")) {
                return new long[] {Math.round(m.get("min").asDouble()), Math.round(m.get("max").asDouble())};
            }
        }
        return new long[] {-1, -1};
    }

    private String firstVertex() throws IOException, InterruptedException {
        JsonNode vertices = get(jobUri).path("vertices");
        if (vertices.isEmpty()) {
            throw new IOException("job " + jobUri + " has no vertices");
        }
        return vertices.get(0).path("id").asText();
    }

    /** Finds the vertex that runs the ELU operator, by its metrics. */
    private boolean findOperator() throws IOException, InterruptedException {
        for (JsonNode vertex : get(jobUri).path("vertices")) {
            String id = vertex.path("id").asText();
            for (JsonNode metric : get(jobUri + "/vertices/" + id + "/subtasks/metrics")) {
                String name = metric.path("id").asText();
                if (name.endsWith("." + TRANSFORMED)) {
                    operatorPrefix = name.substring(0, name.length() - TRANSFORMED.length());
                    vertexId = id;
                    return true;
                }
            }
        }
        return false;
    }

    private JsonNode get(String uri) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + uri + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /**
     * The input topic's end offsets minus the group's committed offsets, summed over partitions; a
     * partition without a committed offset counts from where the job starts reading it.
     */
    private OptionalLong lag() {
        try {
            Admin a = admin();
            String topic = config.inputTopic();
            int partitions = a.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
                earliest.put(new TopicPartition(topic, p), OffsetSpec.earliest());
            }
            Map<TopicPartition, ListOffsetsResultInfo> ends = a.listOffsets(latest).all()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = a.listConsumerGroupOffsets(config.groupId())
                    .partitionsToOffsetAndMetadata().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, ListOffsetsResultInfo> starts = null;
            long lag = 0;
            for (Map.Entry<TopicPartition, ListOffsetsResultInfo> end : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(end.getKey());
                long from;
                if (c != null) {
                    from = c.offset();
                } else if (config.startingOffsets() == JobConfig.StartingOffsets.LATEST) {
                    from = end.getValue().offset();
                } else {
                    if (starts == null) {
                        starts = a.listOffsets(earliest).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    from = starts.get(end.getKey()).offset();
                }
                lag += Math.max(0, end.getValue().offset() - from);
            }
            return OptionalLong.of(lag);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            failed(e);
            return OptionalLong.empty();
        }
    }

    private Admin admin() {
        if (admin == null) {
            Properties props = config.kafkaClientProperties();
            String timeout = Long.toString(TIMEOUT.toMillis());
            props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
            props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
            props.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, config.groupId() + "-progress");
            admin = Admin.create(props);
        }
        return admin;
    }

    /** Stops reporting; returns at once. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Admin a = admin;
        if (a != null) {
            a.close(Duration.ZERO);
        }
    }
}
