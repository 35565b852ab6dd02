package dev.elustream.testing;

import dev.elustream.testing.EluRecords.Case;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces test cases to a topic at a steady rate from a thread of its own, as a live source does,
 * through whatever happens to the brokers meanwhile (idempotent, acks=all, the client's own retries
 * and its 2-minute delivery timeout). It notes when each record was acknowledged: the longest time
 * without an acknowledgement is how long the input stood still.
 */
public final class PacedProducer implements AutoCloseable {

    private final List<Case> cases;
    private final RecordMetadata[] landed;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread thread;
    private final AtomicInteger acknowledged = new AtomicInteger();
    private volatile Exception failure;
    private volatile boolean stopped;
    private long lastAckNanos;
    private long longestGapNanos;

    private PacedProducer(String bootstrapServers, String topic, List<Case> cases, double recordsPerSecond) {
        this.cases = cases;
        this.landed = new RecordMetadata[cases.size()];
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 * 1024 * 1024));
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.thread = new Thread(() -> produce(topic, recordsPerSecond), "paced-producer-" + topic);
        thread.setDaemon(true);
    }

    /** Starts producing the cases, in order, at the given rate. */
    public static PacedProducer start(String bootstrapServers, String topic, List<Case> cases, double recordsPerSecond) {
        PacedProducer p = new PacedProducer(bootstrapServers, topic, cases, recordsPerSecond);
        p.thread.start();
        return p;
    }

    private void produce(String topic, double recordsPerSecond) {
        long start = System.nanoTime();
        try {
            for (int i = 0; i < cases.size() && !stopped; i++) {
                long due = start + (long) (i * 1e9 / recordsPerSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                Case c = cases.get(i);
                int index = i;
                producer.send(new ProducerRecord<>(topic, null, c.timestamp(), c.key(), c.value(), c.headers()),
                        (metadata, e) -> acknowledge(index, metadata, e));
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    private synchronized void acknowledge(int index, RecordMetadata metadata, Exception e) {
        if (e != null) {
            failure = e;
            return;
        }
        long now = System.nanoTime();
        if (lastAckNanos != 0) {
            longestGapNanos = Math.max(longestGapNanos, now - lastAckNanos);
        }
        lastAckNanos = now;
        landed[index] = metadata;
        acknowledged.incrementAndGet();
    }

    /** How many records the brokers have acknowledged so far. */
    public int acknowledged() {
        return acknowledged.get();
    }

    /** Waits until at least n records are acknowledged. */
    public void awaitAcknowledged(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (acknowledged() < n) {
            if (failure != null) {
                throw new AssertionError("producing to the input failed after " + acknowledged() + " records: "
                        + failure, failure);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + acknowledged() + " of " + n + " records acknowledged within " + timeout);
            }
            Thread.sleep(50);
        }
    }

    /** The longest time between two acknowledgements so far. */
    public synchronized Duration longestGap() {
        return Duration.ofNanos(longestGapNanos);
    }

    /**
     * Waits until every case is acknowledged and returns where each landed, by id.
     *
     * @throws AssertionError when a send failed or the time runs out
     */
    public Map<Integer, RecordMetadata> await(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        if (failure != null) {
            throw new AssertionError("producing to the input failed after " + acknowledged() + " records: " + failure,
                    failure);
        }
        if (thread.isAlive() || acknowledged() < cases.size()) {
            throw new AssertionError("only " + acknowledged() + " of " + cases.size() + " records acknowledged within "
                    + timeout);
        }
        Map<Integer, RecordMetadata> byId = new HashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            byId.put(cases.get(i).id(), landed[i]);
        }
        return byId;
    }

    @Override
    public void close() {
        stopped = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
