package dev.elustream.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.annotation.Nullable;
import javax.net.ssl.SSLException;
import org.apache.flink.connector.kafka.source.KafkaSourceOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, before a job is submitted, that Kafka answers, that the job's topics exist (three, four with a control topic)
 * and that the job's principal may read and write them and commit offsets to its consumer group: otherwise a running
 * job would retry for ever and look like a silent hang.
 */
public final class TopicCheck {

    private static final Logger LOG = LoggerFactory.getLogger(TopicCheck.class);

    private TopicCheck() {}

    /** What the job does with a topic, the key that names it and the operation that needs. */
    enum Role {
        INPUT(JobConfig.INPUT_TOPIC, "input topic", AclOperation.READ),
        OUTPUT(JobConfig.OUTPUT_TOPIC, "output topic", AclOperation.WRITE),
        DEAD_LETTER(JobConfig.DEAD_LETTER_TOPIC, "dead-letter topic", AclOperation.WRITE),
        CONTROL(JobConfig.CONTROL_TOPIC, "control topic", AclOperation.READ);

        final String key;
        final String what;
        final AclOperation operation;

        Role(String key, String what, AclOperation operation) {
            this.key = key;
            this.what = what;
            this.operation = operation;
        }

        /**
         * What the principal lacks on this topic, given the operations Kafka says it may perform on it
         * ({@code null}: a broker too old to say, or a principal that may not even DESCRIBE the topic when
         * {@code describable} is false).
         */
        Optional<MissingAcl> missing(String topic, boolean describable, @Nullable Set<AclOperation> authorized) {
            String need = "it needs " + operation + " and DESCRIBE on the " + what;
            if (!describable) {
                // Kafka answers "not authorized" for a topic the principal may not DESCRIBE, whether it exists or not.
                return Optional.of(new MissingAcl(operation.name(), "topic " + topic, need
                        + "; Kafka does not say whether a topic exists to a principal that may not DESCRIBE it:"
                        + " check " + key + " too"));
            }
            if (authorized == null || authorized.contains(operation)) {
                return Optional.empty();
            }
            return Optional.of(new MissingAcl(operation.name(), "topic " + topic, need));
        }
    }

    /**
     * @throws ConfigException naming the broker, the topic or the failure when the job cannot run
     */
    public static void check(JobConfig config, Duration timeout) {
        Properties props = config.kafkaClientProperties();
        int ms = (int) timeout.toMillis();
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(ms));
        props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(ms));
        props.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, config.groupId() + "-topic-check");
        try (Admin admin = Admin.create(props)) {
            get(admin.describeCluster().nodes(), config, timeout);
            Map<String, Role> topics = new LinkedHashMap<>();
            topics.put(config.inputTopic(), Role.INPUT);
            topics.put(config.outputTopic(), Role.OUTPUT);
            topics.put(config.deadLetterTopic(), Role.DEAD_LETTER);
            config.controlTopic().ifPresent(t -> topics.put(t, Role.CONTROL));
            Map<String, KafkaFuture<TopicDescription>> futures = admin.describeTopics(topics.keySet(),
                    new DescribeTopicsOptions().includeAuthorizedOperations(true)).topicNameValues();
            List<String> missing = new ArrayList<>();
            List<MissingAcl> denied = new ArrayList<>();
            boolean inputReadable = true;
            for (Map.Entry<String, Role> e : topics.entrySet()) {
                String topic = e.getKey();
                Optional<MissingAcl> lacks;
                try {
                    TopicDescription d = get(futures.get(topic), config, timeout);
                    lacks = e.getValue().missing(topic, true, d.authorizedOperations());
                } catch (ConfigException x) {
                    if (x.getCause() instanceof UnknownTopicOrPartitionException) {
                        missing.add(topic);
                        continue;
                    }
                    if (!(x.getCause() instanceof TopicAuthorizationException)) {
                        throw x;
                    }
                    lacks = e.getValue().missing(topic, false, null);
                }
                lacks.ifPresent(denied::add);
                inputReadable &= e.getValue() != Role.INPUT || lacks.isEmpty();
            }
            if (!missing.isEmpty()) {
                throw new ConfigException("topic" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                        + " do" + (missing.size() > 1 ? "" : "es") + " not exist on " + config.bootstrapServers()
                        + ": create " + (missing.size() > 1 ? "them" : "it")
                        + " first (or fix input-topic, output-topic, dead-letter-topic"
                        + (config.controlTopic().isPresent() ? ", control-topic" : "") + ")");
            }
            if (inputReadable) {
                // The group's check commits to the input topic, which needs READ on it too.
                groupAccess(admin, config, timeout).ifPresent(denied::add);
            }
            if (!denied.isEmpty()) {
                throw MissingAcl.refusal(denied);
            }
        } catch (RuntimeException e) {
            if (e instanceof ConfigException) {
                throw e;
            }
            throw new ConfigException("cannot check the topics on " + config.bootstrapServers() + ": " + e, e);
        }
    }

    /**
     * Whether the principal may do with the job's consumer group what the source does: commit offsets on
     * checkpoints (READ on the group), read the committed offsets to start from (DESCRIBE, which READ includes).
     */
    private static Optional<MissingAcl> groupAccess(Admin admin, JobConfig config, Duration timeout) {
        String group = config.groupId();
        String need = "it needs READ and DESCRIBE on the consumer group, " + JobConfig.GROUP_ID + ", to commit offsets on"
                + " checkpoints";
        Properties consumer = KafkaConnectors.consumerProperties(config);
        boolean commits = !"false".equalsIgnoreCase(
                consumer.getProperty(KafkaSourceOptions.COMMIT_OFFSETS_ON_CHECKPOINT.key(), "true"));
        try {
            if (commits) {
                // Kafka has no request that says whether a principal may READ a group that does not exist yet
                // (a new job's), and a real commit would move where the job starts. An offset commit for a
                // partition the input topic does not have is authorized as every commit is (READ on the group,
                // READ on the topic), then refused for the partition: nothing is stored, no group is created.
                TopicPartition none = new TopicPartition(config.inputTopic(), Integer.MAX_VALUE);
                admin.alterConsumerGroupOffsets(group, Map.of(none, new OffsetAndMetadata(0)))
                        .all().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } else if (config.startingOffsets() == JobConfig.StartingOffsets.COMMITTED) {
                admin.listConsumerGroupOffsets(group).all().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            }
            return Optional.empty();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupAuthorizationException) {
                return Optional.of(commits ? new MissingAcl("READ", "group " + group, need)
                        : new MissingAcl("DESCRIBE", "group " + group, "it needs DESCRIBE on the consumer group, "
                                + JobConfig.GROUP_ID + ", to start from its committed offsets"));
            }
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                LOG.warn("Cannot check the principal's access to consumer group {} ({}); going on without", group,
                        e.getCause().toString());
            }
            return Optional.empty();
        } catch (TimeoutException e) {
            throw unreachable(config, timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("interrupted while checking Kafka at " + config.bootstrapServers(), e);
        }
    }

    private static <T> T get(KafkaFuture<T> future, JobConfig config, Duration timeout) {
        try {
            return future.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("interrupted while checking Kafka at " + config.bootstrapServers(), e);
        } catch (TimeoutException e) {
            throw unreachable(config, timeout, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(config, timeout, cause);
            }
            if (cause instanceof SslAuthenticationException) {
                throw new ConfigException("authentication failed at " + config.bootstrapServers()
                        + ": SSL handshake failed: " + sslFailure(cause), cause);
            }
            if (cause instanceof AuthenticationException) {
                throw new ConfigException("authentication failed at " + config.bootstrapServers() + ": "
                        + cause.getMessage() + " (check the kafka.sasl.* and kafka.ssl.* settings)", cause);
            }
            if (cause instanceof AuthorizationException) {
                throw new ConfigException("not authorized at " + config.bootstrapServers() + ": " + cause.getMessage(), cause);
            }
            throw new ConfigException(cause.getMessage(), cause);
        }
    }

    /**
     * What went wrong in a TLS handshake, in words a user can act on: Kafka reports most failures as
     * "SSL handshake failed" and, with TLS 1.3, a rejected client certificate as "Failed to process
     * post-handshake messages"; the JDK's exception underneath says which.
     */
    static String sslFailure(Throwable sslAuthentication) {
        String detail = null;
        for (Throwable t = sslAuthentication.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof SSLException && t.getMessage() != null) {
                detail = t.getMessage();
                break;
            }
        }
        if (detail == null) {
            return sslAuthentication.getMessage() + " (check the kafka.ssl.* settings)";
        }
        String d = detail.toLowerCase(Locale.ROOT);
        String hint;
        if (d.contains("pkix path") || d.contains("certification path")) {
            hint = "the broker's certificate is not signed by a CA in kafka.ssl.truststore.*";
        } else if (d.contains("no subject alternative") || d.contains("no name matching")) {
            hint = "the broker's certificate is not issued for the host in bootstrap-servers"
                    + " (kafka.ssl.endpoint.identification.algorithm)";
        } else if (d.contains("bad_certificate") || d.contains("certificate_required") || d.contains("certificate_unknown")
                || d.contains("unknown_ca")) {
            hint = "the broker requires a client certificate it trusts: check kafka.ssl.keystore.*";
        } else {
            hint = "check the kafka.ssl.* settings";
        }
        return hint + " (" + detail + ")";
    }

    private static ConfigException unreachable(JobConfig config, Duration timeout, Throwable cause) {
        return new ConfigException("cannot reach Kafka at " + config.bootstrapServers() + " within "
                + timeout.toSeconds() + " s: is the broker running and is bootstrap-servers right?"
                + " (set check-topics=false to skip this check)", cause);
    }
}
