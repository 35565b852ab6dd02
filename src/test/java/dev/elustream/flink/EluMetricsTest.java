package dev.elustream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.junit.jupiter.api.Test;

class EluMetricsTest {

    private final Map<String, Metric> metrics = new TreeMap<>();

    private void register(Metric metric, String name, AbstractMetricGroup<?> group) {
        metrics.put(group.getLogicalScope(s -> s, '.') + "." + name, metric);
    }

    @Test
    void reportsTheParametersInForceAndWhenTheyTookEffect() throws Exception {
        TestingMetricRegistry registry = TestingMetricRegistry.builder().setRegisterConsumer(this::register).build();
        TaskManagerMetricGroup group = TaskManagerMetricGroup.createTaskManagerMetricGroup(registry, "localhost",
                ResourceID.generate());
        try {
            EluMetrics m = new EluMetrics(group);
            assertThat(metrics.keySet()).noneMatch(k -> k.contains("params"));
            m.registerParameters(3, 1_000L);
            assertThat(gauge("taskmanager.elu.paramsVersion")).isEqualTo(3L);
            assertThat(gauge("taskmanager.elu.paramsUpdateTime")).isEqualTo(1_000L);
            assertThat(((Counter) metrics.get("taskmanager.elu.paramsUpdates")).getCount()).isZero();
            m.parametersUpdated(7, 2_000L);
            assertThat(gauge("taskmanager.elu.paramsVersion")).isEqualTo(7L);
            assertThat(gauge("taskmanager.elu.paramsUpdateTime")).isEqualTo(2_000L);
            assertThat(((Counter) metrics.get("taskmanager.elu.paramsUpdates")).getCount()).isEqualTo(1);
        } finally {
            group.close();
        }
    }

    private Object gauge(String id) {
        assertThat(metrics).containsKey(id);
        return ((Gauge<?>) metrics.get(id)).getValue();
    }
}
