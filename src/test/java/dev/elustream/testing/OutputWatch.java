package dev.elustream.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a job's output and dead-letter topics from their beginning with read_committed while the
 * job writes them, as a downstream consumer would, from a thread of its own: which test ids have
 * arrived, and the longest time without a new output record (from the first to the last seen, at
 * the resolution of its 100 ms polls).
 */
public final class OutputWatch implements AutoCloseable {

    /** The longest stretch without output: when it began and ended (System.nanoTime). */
    public record Gap(long fromNanos, long toNanos) {
        public double seconds() {
            return (toNanos - fromNanos) / 1e9;
        }
    }

    private final String outputTopic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final BitSet ids = new BitSet();
    private volatile Exception failure;
    private int outputRecords;
    private int distinctIds;
    private long lastOutputNanos;
    private Gap longestGap = new Gap(0, 0);

    private OutputWatch(String bootstrapServers, String outputTopic, String deadLetterTopic) {
        this.outputTopic = outputTopic;
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(outputTopic, deadLetterTopic)) {
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::read, "output-watch-" + outputTopic);
        thread.setDaemon(true);
    }

    public static OutputWatch start(String bootstrapServers, String outputTopic, String deadLetterTopic) {
        OutputWatch w = new OutputWatch(bootstrapServers, outputTopic, deadLetterTopic);
        w.thread.start();
        return w;
    }

    private void read() {
        try {
            while (true) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                long now = System.nanoTime();
                synchronized (this) {
                    boolean output = false;
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        int id = EluRecords.testId(r);
                        if (!ids.get(id)) {
                            ids.set(id);
                            distinctIds++;
                        }
                        if (r.topic().equals(outputTopic)) {
                            outputRecords++;
                            output = true;
                        }
                    }
                    if (output) {
                        if (lastOutputNanos != 0 && now - lastOutputNanos > longestGap.toNanos() - longestGap.fromNanos()) {
                            longestGap = new Gap(lastOutputNanos, now);
                        }
                        lastOutputNanos = now;
                    }
                    notifyAll();
                }
            }
        } catch (WakeupException e) {
            // closed
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            consumer.close();
        }
    }

    /** Output records read so far, duplicates included. */
    public synchronized int outputRecords() {
        return outputRecords;
    }

    /** The longest time without output so far. */
    public synchronized Gap longestGap() {
        return longestGap;
    }

    /** Waits until at least n output records have been read. */
    public synchronized void awaitOutputRecords(int n, Duration timeout) throws InterruptedException {
        awaitCondition(() -> outputRecords >= n, timeout, () -> n + " output records");
    }

    /** Waits until this many distinct test ids have been read, in the output and dead-letter topics together. */
    public synchronized void awaitDistinctIds(int n, Duration timeout) throws InterruptedException {
        awaitCondition(() -> distinctIds >= n, timeout, () -> n + " distinct ids");
    }

    private void awaitCondition(java.util.function.BooleanSupplier done, Duration timeout,
            java.util.function.Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (failure != null) {
                throw new AssertionError("reading " + outputTopic + " failed: " + failure, failure);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("not " + what.get() + " within " + timeout + ": " + distinctIds
                        + " distinct ids, " + outputRecords + " output records read");
            }
            wait(Math.max(1, Math.min(left / 1_000_000, 500)));
        }
    }

    @Override
    public void close() {
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
