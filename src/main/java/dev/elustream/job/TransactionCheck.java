package dev.elustream.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.util.TimeUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTxnTimeoutException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Checks, before an exactly-once job is submitted, that the brokers accept its transaction timeout
 * and that the job's principal may use its transactional ids: above a broker's
 * transaction.max.timeout.ms, or without WRITE on the ids, every InitProducerId fails, and the job
 * would only find out at run time, in a restart loop.
 */
public final class TransactionCheck {

    static final String BROKER_MAX = "transaction.max.timeout.ms";
    /** Appended to each sink's transactional-id prefix for the id the check initializes. */
    static final String PROBE_SUFFIX = "-access-check";

    private TransactionCheck() {}

    /**
     * @throws ConfigException naming both values when transaction-timeout is above a broker's maximum, or
     *     naming each missing ACL (DESCRIBE_CONFIGS on the cluster, WRITE on the sinks' transactional ids)
     */
    public static void check(JobConfig config, Duration timeout) {
        if (config.deliveryGuarantee() != DeliveryGuarantee.EXACTLY_ONCE) {
            return;
        }
        List<MissingAcl> missing = new ArrayList<>();
        checkTimeout(config, timeout).ifPresent(missing::add);
        for (String sinkPrefix : List.of(KafkaConnectors.outputTransactionalIdPrefix(config),
                KafkaConnectors.deadLetterTransactionalIdPrefix(config))) {
            initTransactions(config, sinkPrefix + PROBE_SUFFIX, timeout).ifPresent(missing::add);
        }
        if (!missing.isEmpty()) {
            throw MissingAcl.refusal(missing);
        }
    }

    /** transaction-timeout against every broker's maximum; what is missing when the brokers' configs cannot be read. */
    private static Optional<MissingAcl> checkTimeout(JobConfig config, Duration timeout) {
        Properties props = config.kafkaClientProperties();
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        props.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, config.groupId() + "-transaction-check");
        try (Admin admin = Admin.create(props)) {
            Collection<Node> nodes = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<ConfigResource> brokers = new ArrayList<>();
            for (Node n : nodes) {
                brokers.add(new ConfigResource(ConfigResource.Type.BROKER, n.idString()));
            }
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(brokers).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            for (Map.Entry<ConfigResource, Config> e : configs.entrySet()) {
                ConfigEntry max = e.getValue().get(BROKER_MAX);
                if (max == null || max.value() == null) {
                    continue;
                }
                long maxMs = Long.parseLong(max.value());
                if (config.transactionTimeout().toMillis() > maxMs) {
                    throw new ConfigException(JobConfig.TRANSACTION_TIMEOUT + " ("
                            + TimeUtils.formatWithHighestUnit(config.transactionTimeout()) + ") is above broker "
                            + e.getKey().name() + "'s " + BROKER_MAX + " ("
                            + TimeUtils.formatWithHighestUnit(Duration.ofMillis(maxMs))
                            + "): lower transaction-timeout, or raise the brokers' " + BROKER_MAX);
                }
            }
            return Optional.empty();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException) {
                return Optional.of(new MissingAcl("DESCRIBE_CONFIGS", "the cluster", "the exactly-once start-up check"
                        + " reads the brokers' " + BROKER_MAX + " to check " + JobConfig.TRANSACTION_TIMEOUT));
            }
            throw new ConfigException("cannot read the brokers' " + BROKER_MAX + " from " + config.bootstrapServers()
                    + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new ConfigException("cannot read the brokers' " + BROKER_MAX + " from " + config.bootstrapServers()
                    + " within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("interrupted while checking the brokers' " + BROKER_MAX, e);
        }
    }

    /**
     * Initializes one transactional id under a sink's prefix, as each of the sink's producers does when
     * it starts: that needs WRITE on the id, which Kafka cannot be asked about otherwise (DESCRIBE, which
     * DescribeTransactions would show, is not enough). The id is left without a transaction; the
     * brokers forget it after transactional.id.expiration.ms (7 days by default).
     */
    private static Optional<MissingAcl> initTransactions(JobConfig config, String transactionalId, Duration timeout) {
        Properties props = KafkaConnectors.producerProperties(config);
        props.setProperty(ProducerConfig.CLIENT_ID_CONFIG, config.groupId() + "-transaction-check");
        props.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(config.transactionTimeout().toMillis()));
        props.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout.toMillis()));
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            return Optional.empty();
        } catch (TransactionalIdAuthorizationException e) {
            return Optional.of(new MissingAcl("WRITE", "transactional id " + transactionalId, "exactly-once needs WRITE"
                    + " and DESCRIBE on the transactional ids that start with " + JobConfig.TRANSACTIONAL_ID_PREFIX + " "
                    + config.transactionalIdPrefix()));
        } catch (InvalidTxnTimeoutException e) {
            // Reached only when the brokers' configs could not be read (no DESCRIBE_CONFIGS) to say so first.
            throw new ConfigException(JobConfig.TRANSACTION_TIMEOUT + " ("
                    + TimeUtils.formatWithHighestUnit(config.transactionTimeout()) + ") is above the brokers' "
                    + BROKER_MAX + ": lower transaction-timeout, or raise the brokers' " + BROKER_MAX, e);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new ConfigException("cannot initialize transactional id " + transactionalId + " at "
                    + config.bootstrapServers() + " within " + timeout.toSeconds() + " s: " + e.getMessage(), e);
        } catch (KafkaException e) {
            throw new ConfigException("cannot initialize transactional id " + transactionalId + " at "
                    + config.bootstrapServers() + ": " + e, e);
        }
    }
}
