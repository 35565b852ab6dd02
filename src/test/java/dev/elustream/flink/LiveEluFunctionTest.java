package dev.elustream.flink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elustream.codec.OutputMode;
import dev.elustream.codec.ParameterUpdate;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Alpha;
import dev.elustream.testing.Ulps;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

class LiveEluFunctionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EluSettings SETTINGS =
            new EluSettings(ActivationKind.ELU, 1.0, OutputMode.BOTH, false, 3, 8, EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES);
    private static final ParameterUpdate JOB_FILE = new ParameterUpdate(0, Alpha.of(1.0));
    private static final double[] X = {1.5, -1.0, -0.0};

    private long controlOffset;
    private long dataOffset;

    private static BroadcastOperatorTestHarness<KafkaRecord, KafkaRecord, KafkaRecord> harness(EluSettings settings,
            ParameterUpdate initial, int subtask, OperatorSubtaskState restore) throws Exception {
        BroadcastOperatorTestHarness<KafkaRecord, KafkaRecord, KafkaRecord> h = new BroadcastOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(new LiveEluFunction(settings, initial),
                        List.of(LiveEluFunction.PARAMETERS)), 3, 3, subtask);
        h.setup();
        if (restore != null) {
            h.initializeState(restore);
        } else {
            h.initializeState((OperatorSubtaskState) null);
        }
        h.open();
        return h;
    }

    private static BroadcastOperatorTestHarness<KafkaRecord, KafkaRecord, KafkaRecord> harness() throws Exception {
        return harness(SETTINGS, JOB_FILE, 0, null);
    }

    private KafkaRecord data(String json) {
        return new KafkaRecord("in", 0, dataOffset++, 5L, "k".getBytes(UTF_8), json.getBytes(UTF_8),
                new String[] {"h"}, new byte[][] {{1}});
    }

    private KafkaRecord vector() {
        return data("{\"id\":" + dataOffset + ",\"features\":[1.5,-1.0,-0.0]}");
    }

    private KafkaRecord control(String json) {
        return new KafkaRecord("control", 0, controlOffset++, 5L, null, json == null ? null : json.getBytes(UTF_8),
                new String[0], new byte[0][]);
    }

    private static String header(KafkaRecord r, String key) {
        String value = null;
        for (int i = 0; i < r.headerKeys().length; i++) {
            if (r.headerKeys()[i].equals(key)) {
                value = new String(r.headerValues()[i], UTF_8);
            }
        }
        return value;
    }

    /** Checks an output record's values and derivatives against ELU with the given alpha per element. */
    private static void assertElu(KafkaRecord out, double... alpha) throws Exception {
        JsonNode node = JSON.readTree(out.value());
        for (int i = 0; i < X.length; i++) {
            double a = alpha.length == 1 ? alpha[0] : alpha[i];
            double f = X[i] > 0 ? X[i] : a * Math.expm1(X[i]);
            double d = X[i] > 0 ? 1.0 : a * Math.exp(X[i]);
            Ulps.assertWithin2Ulp(node.get("features").get(i).doubleValue(), f, "f at " + i + " alpha " + a);
            Ulps.assertWithin2Ulp(node.get("derivative").get(i).doubleValue(), d, "f' at " + i + " alpha " + a);
        }
        // -0.0 stays -0.0
        assertThat(node.get("features").get(2).asText()).isEqualTo("-0.0");
    }

    private static List<KafkaRecord> deadLetters(BroadcastOperatorTestHarness<KafkaRecord, KafkaRecord, KafkaRecord> h) {
        List<KafkaRecord> out = new ArrayList<>();
        if (h.getSideOutput(EluFunction.DEAD_LETTERS) != null) {
            for (StreamRecord<KafkaRecord> r : h.getSideOutput(EluFunction.DEAD_LETTERS)) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    @Test
    void marksEveryRecordWithTheJobFilesVersionUntilAnUpdate() throws Exception {
        try (var h = harness()) {
            h.processElement(vector(), 1L);
            KafkaRecord out = h.extractOutputValues().get(0);
            assertElu(out, 1.0);
            assertThat(out.headerKeys()).containsExactly("h", RecordHandler.VERSION_HEADER);
            assertThat(header(out, RecordHandler.VERSION_HEADER)).isEqualTo("0");
            assertThat(out.key()).isEqualTo("k".getBytes(UTF_8));
        }
    }

    @Test
    void appliesEachUpdateToTheRecordsAfterIt() throws Exception {
        try (var h = harness()) {
            h.processElement(vector(), 1L);
            h.processBroadcastElement(control("{\"version\": 1, \"alpha\": 0.5}"), 2L);
            h.processElement(vector(), 3L);
            h.processBroadcastElement(control("{\"version\": 7, \"alpha\": [0.25, 0.5, 2.0]}"), 4L);
            h.processElement(vector(), 5L);
            h.processElement(data("{\"features\":[1,2]}"), 6L);

            List<KafkaRecord> out = h.extractOutputValues();
            assertThat(out).hasSize(3);
            assertElu(out.get(0), 1.0);
            assertThat(header(out.get(0), RecordHandler.VERSION_HEADER)).isEqualTo("0");
            assertElu(out.get(1), 0.5);
            assertThat(header(out.get(1), RecordHandler.VERSION_HEADER)).isEqualTo("1");
            assertElu(out.get(2), 0.25, 0.5, 2.0);
            assertThat(header(out.get(2), RecordHandler.VERSION_HEADER)).isEqualTo("7");
            // a data record's dead letter says which parameters were in force too
            List<KafkaRecord> dead = deadLetters(h);
            assertThat(dead).hasSize(1);
            assertThat(header(dead.get(0), DeadLetters.REASON_HEADER)).contains("expected 3 (dimension)");
            assertThat(header(dead.get(0), RecordHandler.VERSION_HEADER)).isEqualTo("7");
            assertThat(h.getBroadcastState(LiveEluFunction.PARAMETERS).get(LiveEluFunction.CURRENT))
                    .isEqualTo("{\"version\":7,\"alpha\":[0.25,0.5,2.0]}");
        }
    }

    @Test
    void deadLettersABadUpdateOnceAndChangesNothing() throws Exception {
        try (var h = harness()) {
            h.processBroadcastElement(control("{\"version\": 3, \"alpha\": 0.5}"), 1L);
            String[] bad = {
                "{\"version\": 3, \"alpha\": 0.7}",
                "{\"version\": 2, \"alpha\": 0.7}",
                "{\"version\": 4, \"alpha\": -1}",
                "{\"version\": 4, \"alpha\": [1, 2]}",
                "{\"version\": 4, \"alpha\": 0.7, \"beta\": 1}",
                "not json",
                null,
            };
            for (String b : bad) {
                h.processBroadcastElement(control(b), 2L);
            }
            h.processElement(vector(), 3L);
            assertElu(h.extractOutputValues().get(0), 0.5);
            assertThat(header(h.extractOutputValues().get(0), RecordHandler.VERSION_HEADER)).isEqualTo("3");

            List<KafkaRecord> dead = deadLetters(h);
            assertThat(dead).hasSize(bad.length);
            String[] reasons = {
                "the control record's version 3 is not above the version in force, 3: versions must increase",
                "the control record's version 2 is not above the version in force, 3",
                "version 4: alpha must be finite and >= 0 for activation elu, got -1.0",
                "version 4: the per-element alpha has 2 elements, the job's dimension is 3",
                "unknown member 'beta'",
                "the control record is not valid JSON",
                "the control record has no value (a tombstone)",
            };
            for (int i = 0; i < bad.length; i++) {
                KafkaRecord d = dead.get(i);
                assertThat(header(d, DeadLetters.REASON_HEADER)).contains(reasons[i]);
                assertThat(d.value()).isEqualTo(bad[i] == null ? null : bad[i].getBytes(UTF_8));
                assertThat(header(d, DeadLetters.TOPIC_HEADER)).isEqualTo("control");
                assertThat(header(d, DeadLetters.OFFSET_HEADER)).isEqualTo(Long.toString(i + 1));
                assertThat(header(d, RecordHandler.VERSION_HEADER)).isEqualTo("3");
            }
        }
    }

    @Test
    void onlySubtaskZeroDeadLettersABadUpdateButEverySubtaskAppliesAGoodOne() throws Exception {
        try (var h = harness(SETTINGS, JOB_FILE, 1, null)) {
            h.processBroadcastElement(control("{\"version\": 0, \"alpha\": 0.5}"), 1L);
            h.processBroadcastElement(control("{\"version\": 1, \"alpha\": 0.5}"), 2L);
            h.processElement(vector(), 3L);
            assertThat(deadLetters(h)).isEmpty();
            assertElu(h.extractOutputValues().get(0), 0.5);
            assertThat(header(h.extractOutputValues().get(0), RecordHandler.VERSION_HEADER)).isEqualTo("1");
        }
    }

    @Test
    void resumesWithTheParametersOfItsCheckpoint() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.processBroadcastElement(control("{\"version\": 4, \"alpha\": [0.25, 0.5, 2.0]}"), 1L);
            snapshot = h.snapshot(1L, 1L);
            // after the checkpoint: lost with the failure
            h.processBroadcastElement(control("{\"version\": 5, \"alpha\": 3.0}"), 2L);
        }
        // a later launch would start with other parameters; the state wins
        try (var h = harness(SETTINGS, new ParameterUpdate(9, Alpha.of(0.1)), 0, snapshot)) {
            h.processElement(vector(), 3L);
            assertElu(h.extractOutputValues().get(0), 0.25, 0.5, 2.0);
            assertThat(header(h.extractOutputValues().get(0), RecordHandler.VERSION_HEADER)).isEqualTo("4");
            // the replayed update is applied again, and the version goes on from the restored one
            h.processBroadcastElement(control("{\"version\": 5, \"alpha\": 3.0}"), 4L);
            h.processElement(vector(), 5L);
            assertElu(h.extractOutputValues().get(1), 3.0);
            assertThat(deadLetters(h)).isEmpty();
        }
    }

    @Test
    void keepsTheParametersItStartedWithInItsState() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(SETTINGS, new ParameterUpdate(5, Alpha.of(0.5)), 0, null)) {
            snapshot = h.snapshot(1L, 1L);
        }
        // restored with a launch that found version 8 on the control topic: the source replays 6..8 from
        // its checkpointed offsets, so the operator must resume at 5, not 8
        try (var h = harness(SETTINGS, new ParameterUpdate(8, Alpha.of(2.0)), 0, snapshot)) {
            h.processElement(vector(), 1L);
            assertElu(h.extractOutputValues().get(0), 0.5);
            h.processBroadcastElement(control("{\"version\": 6, \"alpha\": 0.75}"), 2L);
            h.processElement(vector(), 3L);
            assertElu(h.extractOutputValues().get(1), 0.75);
            assertThat(deadLetters(h)).isEmpty();
        }
    }

    @Test
    void refusesRestoredParametersThatDoNotFitTheJob() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.processBroadcastElement(control("{\"version\": 4, \"alpha\": [0.25, 0.5, 2.0]}"), 1L);
            snapshot = h.snapshot(1L, 1L);
        }
        EluSettings fourElements = new EluSettings(ActivationKind.ELU, 1.0, OutputMode.BOTH, false, 4, 8,
                EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES);
        assertThatThrownBy(() -> harness(fourElements, JOB_FILE, 0, snapshot))
                .hasStackTraceContaining("the parameters restored from the checkpoint or savepoint"
                        + " ({\"version\":4,\"alpha\":[0.25,0.5,2.0]}) do not fit this job: version 4: the per-element"
                        + " alpha has 3 elements, the job's dimension is 4");
    }

    @Test
    void travelsInTheJobGraph() throws Exception {
        LiveEluFunction copy = org.apache.flink.util.InstantiationUtil.clone(
                new LiveEluFunction(SETTINGS, new ParameterUpdate(3, Alpha.perElement(new double[] {0.5, 1.0, 2.0}))));
        try (var h = new BroadcastOperatorTestHarness<KafkaRecord, KafkaRecord, KafkaRecord>(
                new CoBroadcastWithNonKeyedOperator<>(copy, List.of(LiveEluFunction.PARAMETERS)), 1, 1, 0)) {
            h.setup();
            h.initializeState((OperatorSubtaskState) null);
            h.open();
            h.processElement(vector(), 1L);
            assertElu(h.extractOutputValues().get(0), 0.5, 1.0, 2.0);
            assertThat(header(h.extractOutputValues().get(0), RecordHandler.VERSION_HEADER)).isEqualTo("3");
        }
    }

    @Test
    void forwardsTombstonesWithTheVersion() throws Exception {
        try (var h = harness()) {
            h.processElement(new KafkaRecord("in", 0, 1, 5L, null, null, new String[0], new byte[0][]), 1L);
            KafkaRecord out = h.extractOutputValues().get(0);
            assertThat(out.value()).isNull();
            assertThat(header(out, RecordHandler.VERSION_HEADER)).isEqualTo("0");
        }
    }
}
