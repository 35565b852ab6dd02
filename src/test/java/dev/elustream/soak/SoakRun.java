package dev.elustream.soak;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.elustream.launcher.EmbeddedKafka;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The soak run (src/test/soak/soak.sh): the job in its own JVM (the standalone jar's {@code local
 * --bootstrap-servers}, 512 MB heap, GC log) against a broker in this JVM. First measures the job's
 * maximum rate by draining a backlog, then produces at that rate for the given minutes, reporting
 * consumer lag and the heap after each GC; then stops producing and waits for the lag to return to zero.
 */
public final class SoakRun {

    private static final String IN = "features";
    private static final String GROUP = "soak";
    private static final Pattern GC_LINE =
            Pattern.compile("\\[(\\d+\\.\\d+)s\\].*Pause.*?(\\d+)M->(\\d+)M\\((\\d+)M\\) (\\d+\\.\\d+)ms");

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 10.0;
        int dimension = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        String guarantee = args.length > 2 ? args[2] : "exactly-once";
        Path work = Files.createTempDirectory("elu-soak-");
        Path gcLog = work.resolve("gc.log");
        System.out.printf(Locale.ROOT, "soak: %.1f min, dimension %d, %s; work dir %s%n", minutes, dimension, guarantee, work);

        // Its own copy of the jar: a build during the soak must not swap classes under the job.
        Path jar = Files.copy(Path.of("target", "elu-stream-standalone.jar"), work.resolve("elu-stream-standalone.jar"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            kafka.createTopics(3, IN, "features-elu", "features-dlq");
            int webPort = freePort();
            List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xms512m", "-Xmx512m",
                    "--add-modules", "jdk.incubator.vector", "-Xlog:gc:file=" + gcLog + ":uptime", "-jar", jar.toString(), "local",
                    "--bootstrap-servers", kafka.bootstrapServers(), "--web-port", Integer.toString(webPort),
                    "--group-id", GROUP, "--transactional-id-prefix", "soak", "--delivery-guarantee", guarantee,
                    "--starting-offsets", "earliest");
            Process job = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(work.resolve("job.log").toFile()).start();
            try (Admin admin = kafka.admin(); KafkaProducer<byte[], byte[]> producer = producer(kafka.bootstrapServers())) {
                awaitLog(work.resolve("job.log"), "Press Ctrl-C", Duration.ofSeconds(120), job);
                byte[][] payloads = payloads(dimension, 1000);

                // 1. Maximum rate: how fast the job drains a backlog.
                int backlog = dimension <= 64 ? 300_000 : 30_000;
                long t0 = System.nanoTime();
                for (int i = 0; i < backlog; i++) {
                    producer.send(new ProducerRecord<>(IN, key(i), payloads[i % payloads.length]));
                }
                producer.flush();
                awaitLag(admin, 0, Duration.ofMinutes(10));
                double seconds = (System.nanoTime() - t0) / 1e9;
                double rate = backlog / seconds;
                System.out.printf(Locale.ROOT, "max rate: %d records drained in %.1f s = %.0f records/s%n", backlog, seconds, rate);

                // 2. The soak: that rate for the given minutes.
                long start = System.nanoTime();
                long end = start + (long) (minutes * 60e9);
                long sent = 0;
                long nextReport = start + 30_000_000_000L;
                System.out.println("   t(s)   produced     lag  last heap after GC (MB)");
                while (System.nanoTime() < end) {
                    long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
                    while (sent < due) {
                        producer.send(new ProducerRecord<>(IN, key((int) sent), payloads[(int) (sent % payloads.length)]));
                        sent++;
                    }
                    if (System.nanoTime() > nextReport) {
                        System.out.printf(Locale.ROOT, "%7.0f %10d %7d  %s%n", (System.nanoTime() - start) / 1e9, sent,
                                lag(admin), lastHeapAfterGc(gcLog));
                        nextReport += 30_000_000_000L;
                    }
                    Thread.sleep(5);
                }
                producer.flush();
                // 3. Load stopped: the lag must return to zero.
                long stopped = System.nanoTime();
                awaitLag(admin, 0, Duration.ofMinutes(5));
                System.out.printf(Locale.ROOT, "load stopped after %d records; lag back to 0 in %.1f s%n", sent,
                        (System.nanoTime() - stopped) / 1e9);
                report(gcLog);
            } finally {
                job.destroy();
                job.waitFor(60, TimeUnit.SECONDS);
                job.destroyForcibly();
            }
        }
    }

    private static byte[] key(int i) {
        return ("sensor-" + (i % 1000)).getBytes(UTF_8);
    }

    private static byte[][] payloads(int dimension, int count) {
        Random rnd = new Random(1);
        byte[][] out = new byte[count][];
        for (int p = 0; p < count; p++) {
            StringBuilder sb = new StringBuilder("{\"id\":").append(p).append(",\"features\":[");
            for (int j = 0; j < dimension; j++) {
                sb.append(j == 0 ? "" : ",").append(rnd.nextGaussian());
            }
            out[p] = sb.append("]}").toString().getBytes(UTF_8);
        }
        return out;
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** End offsets of the input minus the group's committed offsets (committed on checkpoints). */
    static long lag(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new TreeMap<>(java.util.Comparator.comparingInt(TopicPartition::partition));
        for (int p = 0; p < 3; p++) {
            latest.put(new TopicPartition(IN, p), OffsetSpec.latest());
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
        long lag = 0;
        for (var e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += e.getValue().offset() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    private static void awaitLag(Admin admin, long target, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (lag(admin) > target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("lag still " + lag(admin) + " after " + timeout);
            }
            Thread.sleep(250);
        }
    }

    private static void awaitLog(Path log, String text, Duration timeout, Process p) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(log) || !Files.readString(log, UTF_8).contains(text)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the job did not start:\n" + (Files.exists(log) ? Files.readString(log) : ""));
            }
            Thread.sleep(200);
        }
    }

    private static String lastHeapAfterGc(Path gcLog) throws IOException {
        List<double[]> gcs = gcs(gcLog);
        return gcs.isEmpty() ? "-" : Long.toString((long) gcs.get(gcs.size() - 1)[2]);
    }

    /** Per GC pause: uptime s, heap before MB, heap after MB, pause ms. */
    static List<double[]> gcs(Path gcLog) throws IOException {
        List<double[]> out = new ArrayList<>();
        if (!Files.exists(gcLog)) {
            return out;
        }
        for (String line : Files.readAllLines(gcLog, UTF_8)) {
            Matcher m = GC_LINE.matcher(line);
            if (m.find()) {
                out.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)),
                    Double.parseDouble(m.group(3)), Double.parseDouble(m.group(5))});
            }
        }
        return out;
    }

    private static void report(Path gcLog) throws IOException {
        List<double[]> gcs = gcs(gcLog);
        Map<Long, List<double[]>> byMinute = gcs.stream().collect(Collectors.groupingBy(g -> (long) (g[0] / 60),
                TreeMap::new, Collectors.toList()));
        System.out.println("job JVM minute  GCs  heap after GC MB (min/avg/max)  max pause ms");
        byMinute.forEach((minute, list) -> System.out.printf(Locale.ROOT, "%14d %4d  %6.0f %6.0f %6.0f  %12.1f%n",
                minute, list.size(), list.stream().mapToDouble(g -> g[2]).min().orElse(0),
                list.stream().mapToDouble(g -> g[2]).average().orElse(0),
                list.stream().mapToDouble(g -> g[2]).max().orElse(0),
                list.stream().mapToDouble(g -> g[3]).max().orElse(0)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
