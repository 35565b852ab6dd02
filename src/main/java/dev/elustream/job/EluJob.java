package dev.elustream.job;

import dev.elustream.codec.AvroRecordSchema;
import dev.elustream.codec.ServiceUnavailableException;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployable job: {@code flink run elu-stream.jar --job jobs/features-elu.properties [--key value ...]}
 * reads feature vectors from the input topic and writes ELU results to the output topic and
 * rejected records to the dead-letter topic.
 */
public final class EluJob {

    private static final Logger LOG = LoggerFactory.getLogger(EluJob.class);

    /** How long the start-up check waits for Kafka. */
    public static final Duration TOPIC_CHECK_TIMEOUT = Duration.ofSeconds(15);
    /** How long reading the control topic to its end at submission may take. */
    public static final Duration CONTROL_READ_TIMEOUT = Duration.ofSeconds(60);

    private EluJob() {}

    public static void main(String[] args) throws Exception {
        JobConfig config = JobConfig.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        prepare(env, config);
        env.execute(config.jobName());
    }

    /** Logs the configuration, checks the topics, configures env and adds the Kafka pipeline to it. */
    public static void prepare(StreamExecutionEnvironment env, JobConfig config) {
        LOG.info("Starting {} with\n{}", config.jobName(), config.describe());
        if (config.eluSettings().schema() != null) {
            LOG.info("The output records of {} have the schema\n{}", config.jobName(),
                    config.eluSettings().schema().outputSchemaText());
        }
        if (config.checkTopics()) {
            TopicCheck.check(config, TOPIC_CHECK_TIMEOUT);
            TransactionCheck.check(config, TOPIC_CHECK_TIMEOUT);
            registerOutputSchema(config);
        }
        configure(env, config);
        if (config.controlTopic().isPresent()) {
            ControlTopic.Start start = ControlTopic.read(config, CONTROL_READ_TIMEOUT);
            EluPipeline.build(env,
                    KafkaConnectors.sourceBuilder(config).build(),
                    KafkaConnectors.controlSource(config, start.endOffsets()),
                    start.parameters(),
                    KafkaConnectors.outputSink(config),
                    KafkaConnectors.deadLetterSink(config),
                    config.eluSettings());
            return;
        }
        EluPipeline.build(env,
                KafkaConnectors.sourceBuilder(config).build(),
                KafkaConnectors.outputSink(config),
                KafkaConnectors.deadLetterSink(config),
                config.eluSettings());
    }

    /**
     * Avro with the Confluent wire format: registers the output schema under its subject before the
     * job is submitted (each operator registers it again when it opens, which returns the same id), so
     * that an unreachable registry or a schema the subject refuses stops the job with the reason.
     *
     * @throws IllegalStateException naming the registry, the subject and the problem
     */
    public static void registerOutputSchema(JobConfig config) {
        if (!(config.eluSettings().schema() instanceof AvroRecordSchema a) || a.registry() == null) {
            return;
        }
        AvroRecordSchema.Registry r = a.registry();
        try {
            int id = r.client().register(r.subject(), a.outputSchema().toString());
            LOG.info("The output schema is id {} of subject {} in the schema registry at {}", id, r.subject(), r.url());
        } catch (ServiceUnavailableException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Checkpointing, parallelism, and no Kryo fallback for any type. */
    public static void configure(StreamExecutionEnvironment env, JobConfig config) {
        // Both guarantees need checkpoints: the sinks flush (and commit) on them, the source commits offsets.
        env.enableCheckpointing(config.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        config.parallelism().ifPresent(env::setParallelism);
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // The operators are chained: without object reuse Flink deep-copies every record (key, value,
        // headers) twice on its way from the source to the sink. Reuse is safe here: the deserializer
        // makes a new record per Kafka record, and no operator keeps or changes a record it has emitted.
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        env.configure(conf);
    }
}
