package dev.elustream.testing;

import dev.elustream.flink.KafkaRecord;
import dev.elustream.job.ControlTopic;
import dev.elustream.job.EluJob;
import dev.elustream.job.EluPipeline;
import dev.elustream.job.JobConfig;
import dev.elustream.job.KafkaConnectors;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The job as production wires it, for tests on a mini cluster: config, environment, Kafka pipeline. */
public final class TestJobs {

    private TestJobs() {}

    /**
     * A job reading PREFIX-in and writing PREFIX-out and PREFIX-dlq from the beginning, with 1 s
     * checkpoints, group and transactional ids named after the prefix; extra key-value pairs win.
     */
    public static JobConfig config(String bootstrapServers, String prefix, int parallelism, String... extra) {
        Map<String, String> values = new HashMap<>();
        values.put("bootstrap-servers", bootstrapServers);
        values.put("input-topic", prefix + "-in");
        values.put("output-topic", prefix + "-out");
        values.put("dead-letter-topic", prefix + "-dlq");
        values.put("group-id", prefix);
        values.put("starting-offsets", "earliest");
        values.put("checkpoint-interval", "1s");
        values.put("transactional-id-prefix", prefix);
        values.put("parallelism", Integer.toString(parallelism));
        for (int i = 0; i < extra.length; i += 2) {
            values.put(extra[i], extra[i + 1]);
        }
        return JobConfig.fromMap(values);
    }

    /** The job's source, bounded at the input's end offsets when the job starts. */
    public static Source<KafkaRecord, ?, ?> boundedSource(JobConfig config) {
        return KafkaConnectors.sourceBuilder(config).setBounded(OffsetsInitializer.latest()).build();
    }

    /** The test environment configured as the job configures it, with no restarts. */
    public static StreamExecutionEnvironment environment(JobConfig config) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EluJob.configure(env, config);
        noRestarts(env);
        return env;
    }

    /** What the job's main does before env.execute ({@link EluJob#prepare}), submitted with restarts off. */
    public static JobClient submitPrepared(JobConfig config) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        EluJob.prepare(env, config);
        noRestarts(env);
        return env.executeAsync(config.jobName());
    }

    /** Fixed-delay restarts, as a production job has them, so that a fault is ridden out. */
    public static void restartOnFaults(StreamExecutionEnvironment env, int attempts, Duration delay) {
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, attempts);
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, delay);
        env.configure(restarts);
    }

    private static void noRestarts(StreamExecutionEnvironment env) {
        Configuration noRestarts = new Configuration();
        noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "disable");
        env.configure(noRestarts);
    }

    /**
     * Adds the pipeline of a job with a control topic, with the given data source and the job's control
     * source from the control topic's beginning, its real Kafka sinks, starting with the job file's
     * parameters (version 0) when there is no state.
     */
    public static void buildLive(StreamExecutionEnvironment env, JobConfig config, Source<KafkaRecord, ?, ?> source) {
        EluPipeline.build(env, source, KafkaConnectors.controlSource(config, java.util.Map.of()),
                ControlTopic.jobFileParameters(config.eluSettings()), KafkaConnectors.outputSink(config),
                KafkaConnectors.deadLetterSink(config), config.eluSettings());
    }

    /** Adds the pipeline with the given source and the job's real Kafka sinks. */
    public static void build(StreamExecutionEnvironment env, JobConfig config, Source<KafkaRecord, ?, ?> source) {
        EluPipeline.build(env, source, KafkaConnectors.outputSink(config), KafkaConnectors.deadLetterSink(config),
                config.eluSettings());
    }
}
