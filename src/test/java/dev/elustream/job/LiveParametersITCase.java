package dev.elustream.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elustream.flink.DeadLetters;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.TestJobs;
import dev.elustream.testing.Ulps;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.function.Predicate;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Alpha changed while the job runs, on a real broker and a mini cluster, through the job's own
 * start-up path ({@link EluJob#prepare}): every output number is checked against the alpha of the
 * parameter version in its header, bad updates are dead-lettered once and change nothing, and a job
 * started on a control topic with history starts with its newest valid update.
 */
class LiveParametersITCase {

    private static final int PARALLELISM = 3;
    private static final int DIMENSION = 4;
    private static final String VERSION_HEADER = "elu.params.version";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(0);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** One data record: its id, partition and input vector. */
    private record Sent(int id, int partition, double[] x) {}

    private final Map<Integer, Sent> sent = new HashMap<>();
    private final Random rnd = new Random(13);
    private int nextId;

    @Test
    void appliesTwoUpdatesAndDeadLettersTheBadOnesBetweenThem() throws Exception {
        String prefix = "live";
        JobClient job = start(prefix);
        try (OutputReader out = new OutputReader(prefix + "-out")) {
            sendBatch(prefix, 150);
            out.awaitIds(sent.keySet(), Duration.ofSeconds(90));
            Map<Long, double[]> alphas = new HashMap<>(Map.of(0L, new double[] {1.0, 1.0, 1.0, 1.0}));

            sendControl(prefix, "{\"version\": 1, \"alpha\": 0.5}");
            alphas.put(1L, new double[] {0.5, 0.5, 0.5, 0.5});
            probeUntilEveryPartitionHas(prefix, out, 1);
            sendBatch(prefix, 150);

            List<RecordMetadata> bad = new ArrayList<>();
            bad.add(sendControl(prefix, "{\"version\": 1, \"alpha\": 0.7}"));
            bad.add(sendControl(prefix, "{\"version\": 5, \"alpha\": [1.0, 2.0]}"));
            bad.add(sendControl(prefix, "{\"version\": 5, \"alpha\": -0.5}"));
            bad.add(sendControl(prefix, "not json"));
            sendControl(prefix, "{\"version\": 2, \"alpha\": [0.25, 0.5, 2.0, 3.5]}");
            alphas.put(2L, new double[] {0.25, 0.5, 2.0, 3.5});
            probeUntilEveryPartitionHas(prefix, out, 2);
            int firstOfLastBatch = nextId;
            sendBatch(prefix, 150);

            List<ConsumerRecord<byte[], byte[]>> all = out.awaitIds(sent.keySet(), Duration.ofSeconds(90));
            Map<Integer, Long> versionOf = checkEveryOutput(all, alphas);
            // the first batch was written before any update, the last after version 2 reached every subtask
            for (int id = 0; id < 150; id++) {
                assertThat(versionOf.get(id)).as("version of %d", id).isEqualTo(0L);
            }
            for (int id = firstOfLastBatch; id < nextId; id++) {
                assertThat(versionOf.get(id)).as("version of %d", id).isEqualTo(2L);
            }
            // each subtask's version only goes up, in the order of its input partition
            for (int p = 0; p < PARALLELISM; p++) {
                final int partition = p;
                List<Long> versions = sent.values().stream().filter(s -> s.partition() == partition)
                        .sorted(java.util.Comparator.comparingInt(Sent::id)).map(s -> versionOf.get(s.id())).toList();
                assertThat(versions).as("versions along partition %d", p).isSorted();
            }

            // the four bad updates: one dead letter each, nothing else in the dead-letter topic
            List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readCommitted(kafka.bootstrapServers(),
                    prefix + "-dlq", bad.size(), Duration.ofSeconds(60), Duration.ofSeconds(3));
            assertThat(dead).hasSize(bad.size());
            String[] reasons = {
                "the control record's version 1 is not above the version in force, 1",
                "version 5: the per-element alpha has 2 elements, the job's dimension is 4",
                "version 5: alpha must be finite and >= 0 for activation elu, got -0.5",
                "the control record is not valid JSON",
            };
            dead.sort(java.util.Comparator.comparingLong(r -> Long.parseLong(
                    KafkaTestSupport.header(r, DeadLetters.OFFSET_HEADER))));
            for (int i = 0; i < bad.size(); i++) {
                ConsumerRecord<byte[], byte[]> d = dead.get(i);
                assertThat(KafkaTestSupport.header(d, DeadLetters.REASON_HEADER)).contains(reasons[i]);
                KafkaTestSupport.assertProvenance(d, bad.get(i));
                assertThat(KafkaTestSupport.header(d, VERSION_HEADER)).isEqualTo("1");
            }
            assertThat(new String(dead.get(3).value(), UTF_8)).isEqualTo("not json");
        } finally {
            job.cancel().get();
        }
    }

    @Test
    void startsWithTheNewestValidUpdateOnTheControlTopicAndReadsOnFromItsEnd() throws Exception {
        String prefix = "history";
        kafka.createTopics(PARALLELISM, prefix + "-in", prefix + "-out", prefix + "-dlq");
        kafka.createTopics(1, prefix + "-control");
        sendControl(prefix, "{\"version\": 2, \"alpha\": 0.1}");
        sendControl(prefix, "{\"version\": 3, \"alpha\": [0.75, 0.5, 0.25, 1.5]}");
        sendControl(prefix, "{\"version\": 3, \"alpha\": 9.0}");
        sendControl(prefix, "garbage");

        JobConfig config = config(prefix);
        ControlTopic.Start start = ControlTopic.read(config, Duration.ofSeconds(30));
        assertThat(start.parameters().version()).isEqualTo(3);
        assertThat(start.records()).isEqualTo(4);
        assertThat(start.rejected()).hasSize(2);
        assertThat(start.rejected().get(0)).isEqualTo(prefix + "-control-0@2: the control record's version 3 is not above"
                + " the version in force, 3: versions must increase");
        assertThat(start.rejected().get(1)).contains(prefix + "-control-0@3: the control record is not valid JSON");
        assertThat(start.endOffsets()).containsExactly(Map.entry(new TopicPartition(prefix + "-control", 0), 4L));

        JobClient job = TestJobs.submitPrepared(config);
        try (OutputReader out = new OutputReader(prefix + "-out")) {
            sendBatch(prefix, 90);
            Map<Long, double[]> alphas = new HashMap<>(Map.of(3L, new double[] {0.75, 0.5, 0.25, 1.5}));
            Map<Integer, Long> versionOf = checkEveryOutput(out.awaitIds(sent.keySet(), Duration.ofSeconds(90)), alphas);
            assertThat(versionOf.values()).containsOnly(3L);
            sendControl(prefix, "{\"version\": 4, \"alpha\": 1.25}");
            alphas.put(4L, new double[] {1.25, 1.25, 1.25, 1.25});
            probeUntilEveryPartitionHas(prefix, out, 4);
            checkEveryOutput(out.awaitIds(sent.keySet(), Duration.ofSeconds(60)), alphas);
            // the history's bad records were skipped at start-up, not dead-lettered by the running job
            assertThat(KafkaTestSupport.readCommitted(kafka.bootstrapServers(), prefix + "-dlq", 1,
                    Duration.ofSeconds(3), Duration.ZERO)).isEmpty();
        } finally {
            job.cancel().get();
        }
    }

    private static JobConfig config(String prefix) {
        return TestJobs.config(kafka.bootstrapServers(), prefix, PARALLELISM, "dimension", Integer.toString(DIMENSION),
                "control-topic", prefix + "-control", "alpha", "1.0", "checkpoint-interval", "500ms");
    }

    private JobClient start(String prefix) throws Exception {
        kafka.createTopics(PARALLELISM, prefix + "-in", prefix + "-out", prefix + "-dlq");
        kafka.createTopics(1, prefix + "-control");
        return TestJobs.submitPrepared(config(prefix));
    }


    private void sendBatch(String prefix, int count) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(record(prefix, nextId % PARALLELISM));
        }
        KafkaTestSupport.produce(kafka.bootstrapServers(), records);
    }

    private ProducerRecord<byte[], byte[]> record(String prefix, int partition) {
        int id = nextId++;
        double[] x = new double[DIMENSION];
        StringBuilder json = new StringBuilder("{\"id\":" + id + ",\"features\":[");
        for (int j = 0; j < DIMENSION; j++) {
            // mostly the exponential branch, where alpha shows
            x[j] = j == 0 && id % 5 == 0 ? -0.0 : rnd.nextDouble() < 0.8 ? -rnd.nextDouble() * 6 : rnd.nextDouble();
            json.append(j == 0 ? "" : ",").append(x[j]);
        }
        json.append("]}");
        sent.put(id, new Sent(id, partition, x));
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(prefix + "-in", partition, ("k" + id).getBytes(UTF_8),
                json.toString().getBytes(UTF_8));
        r.headers().add(new RecordHeader("test-id", ByteBuffer.allocate(4).putInt(id).array()));
        return r;
    }

    private static RecordMetadata sendControl(String prefix, String value) throws Exception {
        return KafkaTestSupport.produce(kafka.bootstrapServers(),
                List.of(new ProducerRecord<>(prefix + "-control", null, value.getBytes(UTF_8)))).get(0);
    }

    /** Sends one record to each input partition until the output of each carries the version. */
    private void probeUntilEveryPartitionHas(String prefix, OutputReader out, long version) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        for (int p = 0; p < PARALLELISM; p++) {
            while (true) {
                assertThat(System.nanoTime()).as("version %d on partition %d within 90 s", version, p).isLessThan(deadline);
                int id = nextId;
                KafkaTestSupport.produce(kafka.bootstrapServers(), List.of(record(prefix, p)));
                ConsumerRecord<byte[], byte[]> r = out.awaitId(id, Duration.ofSeconds(60));
                if (Long.parseLong(KafkaTestSupport.header(r, VERSION_HEADER)) == version) {
                    break;
                }
            }
        }
    }

    /**
     * Checks every output record: exactly one per id, each number of f and f' within 2 ulp of ELU with
     * the alpha of the version in its header; returns each id's version.
     */
    private Map<Integer, Long> checkEveryOutput(List<ConsumerRecord<byte[], byte[]>> all, Map<Long, double[]> alphas)
            throws Exception {
        Map<Integer, Long> versionOf = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : all) {
            int id = ByteBuffer.wrap(r.headers().lastHeader("test-id").value()).getInt();
            long version = Long.parseLong(KafkaTestSupport.header(r, VERSION_HEADER));
            assertThat(versionOf.put(id, version)).as("record %d appears twice", id).isNull();
            double[] alpha = alphas.get(version);
            assertThat(alpha).as("record %d has version %d, which was never in force", id, version).isNotNull();
            JsonNode node = JSON.readTree(r.value());
            double[] x = sent.get(id).x();
            for (int j = 0; j < DIMENSION; j++) {
                double f = x[j] > 0 ? x[j] : alpha[j] * Math.expm1(x[j]);
                double d = x[j] > 0 ? 1.0 : alpha[j] * Math.exp(x[j]);
                String at = "record " + id + " version " + version + " x[" + j + "] = " + x[j];
                Ulps.assertWithin2Ulp(Double.parseDouble(node.get("features").get(j).asText()), f, "f, " + at);
                Ulps.assertWithin2Ulp(Double.parseDouble(node.get("derivative").get(j).asText()), d, "f', " + at);
            }
        }
        assertThat(versionOf.keySet()).isEqualTo(sent.keySet());
        return versionOf;
    }

    /** The output topic read read_committed as it grows. */
    private static final class OutputReader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        private final Map<Integer, ConsumerRecord<byte[], byte[]>> byId = new HashMap<>();

        OutputReader(String topic) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARALLELISM; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        ConsumerRecord<byte[], byte[]> awaitId(int id, Duration timeout) {
            pollUntil(b -> b.containsKey(id), timeout, "record " + id);
            return byId.get(id);
        }

        List<ConsumerRecord<byte[], byte[]>> awaitIds(java.util.Set<Integer> ids, Duration timeout) {
            pollUntil(b -> b.keySet().containsAll(ids), timeout, ids.size() + " records");
            return List.copyOf(records);
        }

        private void pollUntil(Predicate<Map<Integer, ConsumerRecord<byte[], byte[]>>> done, Duration timeout,
                String what) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(byId)) {
                assertThat(System.nanoTime()).as("%s in the output within %s", what, timeout).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    records.add(r);
                    byId.put(ByteBuffer.wrap(r.headers().lastHeader("test-id").value()).getInt(), r);
                }
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
