package dev.elustream.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.testing.TestJobs;
import java.util.List;
import org.apache.flink.runtime.jobgraph.JobEdge;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The job graph of a job with a control topic, built as the job builds it (no broker needed). */
class LivePipelineTest {

    @Test
    void broadcastsOneControlSourceToEveryEluSubtaskAndForwardsTheData() {
        JobConfig config = TestJobs.config("127.0.0.1:1", "graph", 3, "control-topic", "graph-control");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EluJob.configure(env, config);
        TestJobs.buildLive(env, config, KafkaConnectors.sourceBuilder(config).build());
        JobGraph graph = env.getStreamGraph().getJobGraph();

        List<JobVertex> vertices = graph.getVerticesSortedTopologicallyFromSources();
        assertThat(vertices).hasSize(3);
        JobVertex operator = vertices.stream().filter(v -> v.getName().contains("ELU")).findFirst().orElseThrow();
        // the operator with both sinks chained to it, at the job's parallelism
        assertThat(operator.getName()).contains("ELU (alpha from control topic, mode=both)", "Output sink",
                "Dead-letter sink");
        assertThat(operator.getParallelism()).isEqualTo(3);
        assertThat(operator.getInputs()).hasSize(2);
        for (JobEdge in : operator.getInputs()) {
            JobVertex from = in.getSource().getProducer();
            if (from.getName().contains("Control source")) {
                assertThat(from.getParallelism()).isEqualTo(1);
                assertThat(in.getShipStrategyName()).isEqualTo("BROADCAST");
            } else {
                assertThat(from.getName()).contains("Kafka source");
                assertThat(from.getParallelism()).isEqualTo(3);
                // a record stays on the subtask that read its partition, in its order
                assertThat(in.getShipStrategyName()).isEqualTo("FORWARD");
            }
        }
    }
}
