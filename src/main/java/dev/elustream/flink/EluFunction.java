package dev.elustream.flink;

import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.codec.EluBinaryTransformer;
import dev.elustream.codec.EluJsonTransformer;
import dev.elustream.codec.RawTensorTransformer;
import dev.elustream.codec.RejectKind;
import dev.elustream.codec.ServiceUnavailableException;
import dev.elustream.codec.VectorRejectedException;
import dev.elustream.codec.VectorTransformer;
import dev.elustream.math.Kernel;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies ELU (and its derivative) to the feature vector in each record's value, in the job's wire
 * format (JSON, binary or raw tensors, {@link EluSettings#format()}), and emits the record with the new
 * value; a tombstone is forwarded as it is; a record that cannot be transformed
 * goes, unchanged and with the {@link DeadLetters} headers, to the {@link #DEAD_LETTERS} side output.
 * Counts what it does in the metric group {@link #METRIC_GROUP} (names below).
 */
public final class EluFunction extends ProcessFunction<KafkaRecord, KafkaRecord> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EluFunction.class);

    /** Records that cannot be transformed, with the reason in their headers. */
    public static final OutputTag<KafkaRecord> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(KafkaRecord.class));

    /** Metric group under the operator's own. */
    public static final String METRIC_GROUP = "elu";
    /** Counter: records written to the output topic with new values. */
    public static final String METRIC_RECORDS_TRANSFORMED = "recordsTransformed";
    /** Counter: tombstones forwarded. */
    public static final String METRIC_TOMBSTONES = "tombstones";
    /** Counter: records routed to the dead-letter topic. */
    public static final String METRIC_DEAD_LETTERS = "deadLetters";
    /** Group under {@link #METRIC_GROUP}: one counter of dead letters per {@link RejectKind#metricName()}. */
    public static final String METRIC_DEAD_LETTERS_BY_REASON = "deadLettersByReason";
    /** Counter: elements of the vectors written. */
    public static final String METRIC_ELEMENTS = "elements";
    /** Counter: elements of the vectors written that were &lt;= 0 (the activation's exponential branch). */
    public static final String METRIC_NEGATIVE_ELEMENTS = "negativeElements";
    /** Gauge: negativeElements / elements, 0 before any. */
    public static final String METRIC_NEGATIVE_SHARE = "negativeShare";
    /** Histogram: elements per record written (all its selected arrays), over the last 1000. */
    public static final String METRIC_VECTOR_LENGTH = "vectorLength";
    /** Histogram: nanoseconds the codec took per record value (transformed or rejected), over the last 1000. */
    public static final String METRIC_TRANSFORM_NANOS = "transformNanos";

    private final EluSettings settings;

    private transient VectorTransformer transformer;
    private transient EluMetrics metrics;

    public EluFunction(EluSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        transformer = switch (settings.format()) {
            case JSON -> new EluJsonTransformer(settings.activationFunction(), settings.mode(),
                    settings.alphaGradient(), settings.dimension(), settings.maxDimension(), settings.jsonFields(),
                    settings.precision());
            case BINARY -> new EluBinaryTransformer(settings.activationFunction(), settings.mode(),
                    settings.alphaGradient(), settings.dimension(), settings.maxDimension());
            case RAW_FLOAT32 -> new RawTensorTransformer(settings.activationFunction(), settings.mode(),
                    settings.alphaGradient(), settings.dimension(), settings.maxDimension(), ElementType.FLOAT32,
                    settings.byteOrder());
            case RAW_FLOAT64 -> new RawTensorTransformer(settings.activationFunction(), settings.mode(),
                    settings.alphaGradient(), settings.dimension(), settings.maxDimension(), ElementType.FLOAT64,
                    settings.byteOrder());
            case AVRO, PROTOBUF -> settings.schema().transformer(settings.activationFunction(), settings.dimension(),
                    settings.maxDimension());
        };
        metrics = new EluMetrics(getRuntimeContext().getMetricGroup());
        // Which kernel a TaskManager runs depends on its JVM's flags (--add-modules jdk.incubator.vector).
        LOG.info("{} on {} records, subtask {}; best kernel of this JVM: {}", settings.activationFunction(), settings.format(),
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), Kernel.describeActive());
    }

    @Override
    public void processElement(KafkaRecord record, Context ctx, Collector<KafkaRecord> out) {
        if (record.value() == null) {
            metrics.tombstone();
            out.collect(record);
            return;
        }
        byte[] result;
        long start = System.nanoTime();
        try {
            result = transformer.transform(record.value());
        } catch (VectorRejectedException e) {
            metrics.transformNanos(System.nanoTime() - start);
            reject(record, e.kind(), e.reason(), ctx);
            return;
        } catch (ServiceUnavailableException e) {
            // Not the record's fault (a schema registry is down): fail the task, and Flink retries
            // from the last checkpoint, the record with it.
            throw e;
        } catch (RuntimeException e) {
            // A bug of ours must not put the job in a restart loop on one record: route it with
            // the cause, and log the stack trace for us.
            LOG.error("Unexpected error transforming {}; routed to the dead-letter topic", record, e);
            reject(record, RejectKind.INTERNAL,
                    "internal error while transforming the value (" + e + "); please report it", ctx);
            return;
        }
        metrics.transformNanos(System.nanoTime() - start);
        if (roughUpperBound(record, result) > settings.maxOutputRecordBytes()) {
            int size = estimatedRecordSize(record, result);
            if (size > settings.maxOutputRecordBytes()) {
                reject(record, RejectKind.OUTPUT_TOO_LARGE, "output record would be " + size
                        + " bytes, above the output producer's max.request.size (" + settings.maxOutputRecordBytes()
                        + "); send shorter vectors or raise kafka.max.request.size and the output topic's"
                        + " max.message.bytes", ctx);
                return;
            }
        }
        metrics.transformed(transformer.lastLength(), transformer.lastNonPositiveCount());
        out.collect(record.withValue(result));
    }

    private void reject(KafkaRecord record, RejectKind kind, String reason, Context ctx) {
        metrics.deadLetter(kind);
        LOG.debug("Dead letter {}: {}", record, reason);
        KafkaRecord dead = DeadLetters.of(record, reason);
        // A value near the limit plus our headers would make the dead-letter sink fail the job on
        // every restart: leave the value (then the headers) out, and say so.
        if (estimatedRecordSize(dead, dead.value()) > settings.maxOutputRecordBytes()) {
            LOG.warn("Dead letter {} is too large for the dead-letter producer; its value ({} bytes) is left out",
                    record, record.value() == null ? 0 : record.value().length);
            dead = DeadLetters.withoutValue(record, reason, true);
            if (estimatedRecordSize(dead, dead.value()) > settings.maxOutputRecordBytes()) {
                dead = DeadLetters.withoutValue(record, reason, false);
            }
        }
        ctx.output(DEAD_LETTERS, dead);
    }

    /**
     * A bound above {@link #estimatedRecordSize} computed without allocating: only records near the
     * limit pay for the producer's exact estimate.
     */
    static long roughUpperBound(KafkaRecord record, byte[] value) {
        // Batch header (61) and a record's varints and attributes (at most 21), with room to spare.
        long bound = 128L + value.length + (record.key() == null ? 0 : record.key().length);
        for (int i = 0; i < record.headerKeys().length; i++) {
            // UTF-8 takes at most 3 bytes per char of a Java string; 10 for the two varint lengths.
            bound += 10L + 3L * record.headerKeys()[i].length()
                    + (record.headerValues()[i] == null ? 0 : record.headerValues()[i].length);
        }
        return bound;
    }

    /** The producer's own upper bound for the record's size, checked against max.request.size. */
    static int estimatedRecordSize(KafkaRecord record, byte[] value) {
        Header[] headers = new Header[record.headerKeys().length];
        for (int i = 0; i < headers.length; i++) {
            headers[i] = new RecordHeader(record.headerKeys()[i], record.headerValues()[i]);
        }
        return AbstractRecords.estimateSizeInBytesUpperBound(
                RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE, record.key(), value, headers);
    }
}
