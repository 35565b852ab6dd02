package dev.elustream.flink;

import dev.elustream.codec.ParameterUpdate;
import dev.elustream.codec.VectorRejectedException;
import dev.elustream.math.ArrayActivation;
import dev.elustream.math.Kernel;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ELU operator of a job with a control topic: transforms each data record as {@link EluFunction}
 * does, with the parameters in force on this subtask, and takes new parameters from the broadcast
 * control stream. An update ({@link ParameterUpdate}) takes effect for every data record the subtask
 * processes after it; every record out, dead letters included, carries the version that produced it
 * in the header {@value RecordHandler#VERSION_HEADER}. An update that is not valid, or whose version
 * is not above the one in force, changes nothing and goes to the dead-letter side output once (from
 * subtask 0: every subtask sees the same updates in the same order and decides the same).
 *
 * <p>The parameters in force are broadcast state ({@link #PARAMETERS}), so a restore or an upgrade
 * from a savepoint resumes with them; without state a subtask starts with the parameters it was built
 * with (the job file's, or the newest the launcher found on the control topic).
 */
public final class LiveEluFunction extends BroadcastProcessFunction<KafkaRecord, KafkaRecord, KafkaRecord>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LiveEluFunction.class);

    /**
     * The broadcast state: under {@link #CURRENT}, the parameters in force as their control record
     * ({@link ParameterUpdate#toJson()}), so that the state reads the same whatever the classes become.
     */
    public static final MapStateDescriptor<String, String> PARAMETERS =
            new MapStateDescriptor<>("elu-parameters", Types.STRING, Types.STRING);
    static final String CURRENT = "current";

    private final EluSettings settings;
    private final ParameterUpdate initial;

    private transient ParameterUpdate current;
    private transient boolean restored;
    private transient int subtask;
    private transient EluMetrics metrics;
    private transient RecordHandler handler;
    private transient ReadOnlyContext dataContext;
    // Set in open: a function arrives deserialized, without its transient fields' initializers run.
    private transient RecordHandler.DeadLetterOutput deadLetters;

    /**
     * @param settings the job's settings; their alpha is not used, the parameters' is
     * @param initial the parameters a subtask starts with when there is no state to restore
     */
    public LiveEluFunction(EluSettings settings, ParameterUpdate initial) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.initial = Objects.requireNonNull(initial, "initial");
        // refused here, when the job is built, rather than on every subtask
        settings.withAlpha(initial.alpha());
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        BroadcastState<String, String> state = context.getOperatorStateStore().getBroadcastState(PARAMETERS);
        String stored = state.get(CURRENT);
        if (stored == null) {
            current = initial;
            // In the state from the start: a restore must not take the parameters of a later launch.
            state.put(CURRENT, initial.toJson());
        } else {
            restored = true;
            try {
                current = parse(stored.getBytes(StandardCharsets.UTF_8));
            } catch (VectorRejectedException e) {
                throw new IllegalStateException("the parameters restored from the checkpoint or savepoint (" + stored
                        + ") do not fit this job: " + e.reason() + "; restore a savepoint of a job with the same"
                        + " activation and dimension, or start without one", e);
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        // The broadcast state is written with each update; Flink snapshots it.
    }

    @Override
    public void open(OpenContext openContext) {
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        metrics = new EluMetrics(getRuntimeContext().getMetricGroup());
        metrics.registerParameters(current.version(), System.currentTimeMillis());
        handler = new RecordHandler(settings, metrics);
        ArrayActivation activation = settings.withAlpha(current.alpha()).activationFunction();
        handler.useParameters(activation, current.version());
        deadLetters = d -> dataContext.output(EluFunction.DEAD_LETTERS, d);
        LOG.info("{} on {} records, subtask {}, parameters version {}{}; best kernel of this JVM: {}",
                activation, settings.format(), subtask, current.version(),
                restored ? " (restored)" : "", Kernel.describeActive());
    }

    @Override
    public void processElement(KafkaRecord record, ReadOnlyContext ctx, Collector<KafkaRecord> out) {
        dataContext = ctx;
        handler.process(record, out, deadLetters);
    }

    @Override
    public void processBroadcastElement(KafkaRecord record, Context ctx, Collector<KafkaRecord> out) throws Exception {
        ParameterUpdate update;
        try {
            update = ParameterUpdate.next(current, record.value(), settings.activation(), settings.dimension(),
                    settings.precision());
        } catch (VectorRejectedException e) {
            // Every subtask rejects it alike; one dead letter is enough.
            if (subtask == 0) {
                LOG.warn("Parameter update {} rejected: {}", record, e.reason());
                ctx.output(EluFunction.DEAD_LETTERS, handler.deadLetter(record, e.kind(), e.reason()));
            }
            return;
        }
        ctx.getBroadcastState(PARAMETERS).put(CURRENT, update.toJson());
        current = update;
        handler.useParameters(settings.withAlpha(update.alpha()).activationFunction(), update.version());
        metrics.parametersUpdated(update.version(), System.currentTimeMillis());
        if (subtask == 0) {
            LOG.info("Parameters version {} in force (alpha {}), from {}", update.version(), update.alpha(), record);
        }
    }

    private ParameterUpdate parse(byte[] value) throws VectorRejectedException {
        return ParameterUpdate.parse(value, settings.activation(), settings.dimension(), settings.precision());
    }
}
