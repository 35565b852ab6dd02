package dev.elustream.security;

import static dev.elustream.security.SecureJobs.FAST;
import static dev.elustream.security.SecureJobs.endOffsets;
import static dev.elustream.security.SecureJobs.jobKeys;
import static dev.elustream.security.SecureJobs.nothingIn;
import static dev.elustream.security.SecureJobs.ssl;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.job.ConfigException;
import dev.elustream.job.EluJob;
import dev.elustream.job.JobConfig;
import dev.elustream.job.TopicCheck;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.security.SecureJobs.Failure;
import dev.elustream.security.SecureJobs.Topics;
import dev.elustream.testing.EluRecords;
import dev.elustream.testing.TestCertificates;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job through an SSL listener that requires a client certificate (mutual TLS): with a key store
 * holding a certificate the broker's CA signed, records flow; without one, the job stops within
 * seconds, saying authentication failed, with nothing written.
 */
class SecurityMutualTlsITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = SecureJobs.miniCluster();

    private static TestCertificates certs;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        certs = TestCertificates.shared();
        kafka = EmbeddedKafka.builder().mutualTls(certs.brokerTls()).start();
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void processesRecordsAndDeadLettersWithAClientCertificate() throws Exception {
        Topics topics = SecureJobs.topicsWithInput(kafka, "mtls-ok", 150, 15L);
        Map<String, String> client = ssl(certs.caTruststore().asTruststore(), certs.clientKeystore().asKeystore());
        client.put("ssl.key.password", certs.clientKeystore().password());
        JobConfig config = JobConfig.fromMap(jobKeys(kafka.mutualTlsBootstrapServers(), topics, "mtls-ok", client));

        TopicCheck.check(config, EluJob.TOPIC_CHECK_TIMEOUT);
        SecureJobs.runBounded(config);

        EluRecords.verify(kafka.bootstrapServers(), topics.in(), topics.out(), topics.dlq(), topics.cases(),
                topics.positions(), id -> 1.0, Duration.ofSeconds(60));
    }

    @Test
    void missingClientCertificateStopsTheJobBeforeSubmissionSayingAuthenticationFailed() throws Exception {
        Topics topics = SecureJobs.topicsWithInput(kafka, "mtls-no-cert", 30, 16L);
        JobConfig config = JobConfig.fromMap(jobKeys(kafka.mutualTlsBootstrapServers(), topics, "mtls-no-cert",
                ssl(certs.caTruststore().asTruststore())));

        Failure failure = SecureJobs.prepareFails(config);

        assertThat(failure.after()).isLessThan(FAST);
        assertThat(failure.error()).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("authentication failed at " + kafka.mutualTlsBootstrapServers()
                        + ": SSL handshake failed: the broker requires a client certificate it trusts: check"
                        + " kafka.ssl.keystore.*");
        assertThat(endOffsets(kafka, topics.out(), topics.dlq())).isEqualTo(nothingIn(topics.out(), topics.dlq()));
    }

    @Test
    void missingClientCertificateFailsARunningJobWithinSecondsWithoutWritingAnything() throws Exception {
        Topics topics = SecureJobs.topicsWithInput(kafka, "mtls-no-cert-job", 30, 17L);
        Map<String, String> keys = jobKeys(kafka.mutualTlsBootstrapServers(), topics, "mtls-no-cert-job",
                ssl(certs.caTruststore().asTruststore()));
        keys.put("check-topics", "false");

        Failure failure = SecureJobs.jobFails(JobConfig.fromMap(keys));

        assertThat(failure.after()).isLessThan(FAST);
        // TLS 1.3: the broker rejects the missing certificate after the client's side of the handshake.
        assertThat(failure.chain()).contains("SslAuthenticationException", "Received fatal alert: bad_certificate");
        assertThat(endOffsets(kafka, topics.out(), topics.dlq())).isEqualTo(nothingIn(topics.out(), topics.dlq()));
    }
}
