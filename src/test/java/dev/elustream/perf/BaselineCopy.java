package dev.elustream.perf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The throughput run's baseline, in its own JVM: copies records from one topic to another as they
 * are (key, value, headers, timestamp; no parsing) with {@code pairs} KafkaConsumer/KafkaProducer
 * pairs, pair {@code i} reading the input partitions {@code p} with {@code p % pairs == i}. Offsets
 * are committed every commit interval, as the job does on checkpoints: at-least-once flushes the
 * producer then commits; exactly-once uses one transaction per pair and interval, with the offsets
 * sent into it ({@code sendOffsetsToTransaction}) and a read_committed consumer.
 *
 * <p>Arguments: {@code --bootstrap-servers B --input-topic T --output-topic T --partitions P --pairs N
 * --delivery-guarantee G --commit-interval-ms MS --group-id G --transactional-id-prefix T
 * --transaction-timeout-ms MS [--kafka.<producer key> <value> ...]}. Prints {@value #READY} once
 * every pair is assigned and positioned, then runs until killed.
 */
public final class BaselineCopy {

    /** The line printed when the copy is ready for records. */
    public static final String READY = "Baseline ready";

    private BaselineCopy() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        Map<String, String> kafka = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --key value pairs, got '" + args[i] + "'"
                        + (i + 1 == args.length ? " without a value" : ""));
            }
            if (args[i].startsWith("--kafka.")) {
                kafka.put(args[i].substring("--kafka.".length()), args[i + 1]);
            } else {
                opts.put(args[i].substring(2), args[i + 1]);
            }
        }
        int partitions = Integer.parseInt(required(opts, "partitions"));
        int pairs = Integer.parseInt(required(opts, "pairs"));
        boolean exactlyOnce = switch (required(opts, "delivery-guarantee")) {
            case PerfOptions.EXACTLY_ONCE -> true;
            case PerfOptions.AT_LEAST_ONCE -> false;
            default -> throw new IllegalArgumentException("--delivery-guarantee must be exactly-once or at-least-once, got '"
                    + opts.get("delivery-guarantee") + "'");
        };
        long commitIntervalMs = Long.parseLong(required(opts, "commit-interval-ms"));
        CountDownLatch ready = new CountDownLatch(pairs);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Pair> all = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            List<TopicPartition> assigned = new ArrayList<>();
            for (int p = i; p < partitions; p += pairs) {
                assigned.add(new TopicPartition(required(opts, "input-topic"), p));
            }
            Pair pair = new Pair(i, opts, kafka, assigned, exactlyOnce, commitIntervalMs, ready);
            all.add(pair);
            Thread t = new Thread(() -> {
                try {
                    pair.run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    ready.countDown();
                }
            }, "copy-" + i);
            pair.thread = t;
            t.start();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> all.forEach(Pair::stop)));
        ready.await();
        if (failure.get() == null) {
            System.out.println(READY + ": " + pairs + " consumer/producer pairs, " + (exactlyOnce ? "exactly-once" : "at-least-once")
                    + ", committing every " + commitIntervalMs + " ms");
        }
        while (failure.get() == null) {
            Thread.sleep(200);
        }
        System.err.println("baseline copy failed:");
        failure.get().printStackTrace();
        System.exit(1);
    }

    private static String required(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + key);
        }
        return v;
    }

    /** One consumer and one producer, copying until stopped. */
    private static final class Pair {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final KafkaProducer<byte[], byte[]> producer;
        private final List<TopicPartition> assigned;
        private final String outputTopic;
        private final boolean exactlyOnce;
        private final long commitIntervalNanos;
        private final CountDownLatch ready;
        private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
        private volatile boolean running = true;
        private Thread thread;

        Pair(int index, Map<String, String> opts, Map<String, String> kafka, List<TopicPartition> assigned,
                boolean exactlyOnce, long commitIntervalMs, CountDownLatch ready) {
            this.assigned = assigned;
            this.outputTopic = required(opts, "output-topic");
            this.exactlyOnce = exactlyOnce;
            this.commitIntervalNanos = TimeUnit.MILLISECONDS.toNanos(commitIntervalMs);
            this.ready = ready;
            // As the job does: the kafka.* settings go to both clients.
            Properties c = new Properties();
            c.putAll(kafka);
            c.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, required(opts, "bootstrap-servers"));
            c.setProperty(ConsumerConfig.GROUP_ID_CONFIG, required(opts, "group-id"));
            c.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            c.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, exactlyOnce ? "read_committed" : "read_uncommitted");
            Properties p = new Properties();
            p.putAll(kafka);
            p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, required(opts, "bootstrap-servers"));
            if (exactlyOnce) {
                p.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, required(opts, "transactional-id-prefix") + "-" + index);
                p.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, required(opts, "transaction-timeout-ms"));
            }
            consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        }

        void run() throws Exception {
            try {
                consumer.assign(assigned);
                assigned.forEach(consumer::position);
                if (exactlyOnce) {
                    producer.initTransactions();
                    producer.beginTransaction();
                }
                ready.countDown();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                long nextCommit = System.nanoTime() + commitIntervalNanos;
                while (running) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        producer.send(new ProducerRecord<>(outputTopic, null, r.timestamp(), r.key(), r.value(), r.headers()),
                                (metadata, e) -> {
                                    if (e != null) {
                                        sendFailure.compareAndSet(null, e);
                                    }
                                });
                        offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    }
                    if (sendFailure.get() != null) {
                        throw sendFailure.get();
                    }
                    if (System.nanoTime() >= nextCommit) {
                        commit(offsets);
                        nextCommit += commitIntervalNanos;
                    }
                }
            } catch (WakeupException e) {
                if (running) {
                    throw e;
                }
            } finally {
                producer.close(Duration.ofSeconds(5));
                consumer.close(Duration.ofSeconds(5));
            }
        }

        private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            if (exactlyOnce) {
                if (!offsets.isEmpty()) {
                    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                }
                producer.commitTransaction();
                producer.beginTransaction();
            } else {
                producer.flush();
                if (!offsets.isEmpty()) {
                    consumer.commitAsync(Map.copyOf(offsets), null);
                }
            }
            offsets.clear();
        }

        void stop() {
            running = false;
            consumer.wakeup();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
