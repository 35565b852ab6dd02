package dev.elustream.job;

import dev.elustream.codec.ParameterUpdate;
import dev.elustream.flink.EluFunction;
import dev.elustream.flink.EluSettings;
import dev.elustream.flink.KafkaRecord;
import dev.elustream.flink.LiveEluFunction;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The topology, as a function of its source and sinks: records from the source go through the ELU
 * operator to the sink, rejected ones to the dead-letter sink. The job wires Kafka in; tests may
 * wire bounded sources.
 */
public final class EluPipeline {

    // Savepoints map state to operators by these uids: never change them.
    public static final String SOURCE_UID = "elu-source";
    public static final String TRANSFORM_UID = "elu-transform";
    public static final String SINK_UID = "elu-sink";
    public static final String DEAD_LETTER_SINK_UID = "elu-dead-letter-sink";
    /** With a control topic: its source, and the ELU operator that takes its updates (it has state). */
    public static final String CONTROL_SOURCE_UID = "elu-control-source";
    public static final String LIVE_TRANSFORM_UID = "elu-transform-live";

    private EluPipeline() {}

    /** Adds the pipeline to env and returns the transformed stream (before its sink). */
    public static SingleOutputStreamOperator<KafkaRecord> build(
            StreamExecutionEnvironment env,
            Source<KafkaRecord, ?, ?> source,
            Sink<KafkaRecord> sink,
            Sink<KafkaRecord> deadLetterSink,
            EluSettings settings) {
        // The operators stay chained (forward edges, no keyBy): a record never leaves the subtask
        // that read its partition, so records with one key keep their order.
        SingleOutputStreamOperator<KafkaRecord> transformed = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "Kafka source", TypeInformation.of(KafkaRecord.class))
                .uid(SOURCE_UID)
                .process(new EluFunction(settings))
                .uid(TRANSFORM_UID)
                .name(settings.operatorName());
        addSinks(transformed, sink, deadLetterSink);
        return transformed;
    }

    /**
     * The pipeline of a job with a control topic: the ELU operator also takes parameter updates, read
     * by one source subtask and broadcast to all of its subtasks (so that each sees them in the
     * control source's order), and starts with {@code initial} when it has no state to restore.
     * Returns the transformed stream (before its sink).
     */
    public static SingleOutputStreamOperator<KafkaRecord> build(
            StreamExecutionEnvironment env,
            Source<KafkaRecord, ?, ?> source,
            Source<KafkaRecord, ?, ?> controlSource,
            ParameterUpdate initial,
            Sink<KafkaRecord> sink,
            Sink<KafkaRecord> deadLetterSink,
            EluSettings settings) {
        BroadcastStream<KafkaRecord> updates = env
                .fromSource(controlSource, WatermarkStrategy.noWatermarks(), "Control source",
                        TypeInformation.of(KafkaRecord.class))
                .uid(CONTROL_SOURCE_UID)
                .setParallelism(1)
                .broadcast(LiveEluFunction.PARAMETERS);
        // A two-input operator cannot be chained to the data source: records reach it through a
        // local channel (forward, same subtask), still in their partition's order.
        SingleOutputStreamOperator<KafkaRecord> transformed = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "Kafka source", TypeInformation.of(KafkaRecord.class))
                .uid(SOURCE_UID)
                .connect(updates)
                .process(new LiveEluFunction(settings, initial))
                .uid(LIVE_TRANSFORM_UID)
                .name(settings.operatorName(true));
        addSinks(transformed, sink, deadLetterSink);
        return transformed;
    }

    private static void addSinks(SingleOutputStreamOperator<KafkaRecord> transformed, Sink<KafkaRecord> sink,
            Sink<KafkaRecord> deadLetterSink) {
        transformed.sinkTo(sink).uid(SINK_UID).name("Output sink");
        transformed.getSideOutput(EluFunction.DEAD_LETTERS)
                .sinkTo(deadLetterSink)
                .uid(DEAD_LETTER_SINK_UID)
                .name("Dead-letter sink");
    }
}
