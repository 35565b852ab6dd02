package dev.elustream.security;

import static dev.elustream.security.SecureJobs.FAST;
import static dev.elustream.security.SecureJobs.endOffsets;
import static dev.elustream.security.SecureJobs.jobKeys;
import static dev.elustream.security.SecureJobs.nothingIn;
import static dev.elustream.security.SecureJobs.saslSsl;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.job.ConfigException;
import dev.elustream.job.JobConfig;
import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.security.ReadmeAcls.Acl;
import dev.elustream.security.ReadmeAcls.Group;
import dev.elustream.security.SecureJobs.Failure;
import dev.elustream.security.SecureJobs.Topics;
import dev.elustream.testing.EluRecords;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.TestCertificates;
import dev.elustream.testing.TestJobs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The job's principals on a broker with Kafka's StandardAuthorizer (SCRAM-SHA-512 users on a SASL_SSL
 * listener, the test administering through PLAINTEXT as a super user), each with ACLs read from README
 * "Least privilege": with exactly those, an exactly-once job with a control topic and an at-least-once
 * job transform every record; without any one of them, or with DESCRIBE in place of its READ or WRITE,
 * the job is refused before submission with a message that names the operation and the resource, and
 * writes nothing. Topic names come only from the job file: a job file pointing at a topic its principal
 * may not write is refused, and with the check off the running job fails within seconds, writing nothing there.
 */
class LeastPrivilegeITCase {

    private static final String PASSWORD = "scram-pw-7d31a0";
    private static final String SECRET_TOPIC = "someone-elses-topic";

    @RegisterExtension
    static final MiniClusterExtension FLINK = SecureJobs.miniCluster();

    private static TestCertificates certs;
    private static EmbeddedKafka kafka;
    /** The topics of User:elu-other-job, which may read oth-in and write oth-out and oth-dlq. */
    private static Topics other;

    /** One run that the start-up check must refuse: a principal with README's ACLs but one. */
    record Refusal(String user, Acl acl, boolean describeInstead, String expected) {
        @Override
        public String toString() {
            return (describeInstead ? "DESCRIBE instead of " : "without ") + acl;
        }
    }

    @BeforeAll
    static void startKafka() throws Exception {
        certs = TestCertificates.shared();
        Map<String, String> users = new LinkedHashMap<>();
        for (String u : List.of("elu", "elu-alo", "elu-other-job")) {
            users.put(u, PASSWORD);
        }
        refusals().forEach(r -> users.put(r.user(), PASSWORD));
        kafka = EmbeddedKafka.builder()
                .saslSsl(certs.brokerTls(), users)
                .brokerOverrides(Map.of(
                        "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                        // the PLAINTEXT listener (the test's admin, the broker itself) is User:ANONYMOUS
                        "super.users", "User:ANONYMOUS",
                        "allow.everyone.if.no.acl.found", "false"))
                .start();

        List<Acl> readme = ReadmeAcls.read();
        List<AclBinding> bindings = new ArrayList<>();
        bindings.addAll(grant("User:elu", readme, names("lp"), Group.values()));
        bindings.addAll(grant("User:elu-alo", readme, names("alo"), Group.EVERY_JOB));
        bindings.addAll(grant("User:elu-other-job", readme, names("oth"), Group.EVERY_JOB, Group.EXACTLY_ONCE));
        for (Refusal r : refusals().toList()) {
            for (Acl a : readme) {
                if (!a.equals(r.acl())) {
                    bindings.add(a.forPrincipal("User:" + r.user(), names("acl")));
                } else if (r.describeInstead()) {
                    bindings.add(a.withOperation("User:" + r.user(), names("acl"), AclOperation.DESCRIBE));
                }
            }
        }
        try (Admin admin = kafka.admin()) {
            admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
            awaitAcls(admin, bindings.size());
        }
        kafka.createTopics(SecureJobs.PARTITIONS, "acl-in", "acl-out", "acl-dlq", SECRET_TOPIC);
        kafka.createTopics(1, "acl-control");
        other = SecureJobs.topicsWithInput(kafka, "oth", 30, 23L);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void readmeListsEveryAclThisTestExpects() throws IOException {
        assertThat(ReadmeAcls.read()).map(a -> a.group() + ": " + a).containsExactly(
                "EVERY_JOB: READ on topic features",
                "EVERY_JOB: READ on group elu-stream-features",
                "EVERY_JOB: WRITE on topic features-elu",
                "EVERY_JOB: WRITE on topic features-dlq",
                "EXACTLY_ONCE: WRITE on transactional_id elu-stream-features (prefixed)",
                "EXACTLY_ONCE: DESCRIBE_CONFIGS on the cluster",
                "CONTROL_TOPIC: READ on topic features-control");
    }

    @Test
    void exactlyOnceJobWithAControlTopicTransformsEveryRecordWithExactlyTheReadmeAcls() throws Exception {
        Topics topics = SecureJobs.topicsWithInput(kafka, "lp", 200, 21L);
        kafka.createTopics(1, "lp-control");
        KafkaTestSupport.produce(kafka.bootstrapServers(), List.of(new ProducerRecord<>("lp-control", null,
                "{\"version\": 1, \"alpha\": 0.5}".getBytes(UTF_8))));
        Map<String, String> keys = jobKeys(kafka.saslSslBootstrapServers(), topics, "lp", client("elu"));
        keys.put("control-topic", "lp-control");
        // the default: the source reads the group's committed offsets first (DESCRIBE on the group)
        keys.put("starting-offsets", "committed");

        JobClient job = TestJobs.submitPrepared(JobConfig.fromMap(keys));
        try {
            // alpha 0.5 on every record: the update was read from the control topic at submission
            EluRecords.verify(kafka.bootstrapServers(), topics.in(), topics.out(), topics.dlq(), topics.cases(),
                    topics.positions(), (id, element, r) -> 0.5, List.of("elu.params.version"), Duration.ofSeconds(90));
            awaitCommittedToEnd("lp-group", topics);
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void atLeastOnceJobNeedsNoTransactionalIdAndNoClusterAcl() throws Exception {
        Topics topics = SecureJobs.topicsWithInput(kafka, "alo", 200, 22L);
        Map<String, String> keys = jobKeys(kafka.saslSslBootstrapServers(), topics, "alo", client("elu-alo"));
        keys.put("delivery-guarantee", "at-least-once");

        JobClient job = TestJobs.submitPrepared(JobConfig.fromMap(keys));
        try {
            // no failure, so no duplicate either; its idempotent producers need no IDEMPOTENT_WRITE
            EluRecords.verify(kafka.bootstrapServers(), topics.in(), topics.out(), topics.dlq(), topics.cases(),
                    topics.positions(), id -> 1.0, Duration.ofSeconds(90));
            awaitCommittedToEnd("alo-group", topics);
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    static Stream<Refusal> refusals() {
        List<Acl> readme;
        try {
            readme = ReadmeAcls.read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Refusal> cases = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            Acl a = readme.get(i);
            cases.add(new Refusal("elu-without-" + i, a, false, expectedRefusal(a, false)));
            if (a.operation() == AclOperation.READ || a.operation() == AclOperation.WRITE) {
                cases.add(new Refusal("elu-describe-" + i, a, true, expectedRefusal(a, true)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesBeforeSubmissionNamingTheMissingOperationAndResource(Refusal refusal) throws Exception {
        Topics topics = new Topics("acl-in", "acl-out", "acl-dlq", List.of(), Map.of());
        Map<String, String> keys = jobKeys(kafka.saslSslBootstrapServers(), topics, "acl", client(refusal.user()));
        keys.put("control-topic", "acl-control");

        Failure failure = SecureJobs.prepareFails(JobConfig.fromMap(keys));

        assertThat(failure.error()).isInstanceOf(ConfigException.class).hasMessage(refusal.expected());
        assertThat(failure.after()).isLessThan(FAST);
        assertThat(endOffsets(kafka, topics.out(), topics.dlq())).isEqualTo(nothingIn(topics.out(), topics.dlq()));
        try (Admin admin = kafka.admin()) {
            // the group's check commits nothing
            assertThat(admin.listConsumerGroupOffsets("acl-group").partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS)).isEmpty();
        }
    }

    @Test
    void refusesAJobFileWhoseOutputIsATopicThePrincipalMayNotWrite() throws Exception {
        Map<String, String> keys = jobKeys(kafka.saslSslBootstrapServers(), other, "oth", client("elu-other-job"));
        keys.put("output-topic", SECRET_TOPIC);

        Failure failure = SecureJobs.prepareFails(JobConfig.fromMap(keys));

        assertThat(failure.error()).isInstanceOf(ConfigException.class).hasMessage("the job's principal may not WRITE"
                + " topic " + SECRET_TOPIC + " (it needs WRITE and DESCRIBE on the output topic; Kafka does not say"
                + " whether a topic exists to a principal that may not DESCRIBE it: check output-topic too);"
                + " README \"Least privilege\" lists the ACLs the job needs");
        assertThat(failure.after()).isLessThan(FAST);
        assertThat(endOffsets(kafka, SECRET_TOPIC)).isEqualTo(nothingIn(SECRET_TOPIC));
    }

    @Test
    void withTheCheckOffAJobWritingToSuchATopicFailsWithinSecondsWritingNothingThere() throws Exception {
        // the principal's own input, group, dead-letter topic and transactional ids; only the output is not its own
        Map<String, String> keys = jobKeys(kafka.saslSslBootstrapServers(), other, "oth", client("elu-other-job"));
        keys.put("output-topic", SECRET_TOPIC);
        keys.put("check-topics", "false");

        // restarts off, as a bounded restart strategy would end it; Flink's default restarts it for ever
        Failure failure = SecureJobs.failure(() -> TestJobs.submitPrepared(JobConfig.fromMap(keys)).getJobExecutionResult().get());

        assertThat(failure.after()).isLessThan(FAST);
        assertThat(failure.chain()).contains("TopicAuthorizationException: Not authorized to access topics: ["
                + SECRET_TOPIC + "]");
        assertThat(endOffsets(kafka, SECRET_TOPIC)).isEqualTo(nothingIn(SECRET_TOPIC));
    }

    /** The message of the start-up check for a principal without this README ACL, or with DESCRIBE instead. */
    private static String expectedRefusal(Acl acl, boolean describeInstead) {
        String unknown = describeInstead ? "" : "; Kafka does not say whether a topic exists to a principal that may not"
                + " DESCRIBE it: check %s too";
        String missing = switch (acl.type() + ":" + acl.name()) {
            case "TOPIC:features" -> "may not READ topic acl-in (it needs READ and DESCRIBE on the input topic"
                    + unknown.formatted("input-topic") + ")";
            case "GROUP:elu-stream-features" -> "may not READ group acl-group (it needs READ and DESCRIBE on the"
                    + " consumer group, group-id, to commit offsets on checkpoints)";
            case "TOPIC:features-elu" -> "may not WRITE topic acl-out (it needs WRITE and DESCRIBE on the output topic"
                    + unknown.formatted("output-topic") + ")";
            case "TOPIC:features-dlq" -> "may not WRITE topic acl-dlq (it needs WRITE and DESCRIBE on the dead-letter"
                    + " topic" + unknown.formatted("dead-letter-topic") + ")";
            case "TRANSACTIONAL_ID:elu-stream-features" -> "may not WRITE transactional id acl-output-access-check"
                    + " (exactly-once needs WRITE and DESCRIBE on the transactional ids that start with"
                    + " transactional-id-prefix acl) and may not WRITE transactional id acl-dead-letter-access-check"
                    + " (exactly-once needs WRITE and DESCRIBE on the transactional ids that start with"
                    + " transactional-id-prefix acl)";
            case "CLUSTER:kafka-cluster" -> "may not DESCRIBE_CONFIGS the cluster (the exactly-once start-up check"
                    + " reads the brokers' transaction.max.timeout.ms to check transaction-timeout)";
            case "TOPIC:features-control" -> "may not READ topic acl-control (it needs READ and DESCRIBE on the control"
                    + " topic" + unknown.formatted("control-topic") + ")";
            default -> throw new IllegalStateException("README lists an ACL this test does not know: " + acl);
        };
        return "the job's principal " + missing + "; README \"Least privilege\" lists the ACLs the job needs";
    }

    /** README's names for jobs/features-elu.properties, mapped to a test job's (as SecureJobs names them). */
    private static Map<String, String> names(String prefix) {
        return Map.of(
                ResourceType.TOPIC + ":features", prefix + "-in",
                ResourceType.TOPIC + ":features-elu", prefix + "-out",
                ResourceType.TOPIC + ":features-dlq", prefix + "-dlq",
                ResourceType.TOPIC + ":features-control", prefix + "-control",
                ResourceType.GROUP + ":elu-stream-features", prefix + "-group",
                ResourceType.TRANSACTIONAL_ID + ":elu-stream-features", prefix);
    }

    private static List<AclBinding> grant(String principal, List<Acl> readme, Map<String, String> names, Group... groups) {
        List<Group> wanted = List.of(groups);
        return readme.stream().filter(a -> wanted.contains(a.group())).map(a -> a.forPrincipal(principal, names)).toList();
    }

    /** Until the broker's authorizer has every ACL: the controller commits them before the broker applies them. */
    private static void awaitAcls(Admin admin, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (admin.describeAcls(AclBindingFilter.ANY).values().get(10, TimeUnit.SECONDS).size() < count) {
            assertThat(System.nanoTime()).as("%d ACLs in the broker's authorizer within 30 s", count).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static Map<String, String> client(String user) {
        return saslSsl(user, PASSWORD, certs.caTruststore().asTruststore());
    }

    /** Until the group's committed offsets reach the input's end: the job's commits on checkpoints went through. */
    private static void awaitCommittedToEnd(String group, Topics topics) throws Exception {
        long end = endOffsets(kafka, topics.in()).get(topics.in());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Admin admin = kafka.admin()) {
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                if (committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum() == end) {
                    return;
                }
                assertThat(System.nanoTime()).as("offsets of %s committed up to %d within 30 s, at %s", group, end,
                        committed).isLessThan(deadline);
                Thread.sleep(200);
            }
        }
    }
}
