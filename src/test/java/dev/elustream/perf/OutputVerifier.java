package dev.elustream.perf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the output topic from the beginning, in a thread of its own, while the system runs. Keys are
 * record numbers (ASCII decimal): {@code [0, records)} are the throughput phase, of which it records
 * each record's timestamp (with {@code appendTimes}, the topic has {@code message.timestamp.type=
 * LogAppendTime} and a record with another timestamp type is a failure: the timestamp is when the
 * broker appended the system's batch) and the time (System.nanoTime) all keys had been seen;
 * {@code [records, records + latencyRecords)} are the latency phase, whose latency it records: now
 * minus the send time in the record's {@value #SENT_HEADER} header (8 bytes, big-endian epoch ms; a
 * record without it is a failure). Every {@code sampleEvery}-th record's value goes through the
 * check; the first failure is kept.
 */
final class OutputVerifier implements AutoCloseable {

    /** Checks one output value against what the system under test must have made of record {@code key}. */
    interface Check {
        /** Why the value is wrong, or null when it is right. */
        String failure(long key, byte[] value);
    }

    /** Keys of the probe records (one per partition, {@code probe-<partition>}), which are not counted. */
    static final String PROBE_PREFIX = "probe-";
    private static final byte[] PROBE = PROBE_PREFIX.getBytes(StandardCharsets.US_ASCII);
    /** The header of a latency-phase input record with its send time: 8 bytes, big-endian epoch ms. */
    static final String SENT_HEADER = "perf-sent-ms";

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final long records;
    private final long latencyRecords;
    private final Check check;
    private final int sampleEvery;
    private final BitSet seen = new BitSet();
    private final long[] latencies;
    private final long[] appendTimes;
    private final boolean appendTimesRequired;
    private final CountDownLatch positioned = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long throughputSeen;
    private volatile long throughputDoneNanos;
    private volatile long latencySeen;
    private volatile int probesSeen;
    private volatile long duplicates;
    private volatile long bytesOut;
    private volatile long valueBytesOut;
    private volatile long checked;
    private volatile String firstFailure;
    private volatile Throwable crash;

    OutputVerifier(String bootstrap, String topic, int partitions, boolean readCommitted, boolean appendTimes,
            long records, long latencyRecords, Check check, int sampleEvery) {
        Properties c = new Properties();
        c.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        c.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        this.records = records;
        this.latencyRecords = latencyRecords;
        this.latencies = new long[Math.toIntExact(latencyRecords)];
        this.appendTimes = new long[Math.toIntExact(records)];
        this.appendTimesRequired = appendTimes;
        this.check = check;
        this.sampleEvery = sampleEvery;
        this.thread = new Thread(() -> run(tps), "verifier-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits until the consumer has its start positions: records sent after this are seen. */
    void awaitPositioned() throws InterruptedException {
        positioned.await();
        rethrow();
    }

    private void run(List<TopicPartition> tps) {
        try {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            tps.forEach(consumer::position);
            positioned.countDown();
            while (running) {
                var polled = consumer.poll(Duration.ofMillis(50));
                long nowNanos = System.nanoTime();
                long nowMillis = System.currentTimeMillis();
                long bytes = 0;
                long valueBytes = 0;
                for (ConsumerRecord<byte[], byte[]> r : polled) {
                    if (isProbe(r.key())) {
                        probesSeen++;
                        continue;
                    }
                    long key = parseKey(r.key());
                    if (key < 0 || key >= records + latencyRecords) {
                        fail("unexpected key " + (r.key() == null ? "null" : new String(r.key())) + " in the output");
                        continue;
                    }
                    if (seen.get((int) key)) {
                        duplicates++;
                        continue;
                    }
                    seen.set((int) key);
                    if (key % sampleEvery == 0) {
                        checked++;
                        String why;
                        try {
                            why = check.failure(key, r.value());
                        } catch (RuntimeException e) {
                            why = "cannot decode the value: " + e.getMessage();
                        }
                        if (why != null) {
                            fail("record " + key + ": " + why);
                        }
                    }
                    if (key < records) {
                        if (appendTimesRequired && r.timestampType() != TimestampType.LOG_APPEND_TIME) {
                            fail("record " + key + ": its timestamp is " + r.timestampType() + ", not the broker's append time");
                        }
                        appendTimes[(int) key] = r.timestamp();
                        bytes += r.key().length + r.value().length;
                        valueBytes += r.value().length;
                        if (++throughputSeen == records) {
                            throughputDoneNanos = nowNanos;
                        }
                    } else {
                        Header sent = r.headers().lastHeader(SENT_HEADER);
                        if (sent == null || sent.value() == null || sent.value().length != Long.BYTES) {
                            fail("record " + key + ": header " + SENT_HEADER + (sent == null ? " missing" : " not 8 bytes"));
                        } else {
                            latencies[(int) (key - records)] = nowMillis - ByteBuffer.wrap(sent.value()).getLong();
                        }
                        latencySeen++;
                    }
                }
                bytesOut += bytes;
                valueBytesOut += valueBytes;
            }
        } catch (Throwable e) {
            if (running) {
                crash = e;
            }
        } finally {
            positioned.countDown();
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private static boolean isProbe(byte[] key) {
        return key != null && key.length > PROBE.length && Arrays.equals(key, 0, PROBE.length, PROBE, 0, PROBE.length);
    }

    private static long parseKey(byte[] key) {
        if (key == null || key.length == 0 || key.length > 18) {
            return -1;
        }
        long v = 0;
        for (byte b : key) {
            if (b < '0' || b > '9') {
                return -1;
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    private void fail(String why) {
        if (firstFailure == null) {
            firstFailure = why;
        }
    }

    /**
     * Waits until every throughput-phase key has been seen and returns the time (System.nanoTime)
     * the last one was.
     *
     * @throws IllegalStateException after the timeout, or when {@code alive} turns false (the system
     *     under test died)
     */
    long awaitThroughputDone(Duration timeout, BooleanSupplier alive) throws InterruptedException {
        await(() -> throughputDoneNanos != 0, () -> throughputSeen + " of " + records + " throughput records", timeout, alive);
        return throughputDoneNanos;
    }

    /**
     * The timestamps (ms) of the throughput-phase output records, indexed by key: the broker's append
     * times on a LogAppendTime topic. Complete once {@link #awaitThroughputDone} has returned.
     */
    long[] appendTimes() {
        return appendTimes.clone();
    }

    /** Waits until {@code count} probe records have been seen: the system under test is processing. */
    void awaitProbes(int count, Duration timeout, BooleanSupplier alive) throws InterruptedException {
        await(() -> probesSeen >= count, () -> probesSeen + " of " + count + " probe records", timeout, alive);
    }

    /** Waits until every latency-phase key has been seen and returns their latencies in ms. */
    long[] awaitLatencyDone(Duration timeout, BooleanSupplier alive) throws InterruptedException {
        await(() -> latencySeen == latencyRecords, () -> latencySeen + " of " + latencyRecords + " latency records",
                timeout, alive);
        return latencies.clone();
    }

    private void await(BooleanSupplier done, Supplier<String> progress, Duration timeout,
            BooleanSupplier alive) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            rethrow();
            if (!alive.getAsBoolean()) {
                throw new IllegalStateException("the system under test exited; the output had " + progress.get());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the output had only " + progress.get() + " after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(5);
        }
        rethrow();
    }

    private void rethrow() {
        if (crash != null) {
            throw new IllegalStateException("the verifying consumer failed: " + crash, crash);
        }
    }

    long duplicates() {
        return duplicates;
    }

    /** The bytes of keys and values of the throughput-phase records seen, each key once. */
    long bytesOut() {
        return bytesOut;
    }

    /** The bytes of the values alone of the throughput-phase records seen, each key once. */
    long valueBytesOut() {
        return valueBytesOut;
    }

    long checked() {
        return checked;
    }

    /** The first wrong, unexpected or undecodable output, or null. */
    String firstFailure() {
        return firstFailure;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
