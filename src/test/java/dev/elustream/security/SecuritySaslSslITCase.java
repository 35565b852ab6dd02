package dev.elustream.security;

import static dev.elustream.security.SecureJobs.FAST;
import static dev.elustream.security.SecureJobs.endOffsets;
import static dev.elustream.security.SecureJobs.jobKeys;
import static dev.elustream.security.SecureJobs.nothingIn;
import static dev.elustream.security.SecureJobs.saslSsl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.job.ConfigException;
import dev.elustream.job.EluJob;
import dev.elustream.job.JobConfig;
import dev.elustream.job.TopicCheck;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.security.SecureJobs.Failure;
import dev.elustream.security.SecureJobs.Topics;
import dev.elustream.testing.EluRecords;
import dev.elustream.testing.EluRecords.Case;
import dev.elustream.testing.TestCertificates;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job through a SASL_SSL listener (SCRAM-SHA-512 over TLS, a CA made by the test): every kafka.*
 * key reaches the source and both sinks; a wrong password or an untrusted broker certificate stops
 * the job within seconds, saying authentication failed, with nothing written.
 */
class SecuritySaslSslITCase {

    private static final String USER = "elu-job";
    private static final String PASSWORD = "scram-pw-4f9c2e";

    @RegisterExtension
    static final MiniClusterExtension FLINK = SecureJobs.miniCluster();

    private static TestCertificates certs;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        certs = TestCertificates.shared();
        kafka = EmbeddedKafka.builder().saslSsl(certs.brokerTls(), Map.of(USER, PASSWORD)).start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void processesRecordsAndDeadLettersThroughSaslSslWithTheRightPassword() throws Exception {
        Topics topics = SecureJobs.topicsWithInput(kafka, "sasl-ok", 300, 5L);
        assertThat(topics.cases().stream().filter(Case::malformed).count()).isGreaterThanOrEqualTo(15);
        JobConfig config = JobConfig.fromMap(jobKeys(kafka.saslSslBootstrapServers(), topics, "sasl-ok",
                saslSsl(USER, PASSWORD, certs.caTruststore().asTruststore())));

        TopicCheck.check(config, EluJob.TOPIC_CHECK_TIMEOUT);
        SecureJobs.runBounded(config);

        // Every value bit for bit, every malformed record in the dead-letter topic with its reason:
        // the source and both producers authenticated.
        EluRecords.verify(kafka.bootstrapServers(), topics.in(), topics.out(), topics.dlq(), topics.cases(),
                topics.positions(), id -> 1.0, Duration.ofSeconds(60));
    }

    @Test
    void wrongPasswordStopsTheJobBeforeSubmissionSayingAuthenticationFailed() throws Exception {
        Topics topics = SecureJobs.topicsWithInput(kafka, "sasl-wrong-pw", 30, 6L);
        JobConfig config = JobConfig.fromMap(jobKeys(kafka.saslSslBootstrapServers(), topics, "sasl-wrong-pw",
                saslSsl(USER, "not-" + PASSWORD, certs.caTruststore().asTruststore())));

        Failure failure = SecureJobs.prepareFails(config);

        assertThat(failure.after()).isLessThan(FAST);
        assertThat(failure.error()).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("authentication failed at " + kafka.saslSslBootstrapServers() + ": ")
                .hasMessageContaining("invalid credentials with SASL mechanism SCRAM-SHA-512");
        assertThat(endOffsets(kafka, topics.out(), topics.dlq())).isEqualTo(nothingIn(topics.out(), topics.dlq()));
    }

    @Test
    void wrongPasswordFailsARunningJobWithinSecondsWithoutWritingAnything() throws Exception {
        Topics topics = SecureJobs.topicsWithInput(kafka, "sasl-wrong-pw-job", 30, 7L);
        Map<String, String> keys = jobKeys(kafka.saslSslBootstrapServers(), topics, "sasl-wrong-pw-job",
                saslSsl(USER, "not-" + PASSWORD, certs.caTruststore().asTruststore()));
        keys.put("check-topics", "false");

        Failure failure = SecureJobs.jobFails(JobConfig.fromMap(keys));

        assertThat(failure.after()).isLessThan(FAST);
        assertThat(failure.chain()).contains("SaslAuthenticationException",
                "invalid credentials with SASL mechanism SCRAM-SHA-512");
        assertThat(endOffsets(kafka, topics.out(), topics.dlq())).isEqualTo(nothingIn(topics.out(), topics.dlq()));
    }

    @Test
    void untrustedBrokerCertificateStopsTheJobBeforeSubmissionSayingTheHandshakeFailed() throws Exception {
        Topics topics = SecureJobs.topicsWithInput(kafka, "sasl-untrusted", 30, 8L);
        JobConfig config = JobConfig.fromMap(jobKeys(kafka.saslSslBootstrapServers(), topics, "sasl-untrusted",
                saslSsl(USER, PASSWORD, certs.untrustedCaTruststore().asTruststore())));

        Failure failure = SecureJobs.prepareFails(config);

        assertThat(failure.after()).isLessThan(FAST);
        assertThat(failure.error()).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("authentication failed at " + kafka.saslSslBootstrapServers()
                        + ": SSL handshake failed: the broker's certificate is not signed by a CA in"
                        + " kafka.ssl.truststore.*");
        assertThat(endOffsets(kafka, topics.out(), topics.dlq())).isEqualTo(nothingIn(topics.out(), topics.dlq()));
    }

    @Test
    void untrustedBrokerCertificateFailsARunningJobWithinSecondsWithoutWritingAnything() throws Exception {
        Topics topics = SecureJobs.topicsWithInput(kafka, "sasl-untrusted-job", 30, 9L);
        Map<String, String> keys = jobKeys(kafka.saslSslBootstrapServers(), topics, "sasl-untrusted-job",
                saslSsl(USER, PASSWORD, certs.untrustedCaTruststore().asTruststore()));
        keys.put("check-topics", "false");

        Failure failure = SecureJobs.jobFails(JobConfig.fromMap(keys));

        assertThat(failure.after()).isLessThan(FAST);
        assertThat(failure.chain()).contains("SslAuthenticationException", "SSL handshake failed",
                "PKIX path building failed");
        assertThat(endOffsets(kafka, topics.out(), topics.dlq())).isEqualTo(nothingIn(topics.out(), topics.dlq()));
    }
}
