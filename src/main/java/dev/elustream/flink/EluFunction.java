package dev.elustream.flink;

import dev.elustream.codec.RejectKind;
import dev.elustream.math.Kernel;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
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

    /** Gauge, with a control topic: the version of the parameters in force on the subtask. */
    public static final String METRIC_PARAMS_VERSION = "paramsVersion";
    /**
     * Gauge, with a control topic: when (epoch milliseconds) the parameters in force took effect on the
     * subtask: the update's arrival, or the subtask's start for the parameters it started with.
     */
    public static final String METRIC_PARAMS_UPDATE_TIME = "paramsUpdateTime";
    /** Counter, with a control topic: parameter updates the subtask has applied. */
    public static final String METRIC_PARAMS_UPDATES = "paramsUpdates";

    private final EluSettings settings;

    private transient RecordHandler handler;
    private transient Context context;
    // Set in open: a function arrives deserialized, without its transient fields' initializers run.
    private transient RecordHandler.DeadLetterOutput deadLetters;

    public EluFunction(EluSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        handler = new RecordHandler(settings, new EluMetrics(getRuntimeContext().getMetricGroup()));
        deadLetters = d -> context.output(DEAD_LETTERS, d);
        // Which kernel a TaskManager runs depends on its JVM's flags (--add-modules jdk.incubator.vector).
        LOG.info("{} on {} records, subtask {}; best kernel of this JVM: {}", settings.activationFunction(), settings.format(),
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), Kernel.describeActive());
    }

    @Override
    public void processElement(KafkaRecord record, Context ctx, Collector<KafkaRecord> out) {
        context = ctx;
        handler.process(record, out, deadLetters);
    }
}
