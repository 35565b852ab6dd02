package dev.elustream.job;

import static dev.elustream.codec.HostileCorpusTest.Outcome.ACCEPT;
import static dev.elustream.codec.HostileCorpusTest.Outcome.REJECT;
import static dev.elustream.codec.HostileCorpusTest.Outcome.TOO_LARGE_OUTPUT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.codec.HostileCorpusTest.Case;
import dev.elustream.codec.HostileCorpusTest.Corpus;
import dev.elustream.codec.OutputMode;
import dev.elustream.flink.DeadLetters;
import dev.elustream.flink.EluSettings;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.TestJobs;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The hostile-input corpus ({@code src/test/resources/hostile/}) through the whole job on a real Kafka
 * broker, restarts disabled: each case lands once in the output topic with its exact bytes or once in
 * the dead-letter topic with its original bytes and its reason, and the job finishes in its first
 * attempt.
 */
class HostileInputITCase {

    private static final int PARALLELISM = 3;
    private static final String IN = "hostile-in";
    private static final String OUT = "hostile-out";
    private static final String DLQ = "hostile-dlq";

    /** What EluFunction says of an output above the output producer's max.request.size. */
    private static final Pattern TOO_LARGE_REASON = Pattern.compile("output record would be (\\d+) bytes, above the"
            + " output producer's max\\.request\\.size \\(1048576\\); send shorter vectors or raise"
            + " kafka\\.max\\.request\\.size and the output topic's max\\.message\\.bytes");

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(PARALLELISM)
            .build());

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        // Room on the broker for the 1 MB values and their batches; the job's producers keep their
        // default max.request.size (1 MiB), which is what the too-large case is about.
        kafka = EmbeddedKafka.start(0, Map.of("message.max.bytes", Integer.toString(4 * 1024 * 1024)));
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void routesEveryHostileCaseOnceToTheOutputOrTheDeadLetterTopicWithoutARestart(
            @InjectMiniCluster MiniCluster miniCluster) throws Exception {
        // The cases with job keys of their own (vector-fields) need jobs of their own: the codec test runs them.
        List<Case> corpus = Corpus.load().stream().filter(c -> c.keys().isEmpty()).toList();
        kafka.createTopics(PARALLELISM, IN, OUT, DLQ);
        long baseTimestamp = System.currentTimeMillis() - 3_600_000L;
        List<ProducerRecord<byte[], byte[]>> produced = new ArrayList<>();
        for (int id = 0; id < corpus.size(); id++) {
            List<Header> headers = new ArrayList<>();
            headers.add(new RecordHeader("test-id", ByteBuffer.allocate(4).putInt(id).array()));
            if (id % 2 == 0) {
                headers.add(new RecordHeader("trace", ("t-" + id).getBytes(UTF_8)));
            }
            produced.add(new ProducerRecord<>(IN, null, baseTimestamp + id, corpus.get(id).name().getBytes(UTF_8),
                    corpus.get(id).value(), headers));
        }
        List<RecordMetadata> positions = KafkaTestSupport.produce(kafka.bootstrapServers(), produced);

        JobConfig config = JobConfig.fromMap(Map.of(
                "bootstrap-servers", kafka.bootstrapServers(),
                "input-topic", IN,
                "output-topic", OUT,
                "dead-letter-topic", DLQ,
                "group-id", "hostile-group",
                "starting-offsets", "earliest",
                "checkpoint-interval", "1s",
                "transactional-id-prefix", "hostile",
                "parallelism", Integer.toString(PARALLELISM)));
        // The corpus's expectations are for the job's defaults.
        assertThat(config.eluSettings()).isEqualTo(new EluSettings(1.0, OutputMode.BOTH, 0, 65536,
                EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES));
        TopicCheck.check(config, Duration.ofSeconds(10));

        StreamExecutionEnvironment env = TestJobs.environment(config);
        TestJobs.build(env, config, TestJobs.boundedSource(config));
        // With restarts disabled, any failure a record caused ends the job and throws here.
        JobExecutionResult result = env.execute(config.jobName());

        AccessExecutionGraph graph = miniCluster.getExecutionGraph(result.getJobID()).get();
        assertThat(graph.getState()).isEqualTo(JobStatus.FINISHED);
        assertThat(graph.getStatusTimestamp(JobStatus.RESTARTING)).as("time the job restarted").isZero();
        for (AccessExecutionVertex vertex : graph.getAllExecutionVertices()) {
            assertThat(vertex.getCurrentExecutionAttempt().getAttemptNumber())
                    .as("attempt of %s", vertex.getTaskNameWithSubtaskIndex()).isZero();
        }

        long expectedOut = corpus.stream().filter(c -> c.outcome() == ACCEPT).count();
        List<ConsumerRecord<byte[], byte[]>> out = KafkaTestSupport.readCommitted(
                kafka.bootstrapServers(), OUT, (int) expectedOut, Duration.ofSeconds(60), Duration.ofSeconds(2));
        List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readCommitted(kafka.bootstrapServers(), DLQ,
                corpus.size() - (int) expectedOut, Duration.ofSeconds(60), Duration.ofSeconds(2));

        Map<Integer, ConsumerRecord<byte[], byte[]>> seen = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            int id = testId(r);
            Case c = corpus.get(id);
            assertThat(seen.put(id, r)).as("%s appears twice", c).isNull();
            assertThat(c.outcome()).as("%s is in the output topic", c).isEqualTo(ACCEPT);
            assertSameBytes("output of " + c, r.value(), c.output());
            assertKeyTimestampAndHeaders(r, produced.get(id), List.of());
        }
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            int id = testId(r);
            Case c = corpus.get(id);
            String reason = header(r, DeadLetters.REASON_HEADER);
            assertThat(seen.put(id, r)).as("%s appears twice", c).isNull();
            assertThat(c.outcome()).as("%s is a dead letter: %s", c, reason).isIn(REJECT, TOO_LARGE_OUTPUT);
            assertSameBytes("dead letter of " + c, r.value(), c.value());
            assertKeyTimestampAndHeaders(r, produced.get(id), List.of(DeadLetters.REASON_HEADER,
                    DeadLetters.TOPIC_HEADER, DeadLetters.PARTITION_HEADER, DeadLetters.OFFSET_HEADER));
            if (c.outcome() == REJECT) {
                assertThat(reason).as("reason for %s", c).isEqualTo(c.reason());
            } else {
                Matcher m = TOO_LARGE_REASON.matcher(reason);
                assertThat(m.matches()).as("reason for %s: %s", c, reason).isTrue();
                // The producer's estimate: the value, the key and the headers, and a little framing.
                assertThat(Long.parseLong(m.group(1))).as("size named for %s", c)
                        .isGreaterThan(EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES)
                        .isBetween((long) c.output().length, c.output().length + 1024L);
            }
            assertThat(header(r, DeadLetters.TOPIC_HEADER)).isEqualTo(IN);
            assertThat(header(r, DeadLetters.PARTITION_HEADER)).isEqualTo(Integer.toString(positions.get(id).partition()));
            assertThat(header(r, DeadLetters.OFFSET_HEADER)).isEqualTo(Long.toString(positions.get(id).offset()));
        }
        // In = out + dead letters: every case once, in the topic its outcome names.
        assertThat(IntStream.range(0, corpus.size()).filter(id -> !seen.containsKey(id)).mapToObj(corpus::get))
                .as("cases in neither topic").isEmpty();
        assertThat(out).hasSize((int) expectedOut);
        assertThat(out.size() + dead.size()).isEqualTo(corpus.size());
    }

    private static void assertSameBytes(String what, byte[] actual, byte[] expected) {
        // Values of up to 3 MB: compare them whole, but print only their sizes and first bytes.
        assertThat(Arrays.equals(actual, expected)).as(() -> String.format("%s: %d bytes, %s...; expected %d bytes, %s...",
                what, actual.length, head(actual), expected.length, head(expected))).isTrue();
    }

    private static String head(byte[] bytes) {
        return new String(bytes, 0, Math.min(bytes.length, 120), UTF_8);
    }

    private static void assertKeyTimestampAndHeaders(ConsumerRecord<byte[], byte[]> r,
            ProducerRecord<byte[], byte[]> produced, List<String> appended) {
        String name = new String(produced.key(), UTF_8);
        assertThat(r.key()).as("key of %s", name).isEqualTo(produced.key());
        assertThat(r.timestamp()).as("timestamp of %s", name).isEqualTo(produced.timestamp());
        Header[] sent = produced.headers().toArray();
        Header[] actual = r.headers().toArray();
        assertThat(actual).as("headers of %s", name).hasSize(sent.length + appended.size());
        for (int i = 0; i < sent.length; i++) {
            assertThat(actual[i].key()).isEqualTo(sent[i].key());
            assertThat(actual[i].value()).isEqualTo(sent[i].value());
        }
        for (int i = 0; i < appended.size(); i++) {
            assertThat(actual[sent.length + i].key()).isEqualTo(appended.get(i));
        }
    }

    private static int testId(ConsumerRecord<byte[], byte[]> r) {
        return ByteBuffer.wrap(r.headers().lastHeader("test-id").value()).getInt();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), UTF_8);
    }
}
