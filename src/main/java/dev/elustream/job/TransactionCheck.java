package dev.elustream.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, before an exactly-once job is submitted, that the brokers accept its transaction timeout:
 * above a broker's transaction.max.timeout.ms every InitProducerId fails, and the job would only
 * find out at run time, in a restart loop.
 */
public final class TransactionCheck {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionCheck.class);
    static final String BROKER_MAX = "transaction.max.timeout.ms";

    private TransactionCheck() {}

    /**
     * @throws ConfigException naming both values when transaction-timeout is above a broker's maximum
     */
    public static void check(JobConfig config, Duration timeout) {
        if (config.deliveryGuarantee() != DeliveryGuarantee.EXACTLY_ONCE) {
            return;
        }
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
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException) {
                // Reading broker configs needs DESCRIBE_CONFIGS on the cluster, which a job's
                // principal may well not have: the job then finds out at run time, as without this check.
                LOG.warn("Cannot read the brokers' {} ({}); not checking transaction-timeout against it",
                        BROKER_MAX, e.getCause().getMessage());
                return;
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
}
