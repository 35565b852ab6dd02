package dev.elustream.soak;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elustream.testing.FlinkCluster;
import dev.elustream.testing.KafkaCluster;
import dev.elustream.testing.Ulps;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The chaos soak ({@code src/test/soak/soak.sh chaos [MINUTES] [RATE]}): the job jar on a Flink
 * cluster of separate processes (a JobManager, three one-slot TaskManagers, parallelism 2) against a
 * replicated 3-broker Kafka cluster, exactly-once, at a steady load for MINUTES, with a fault every 30
 * to 60 s drawn at random: a broker killed (SIGKILL) and restarted 5-15 s later; a TaskManager killed
 * and a new one started; the JobManager killed, started again and the job resubmitted from its newest
 * retained checkpoint, as an operator without an HA service would. A checker reads the output and
 * dead-letter topics read_committed all along and reports duplicates, value errors and (at the end)
 * missing ids as they happen; then the load stops and the output must catch up with the input.
 */
public final class ChaosSoakRun {

    private static final String IN = "chaos-in";
    private static final String OUT = "chaos-out";
    private static final String DLQ = "chaos-dlq";
    private static final int PARTITIONS = 4;
    private static final int DIMENSION = 16;
    /** Every MALFORMED_EVERY-th record is not JSON: it must come out in the dead-letter topic, once. */
    private static final int MALFORMED_EVERY = 97;
    private static final Path JOB_JAR = Path.of("target", "elu-stream.jar");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Random random;
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final BitSet seen = new BitSet();
    private long distinct;
    private long duplicates;
    private long valueErrors;
    private long wrongTopic;
    /** When the checker last read a record; 0 before the first (the job's start is not a gap). */
    private long lastOutputNanos;
    private double longestGapSeconds;
    private String longestGapAt = "-";

    private ChaosSoakRun(long seed) {
        this.random = new Random(seed);
    }

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 10.0;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
        new ChaosSoakRun(seed).run(minutes, rate);
    }

    /** The input vector of record id: the same on both sides, derived from the id alone. */
    static double[] vector(long id) {
        Random r = new Random(id * 0x9E3779B97F4A7C15L);
        double[] x = new double[DIMENSION];
        for (int j = 0; j < DIMENSION; j++) {
            x[j] = r.nextGaussian() * 3;
        }
        return x;
    }

    static byte[] value(long id) {
        if (id % MALFORMED_EVERY == MALFORMED_EVERY - 1) {
            return ("not json " + id).getBytes(UTF_8);
        }
        StringBuilder sb = new StringBuilder("{\"id\":").append(id).append(",\"features\":[");
        double[] x = vector(id);
        for (int j = 0; j < x.length; j++) {
            sb.append(j == 0 ? "" : ",").append(x[j]);
        }
        return sb.append("]}").toString().getBytes(UTF_8);
    }

    private void run(double minutes, int rate) throws Exception {
        Path work = Files.createTempDirectory("elu-chaos-");
        System.out.printf(Locale.ROOT, "chaos soak: %.1f min at %d records/s, exactly-once, work dir %s%n", minutes, rate,
                work);
        long started = System.nanoTime();
        try (KafkaCluster kafka = KafkaCluster.start();
                FlinkCluster flink = FlinkCluster.start(work.resolve("flink"), 3, List.of(
                        "execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION",
                        "execution.checkpointing.num-retained: 3",
                        // faults for ten minutes: restarts without a cap, backing off to 10 s
                        "restart-strategy.type: exponential-delay",
                        "restart-strategy.exponential-delay.initial-backoff: 1 s",
                        "restart-strategy.exponential-delay.max-backoff: 10 s"))) {
            System.out.printf(Locale.ROOT, "Kafka %s (3 brokers, RF 3, min.insync.replicas 2); Flink REST localhost:%d%n",
                    kafka.bootstrapServers(), flink.restPort());
            kafka.createTopics(PARTITIONS, IN, OUT, DLQ);
            List<String> jobArgs = List.of("--job", Path.of("jobs", "features-elu.properties").toAbsolutePath().toString(),
                    "--bootstrap-servers", kafka.bootstrapServers(), "--input-topic", IN, "--output-topic", OUT,
                    "--dead-letter-topic", DLQ, "--group-id", "chaos", "--transactional-id-prefix", "chaos",
                    "--starting-offsets", "earliest", "--checkpoint-interval", "2s", "--transaction-timeout", "10min",
                    "--delivery-guarantee", "exactly-once");
            String job = flink.submit(JOB_JAR, List.of("-p", "2"), jobArgs);
            flink.awaitRunning(job, Duration.ofSeconds(120));

            Thread producer = new Thread(() -> produce(kafka.bootstrapServers(), rate), "chaos-producer");
            producer.start();
            Thread checker = new Thread(() -> check(kafka.bootstrapServers()), "chaos-checker");
            checker.setDaemon(true);
            checker.start();

            long end = System.nanoTime() + (long) (minutes * 60e9);
            long nextFault = System.nanoTime() + Duration.ofSeconds(30 + random.nextInt(31)).toNanos();
            long nextReport = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            List<String> faults = new ArrayList<>();
            List<String> heap = new ArrayList<>();
            int jobManagerRestarts = 0;
            while (System.nanoTime() < end) {
                Thread.sleep(500);
                if (System.nanoTime() > nextReport) {
                    report();
                    heap.add(heapLine(flink, (System.nanoTime() - started) / 60e9));
                    nextReport += Duration.ofSeconds(30).toNanos();
                }
                if (System.nanoTime() < nextFault) {
                    continue;
                }
                int kind = random.nextInt(3);
                String fault;
                if (kind == 0) {
                    int broker = KafkaCluster.BROKER_IDS.get(random.nextInt(KafkaCluster.BROKER_IDS.size()));
                    kafka.kill(broker);
                    int down = 5 + random.nextInt(11);
                    Thread.sleep(down * 1000L);
                    kafka.start(broker);
                    fault = "broker " + broker + " killed, restarted after " + down + " s";
                } else if (kind == 1) {
                    List<Integer> alive = new ArrayList<>();
                    for (int i = 0; i < flink.taskManagersStarted(); i++) {
                        if (flink.taskManagerAlive(i)) {
                            alive.add(i);
                        }
                    }
                    int tm = alive.get(random.nextInt(alive.size()));
                    flink.killTaskManager(tm);
                    flink.startTaskManager();
                    fault = "TaskManager " + (tm + 1) + " killed, TaskManager " + flink.taskManagersStarted() + " started";
                } else {
                    flink.killJobManager();
                    // looked up after the kill: no checkpoint completes after it
                    Optional<Path> checkpoint = flink.latestCheckpoint(job);
                    flink.startJobManager();
                    flink.awaitTaskManagerCount(3, Duration.ofSeconds(120));
                    List<String> cli = new ArrayList<>(List.of("-p", "2"));
                    checkpoint.ifPresent(c -> cli.addAll(List.of("-s", c.toString())));
                    job = flink.submit(JOB_JAR, cli, jobArgs);
                    flink.awaitRunning(job, Duration.ofSeconds(180));
                    jobManagerRestarts++;
                    fault = "JobManager killed, restarted, job resubmitted from "
                            + checkpoint.map(c -> c.getFileName().toString()).orElse("no checkpoint (!)");
                }
                String line = TIME.format(LocalTime.now()) + "  fault " + (faults.size() + 1) + ": " + fault;
                faults.add(line);
                System.out.println(line);
                nextFault = System.nanoTime() + Duration.ofSeconds(30 + random.nextInt(31)).toNanos();
            }

            producing.set(false);
            producer.join();
            long stopped = System.nanoTime();
            long total = produced.get();
            System.out.printf(Locale.ROOT, "load stopped after %,d records; waiting for the output to catch up%n", total);
            long caughtUp = -1;
            long deadline = stopped + Duration.ofMinutes(5).toNanos();
            while (System.nanoTime() < deadline) {
                synchronized (this) {
                    if (distinct >= total - sendFailures.get()) {
                        caughtUp = System.nanoTime();
                        break;
                    }
                }
                Thread.sleep(200);
            }
            Thread.sleep(5000); // duplicates after the last id would show up now
            synchronized (this) {
                long missing = 0;
                List<Long> firstMissing = new ArrayList<>();
                for (long id = 0; id < total; id++) {
                    if (!seen.get((int) id)) {
                        missing++;
                        if (firstMissing.size() < 20) {
                            firstMissing.add(id);
                        }
                    }
                }
                System.out.println();
                System.out.println("faults:");
                faults.forEach(f -> System.out.println("  " + f));
                System.out.println("heap used by the TaskManagers, every 30 s:");
                heap.forEach(h -> System.out.println("  " + h));
                System.out.printf(Locale.ROOT, "%nreport: %.1f min, %d faults (%d JobManager restarts)%n", minutes, faults.size(),
                        jobManagerRestarts);
                System.out.printf(Locale.ROOT, "  records produced        %,d (%,d failed to send)%n", total, sendFailures.get());
                System.out.printf(Locale.ROOT, "  distinct ids out        %,d (output and dead-letter topics)%n", distinct);
                System.out.printf(Locale.ROOT, "  duplicates              %,d%n", duplicates);
                System.out.printf(Locale.ROOT, "  missing                 %,d %s%n", missing, firstMissing.isEmpty() ? "" : firstMissing);
                System.out.printf(Locale.ROOT, "  value errors            %,d (and %,d in the wrong topic)%n", valueErrors, wrongTopic);
                System.out.printf(Locale.ROOT, "  longest output gap      %.1f s (ending %s)%n", longestGapSeconds, longestGapAt);
                System.out.printf(Locale.ROOT, "  caught up after the load %s%n",
                        caughtUp < 0 ? "NOT within 5 min" : String.format(Locale.ROOT, "in %.1f s", (caughtUp - stopped) / 1e9));
            }
            flink.cancel(job);
        }
    }

    private String heapLine(FlinkCluster flink, double minute) {
        try {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%4.1f min:", minute));
            for (JsonNode tm : flink.get("/taskmanagers").get("taskmanagers")) {
                String id = tm.get("id").asText();
                JsonNode m = flink.get("/taskmanagers/" + id + "/metrics?get=Status.JVM.Memory.Heap.Used");
                for (JsonNode v : m) {
                    sb.append(String.format(Locale.ROOT, " %.0f MB", v.get("value").asDouble() / 1e6));
                }
            }
            return sb.toString();
        } catch (Exception e) {
            return String.format(Locale.ROOT, "%4.1f min: (no answer: %s)", minute, e.getMessage());
        }
    }

    private synchronized void report() {
        System.out.printf(Locale.ROOT, "%s  running: produced %,d, out %,d distinct, lag %,d, duplicates %d, value errors %d,"
                + " longest gap %.1f s%n", TIME.format(LocalTime.now()), produced.get(), distinct,
                produced.get() - distinct, duplicates, valueErrors, longestGapSeconds);
    }

    private void produce(String bootstrapServers, int rate) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Ride out any broker outage of the soak: a record the driver fails to send is not the job's loss.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "600000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "600000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            long id = 0;
            while (producing.get()) {
                long due = start + (long) (id * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(IN, ("k" + (id % 1000)).getBytes(UTF_8), value(id));
                r.headers().add(new RecordHeader("test-id", ByteBuffer.allocate(8).putLong(id).array()));
                long sentId = id;
                producer.send(r, (metadata, e) -> {
                    if (e != null) {
                        sendFailures.incrementAndGet();
                        System.out.println("producer: record " + sentId + " not sent: " + e);
                    }
                });
                id++;
                produced.set(id);
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void check(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                partitions.add(new TopicPartition(OUT, i));
                partitions.add(new TopicPartition(DLQ, i));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (true) {
                var records = consumer.poll(Duration.ofMillis(200));
                synchronized (this) {
                    long now = System.nanoTime();
                    if (!records.isEmpty()) {
                        double gap = lastOutputNanos == 0 ? 0 : (now - lastOutputNanos) / 1e9;
                        if (gap > longestGapSeconds && producing.get()) {
                            longestGapSeconds = gap;
                            longestGapAt = TIME.format(LocalTime.now());
                        }
                        lastOutputNanos = now;
                    } else if (!producing.get() && lastOutputNanos != 0) {
                        lastOutputNanos = now;
                    }
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        checkOne(r);
                    }
                }
            }
        } catch (RuntimeException e) {
            System.out.println("checker stopped: " + e);
        }
    }

    /** One record out: first time for its id, right topic, right values. Holds the lock. */
    private void checkOne(ConsumerRecord<byte[], byte[]> r) {
        long id = ByteBuffer.wrap(r.headers().lastHeader("test-id").value()).getLong();
        if (seen.get((int) id)) {
            duplicates++;
            System.out.printf(Locale.ROOT, "%s  DUPLICATE id %d in %s-%d@%d%n", TIME.format(LocalTime.now()), id, r.topic(),
                    r.partition(), r.offset());
            return;
        }
        seen.set((int) id);
        distinct++;
        boolean malformed = id % MALFORMED_EVERY == MALFORMED_EVERY - 1;
        if (malformed != r.topic().equals(DLQ)) {
            wrongTopic++;
            System.out.printf(Locale.ROOT, "%s  WRONG TOPIC id %d in %s%n", TIME.format(LocalTime.now()), id, r.topic());
            return;
        }
        if (malformed) {
            return;
        }
        try {
            JsonNode node = JSON.readTree(r.value());
            double[] x = vector(id);
            for (int j = 0; j < DIMENSION; j++) {
                double f = x[j] > 0 ? x[j] : Math.expm1(x[j]);
                double d = x[j] > 0 ? 1.0 : Math.exp(x[j]);
                if (!Ulps.within2Ulp(Double.parseDouble(node.get("features").get(j).asText()), f)
                        || !Ulps.within2Ulp(Double.parseDouble(node.get("derivative").get(j).asText()), d)) {
                    throw new IllegalStateException("element " + j + " = " + x[j]);
                }
            }
        } catch (Exception e) {
            valueErrors++;
            System.out.printf(Locale.ROOT, "%s  VALUE ERROR id %d: %s%n", TIME.format(LocalTime.now()), id, e.getMessage());
        }
    }
}
