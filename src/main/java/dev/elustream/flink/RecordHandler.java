package dev.elustream.flink;

import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.codec.EluBinaryTransformer;
import dev.elustream.codec.EluJsonTransformer;
import dev.elustream.codec.RawTensorTransformer;
import dev.elustream.codec.RejectKind;
import dev.elustream.codec.ServiceUnavailableException;
import dev.elustream.codec.VectorRejectedException;
import dev.elustream.codec.VectorTransformer;
import dev.elustream.math.ArrayActivation;
import java.nio.charset.StandardCharsets;
import javax.annotation.Nullable;
import org.apache.flink.util.Collector;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the ELU operators do with one data record, whichever way their parameters arrive: transform
 * its value with the codec of the job's format, forward a tombstone, or build the dead letter with
 * the reason; with a parameter version set, every record out carries it in {@link #VERSION_HEADER}.
 * Not thread-safe: one per subtask.
 */
final class RecordHandler {

    private static final Logger LOG = LoggerFactory.getLogger(RecordHandler.class);

    /** The version of the parameters that produced an output record or dead letter, in decimal. */
    static final String VERSION_HEADER = "elu.params.version";

    /** Where the handler sends a dead letter. */
    interface DeadLetterOutput {
        void deadLetter(KafkaRecord deadLetter);
    }

    private final EluSettings settings;
    private final EluMetrics metrics;
    private VectorTransformer transformer;
    @Nullable
    private String[] versionKey;
    @Nullable
    private byte[][] versionValue;

    RecordHandler(EluSettings settings, EluMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.transformer = transformer(settings, settings.activationFunction());
    }

    /** The codec of the settings' format with the given activation. */
    static VectorTransformer transformer(EluSettings settings, ArrayActivation activation) {
        return switch (settings.format()) {
            case JSON -> new EluJsonTransformer(activation, settings.mode(), settings.alphaGradient(),
                    settings.dimension(), settings.maxDimension(), settings.jsonFields(), settings.precision());
            case BINARY -> new EluBinaryTransformer(activation, settings.mode(), settings.alphaGradient(),
                    settings.dimension(), settings.maxDimension());
            case RAW_FLOAT32 -> new RawTensorTransformer(activation, settings.mode(), settings.alphaGradient(),
                    settings.dimension(), settings.maxDimension(), ElementType.FLOAT32, settings.byteOrder());
            case RAW_FLOAT64 -> new RawTensorTransformer(activation, settings.mode(), settings.alphaGradient(),
                    settings.dimension(), settings.maxDimension(), ElementType.FLOAT64, settings.byteOrder());
            case AVRO, PROTOBUF -> settings.schema().transformer(activation, settings.dimension(),
                    settings.maxDimension());
        };
    }

    /**
     * From now on, transforms with this activation and marks every record out with this version.
     * Builds a new codec: parameters change rarely, records often.
     */
    void useParameters(ArrayActivation activation, long version) {
        transformer = transformer(settings, activation);
        versionKey = new String[] {VERSION_HEADER};
        versionValue = new byte[][] {Long.toString(version).getBytes(StandardCharsets.US_ASCII)};
    }

    void process(KafkaRecord record, Collector<KafkaRecord> out, DeadLetterOutput deadLetters) {
        if (record.value() == null) {
            metrics.tombstone();
            out.collect(marked(record));
            return;
        }
        byte[] result;
        long start = System.nanoTime();
        try {
            result = transformer.transform(record.value());
        } catch (VectorRejectedException e) {
            metrics.transformNanos(System.nanoTime() - start);
            deadLetters.deadLetter(deadLetter(record, e.kind(), e.reason()));
            return;
        } catch (ServiceUnavailableException e) {
            // Not the record's fault (a schema registry is down): fail the task, and Flink retries
            // from the last checkpoint, the record with it.
            throw e;
        } catch (RuntimeException e) {
            // A bug of ours must not put the job in a restart loop on one record: route it with
            // the cause, and log the stack trace for us.
            LOG.error("Unexpected error transforming {}; routed to the dead-letter topic", record, e);
            deadLetters.deadLetter(deadLetter(record, RejectKind.INTERNAL,
                    "internal error while transforming the value (" + e + "); please report it"));
            return;
        }
        metrics.transformNanos(System.nanoTime() - start);
        KafkaRecord output = versionKey == null ? record.withValue(result)
                : record.withValueAndHeadersAppended(result, versionKey, versionValue);
        if (roughUpperBound(output, result) > settings.maxOutputRecordBytes()) {
            int size = estimatedRecordSize(output, result);
            if (size > settings.maxOutputRecordBytes()) {
                deadLetters.deadLetter(deadLetter(record, RejectKind.OUTPUT_TOO_LARGE, "output record would be " + size
                        + " bytes, above the output producer's max.request.size (" + settings.maxOutputRecordBytes()
                        + "); send shorter vectors or raise kafka.max.request.size and the output topic's"
                        + " max.message.bytes"));
                return;
            }
        }
        metrics.transformed(transformer.lastLength(), transformer.lastNonPositiveCount());
        out.collect(output);
    }

    /** The record with the version header, if there is a version. */
    private KafkaRecord marked(KafkaRecord record) {
        return versionKey == null ? record : record.withHeadersAppended(versionKey, versionValue);
    }

    /**
     * The dead letter of a record (a data record, or an update from the control topic), counted:
     * the original with the reason and provenance headers, and the version header if there is one.
     */
    KafkaRecord deadLetter(KafkaRecord record, RejectKind kind, String reason) {
        metrics.deadLetter(kind);
        LOG.debug("Dead letter {}: {}", record, reason);
        KafkaRecord dead = marked(DeadLetters.of(record, reason));
        // A value near the limit plus our headers would make the dead-letter sink fail the job on
        // every restart: leave the value (then the headers) out, and say so.
        if (estimatedRecordSize(dead, dead.value()) > settings.maxOutputRecordBytes()) {
            LOG.warn("Dead letter {} is too large for the dead-letter producer; its value ({} bytes) is left out",
                    record, record.value() == null ? 0 : record.value().length);
            dead = marked(DeadLetters.withoutValue(record, reason, true));
            if (estimatedRecordSize(dead, dead.value()) > settings.maxOutputRecordBytes()) {
                dead = marked(DeadLetters.withoutValue(record, reason, false));
            }
        }
        return dead;
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
    static int estimatedRecordSize(KafkaRecord record, @Nullable byte[] value) {
        Header[] headers = new Header[record.headerKeys().length];
        for (int i = 0; i < headers.length; i++) {
            headers[i] = new RecordHeader(record.headerKeys()[i], record.headerValues()[i]);
        }
        return AbstractRecords.estimateSizeInBytesUpperBound(
                RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE, record.key(), value, headers);
    }
}
