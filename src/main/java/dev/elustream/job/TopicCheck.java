package dev.elustream.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Checks, before a job is submitted, that Kafka answers and that the job's topics exist (three, four with a control topic):
 * otherwise a running job would retry for ever and look like a silent hang.
 */
public final class TopicCheck {

    private TopicCheck() {}

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
            List<String> topics = new ArrayList<>(List.of(config.inputTopic(), config.outputTopic(), config.deadLetterTopic()));
            config.controlTopic().ifPresent(topics::add);
            Map<String, KafkaFuture<TopicDescription>> futures = admin.describeTopics(topics).topicNameValues();
            List<String> missing = new ArrayList<>();
            for (String topic : topics) {
                try {
                    get(futures.get(topic), config, timeout);
                } catch (ConfigException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        missing.add(topic);
                    } else {
                        throw e;
                    }
                }
            }
            if (!missing.isEmpty()) {
                throw new ConfigException("topic" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                        + " do" + (missing.size() > 1 ? "" : "es") + " not exist on " + config.bootstrapServers()
                        + ": create " + (missing.size() > 1 ? "them" : "it")
                        + " first (or fix input-topic, output-topic, dead-letter-topic"
                        + (config.controlTopic().isPresent() ? ", control-topic" : "") + ")");
            }
        } catch (RuntimeException e) {
            if (e instanceof ConfigException) {
                throw e;
            }
            throw new ConfigException("cannot check the topics on " + config.bootstrapServers() + ": " + e, e);
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
