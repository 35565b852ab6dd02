package dev.elustream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.launcher.EmbeddedKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the job checks against the real brokers before it is submitted. */
class StartupChecksITCase {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        // A broker that allows transactions of one minute at most.
        kafka = EmbeddedKafka.start(0, Map.of("transaction.max.timeout.ms", "60000"));
        kafka.createTopics(1, "in", "out", "dlq");
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static JobConfig config(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap-servers", kafka.bootstrapServers());
        m.put("input-topic", "in");
        m.put("output-topic", "out");
        m.put("dead-letter-topic", "dlq");
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return JobConfig.fromMap(m);
    }

    @Test
    void refusesATransactionTimeoutAboveTheBrokersMaximum() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> TransactionCheck.check(config("transaction-timeout", "2min"), Duration.ofSeconds(15)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("transaction-timeout (2 min) is above broker 1's transaction.max.timeout.ms (1 min):"
                        + " lower transaction-timeout, or raise the brokers' transaction.max.timeout.ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void acceptsATransactionTimeoutWithinTheBrokersMaximum() {
        TransactionCheck.check(config("transaction-timeout", "1min"), Duration.ofSeconds(15));
    }

    @Test
    void atLeastOnceHasNoTransactionsToCheck() {
        TransactionCheck.check(config("transaction-timeout", "2min", "delivery-guarantee", "at-least-once"),
                Duration.ofSeconds(15));
    }

    @Test
    void refusesMissingTopicsNamingThem() {
        assertThatThrownBy(() -> TopicCheck.check(config("output-topic", "nope", "dead-letter-topic", "nada"),
                Duration.ofSeconds(10)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("topics nope, nada do not exist on " + kafka.bootstrapServers()
                        + ": create them first (or fix input-topic, output-topic, dead-letter-topic)");
    }
}
