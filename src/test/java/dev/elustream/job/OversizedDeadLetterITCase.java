package dev.elustream.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.flink.DeadLetters;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.TestJobs;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A rejected value just under the broker's default limit: with the elu.error.* headers its dead
 * letter would exceed the producer's max.request.size and fail the sink on every restart. It is
 * dead-lettered without its value instead, and the job goes on.
 */
class OversizedDeadLetterITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1).build());

    @Test
    void deadLettersANearLimitValueWithoutItsValueAndCarriesOn() throws Exception {
        // Default broker and producer limits (about 1 MiB).
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0)) {
            kafka.createTopics(1, "big-in", "big-out", "big-dlq");
            byte[] whitespace = new byte[1_048_400];
            Arrays.fill(whitespace, (byte) ' ');
            KafkaTestSupport.produce(kafka.bootstrapServers(), List.of(
                    new ProducerRecord<>("big-in", "big".getBytes(UTF_8), whitespace),
                    new ProducerRecord<>("big-in", "small".getBytes(UTF_8), "{\"features\":[-1]}".getBytes(UTF_8))));

            JobConfig config = TestJobs.config(kafka.bootstrapServers(), "big", 1);
            StreamExecutionEnvironment env = TestJobs.environment(config);
            TestJobs.build(env, config, TestJobs.boundedSource(config));
            env.execute(); // with restarts disabled, a failing sink fails this

            List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readToEnd(
                    kafka.bootstrapServers(), "big-dlq", Duration.ofSeconds(60));
            assertThat(dead).singleElement().satisfies(r -> {
                assertThat(r.key()).isEqualTo("big".getBytes(UTF_8));
                assertThat(r.value()).isEmpty();
                assertThat(new String(r.headers().lastHeader(DeadLetters.VALUE_DROPPED_HEADER).value(), UTF_8))
                        .isEqualTo("1048400");
                assertThat(new String(r.headers().lastHeader(DeadLetters.REASON_HEADER).value(), UTF_8))
                        .isEqualTo("value is not valid JSON: only whitespace, no JSON value (the value, 1048400 bytes,"
                                + " is left out of this dead letter: it would be larger than the dead-letter producer's"
                                + " max.request.size)");
            });
            assertThat(KafkaTestSupport.readToEnd(kafka.bootstrapServers(), "big-out", Duration.ofSeconds(60)))
                    .singleElement().satisfies(r -> assertThat(new String(r.value(), UTF_8))
                            .isEqualTo("{\"features\":[" + Math.expm1(-1.0) + "],\"derivative\":[" + Math.exp(-1.0) + "]}"));
        }
    }
}
