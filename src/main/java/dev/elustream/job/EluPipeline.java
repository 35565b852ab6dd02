package dev.elustream.job;

import dev.elustream.flink.EluFunction;
import dev.elustream.flink.EluSettings;
import dev.elustream.flink.KafkaRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
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
        transformed.sinkTo(sink).uid(SINK_UID).name("Output sink");
        transformed.getSideOutput(EluFunction.DEAD_LETTERS)
                .sinkTo(deadLetterSink)
                .uid(DEAD_LETTER_SINK_UID)
                .name("Dead-letter sink");
        return transformed;
    }
}
