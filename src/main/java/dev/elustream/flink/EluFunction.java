package dev.elustream.flink;

import dev.elustream.codec.EluJsonTransformer;
import dev.elustream.codec.VectorRejectedException;
import dev.elustream.math.Elu;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
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
 * Applies ELU (and its derivative) to the JSON feature vector in each record's value and emits the
 * record with the new value; a tombstone is forwarded as it is; a record that cannot be transformed
 * goes, unchanged and with the {@link DeadLetters} headers, to the {@link #DEAD_LETTERS} side output.
 */
public final class EluFunction extends ProcessFunction<KafkaRecord, KafkaRecord> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EluFunction.class);

    /** Records that cannot be transformed, with the reason in their headers. */
    public static final OutputTag<KafkaRecord> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(KafkaRecord.class));

    /** Metric group under the operator's own. */
    public static final String METRIC_GROUP = "elu";

    private final EluSettings settings;

    private transient EluJsonTransformer transformer;
    private transient Counter transformed;
    private transient Counter tombstones;
    private transient Counter deadLetters;

    public EluFunction(EluSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        transformer = new EluJsonTransformer(
                Elu.withAlpha(settings.alpha()), settings.mode(), settings.dimension(), settings.maxDimension());
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup(METRIC_GROUP);
        transformed = group.counter("recordsTransformed");
        tombstones = group.counter("tombstones");
        deadLetters = group.counter("deadLetters");
    }

    @Override
    public void processElement(KafkaRecord record, Context ctx, Collector<KafkaRecord> out) {
        if (record.value() == null) {
            tombstones.inc();
            out.collect(record);
            return;
        }
        byte[] result;
        try {
            result = transformer.transform(record.value());
        } catch (VectorRejectedException e) {
            reject(record, e.reason(), ctx);
            return;
        } catch (RuntimeException e) {
            // A bug of ours must not put the job in a restart loop on one record: route it with
            // the cause, and log the stack trace for us.
            LOG.error("Unexpected error transforming {}; routed to the dead-letter topic", record, e);
            reject(record, "internal error while transforming the value (" + e + "); please report it", ctx);
            return;
        }
        int size = estimatedRecordSize(record, result);
        if (size > settings.maxOutputRecordBytes()) {
            reject(record, "output record would be " + size + " bytes, above the output producer's max.request.size ("
                    + settings.maxOutputRecordBytes() + "); send shorter vectors or raise kafka.max.request.size"
                    + " and the output topic's max.message.bytes", ctx);
            return;
        }
        transformed.inc();
        out.collect(record.withValue(result));
    }

    private void reject(KafkaRecord record, String reason, Context ctx) {
        deadLetters.inc();
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
