package dev.elustream.flink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.codec.BinaryVectors;
import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.codec.Endianness;
import dev.elustream.codec.JsonVectorFields;
import dev.elustream.codec.OutputMode;
import dev.elustream.codec.RawTensors;
import dev.elustream.codec.RecordSchema;
import dev.elustream.codec.RejectKind;
import dev.elustream.codec.ServiceUnavailableException;
import dev.elustream.codec.VectorFormat;
import dev.elustream.codec.VectorTransformer;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.ArrayActivation;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EluFunctionTest {

    private static final Set<RejectKind> NOT_JSON_KINDS = EnumSet.of(RejectKind.BAD_MAGIC,
            RejectKind.UNSUPPORTED_VERSION, RejectKind.UNKNOWN_ELEMENT_TYPE, RejectKind.INVALID_HEADER,
            RejectKind.WRONG_LENGTH, RejectKind.INVALID_ENCODING, RejectKind.UNKNOWN_SCHEMA, RejectKind.INVALID_PARAMETERS);

    private OneInputStreamOperatorTestHarness<KafkaRecord, KafkaRecord> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = harness(new EluSettings(1.0, OutputMode.BOTH, 0, 8, EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES));
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static OneInputStreamOperatorTestHarness<KafkaRecord, KafkaRecord> harness(EluSettings settings)
            throws Exception {
        return ProcessFunctionTestHarnesses.forProcessFunction(new EluFunction(settings));
    }

    static KafkaRecord record(long offset, String key, String value) {
        return new KafkaRecord("in", 2, offset, 1_700_000_000_000L + offset,
                key == null ? null : key.getBytes(UTF_8), value == null ? null : value.getBytes(UTF_8),
                new String[] {"trace", "empty"}, new byte[][] {"t-1".getBytes(UTF_8), null});
    }

    /**
     * A schema whose codec cannot reach the service it needs (a schema registry down): the operator
     * fails (Flink retries from the last checkpoint) instead of dead-lettering a record that is not at
     * fault, and a later record goes through once the service is back.
     */
    @Test
    void failsInsteadOfDeadLetteringWhenTheCodecsServiceIsUnavailable() throws Exception {
        boolean[] down = {true};
        RecordSchema flaky = new RecordSchema() {
            @Override
            public VectorFormat format() {
                return VectorFormat.AVRO;
            }

            @Override
            public VectorTransformer transformer(ArrayActivation activation, int dimension, int maxDimension) {
                return new VectorTransformer() {
                    @Override
                    public byte[] transform(byte[] value) {
                        if (down[0]) {
                            throw new ServiceUnavailableException("the schema registry at http://r cannot be reached");
                        }
                        return value.clone();
                    }

                    @Override
                    public int lastLength() {
                        return 1;
                    }

                    @Override
                    public int lastNonPositiveCount() {
                        return 0;
                    }
                };
            }

            @Override
            public String outputSchemaText() {
                return "";
            }

            @Override
            public String describe() {
                return "avro flaky";
            }
        };
        EluSettings settings = new EluSettings(ActivationKind.ELU, 1.0, OutputMode.BOTH, false, 0, 8,
                EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES, VectorFormat.AVRO, Endianness.LITTLE_ENDIAN,
                JsonVectorFields.defaults(), ElementType.FLOAT64, flaky);
        try (var h = harness(settings)) {
            assertThatThrownBy(() -> h.processElement(record(1, "k", "x"), 0L))
                    .isInstanceOf(ServiceUnavailableException.class)
                    .hasMessage("the schema registry at http://r cannot be reached");
            assertThat(h.getSideOutput(EluFunction.DEAD_LETTERS)).isNullOrEmpty();
            assertThat(h.extractOutputValues()).isEmpty();
            down[0] = false;
            h.processElement(record(1, "k", "x"), 0L);
            assertThat(h.extractOutputValues()).extracting(r -> new String(r.value(), UTF_8)).containsExactly("x");
            assertThat(h.getSideOutput(EluFunction.DEAD_LETTERS)).isNullOrEmpty();
        }
    }

    @Test
    void transformsTheValueAndKeepsKeyHeadersAndTimestamp() throws Exception {
        KafkaRecord in = record(7, "k", "{\"id\":\"a\",\"features\":[1.5,-2],\"label\":3}");
        harness.processElement(in, 5L);

        List<KafkaRecord> out = harness.extractOutputValues();
        assertThat(out).hasSize(1);
        KafkaRecord r = out.get(0);
        assertThat(new String(r.value(), UTF_8)).isEqualTo("{\"id\":\"a\",\"features\":[1.5,"
                + Math.expm1(-2.0) + "],\"derivative\":[1.0," + Math.exp(-2.0) + "],\"label\":3}");
        assertThat(r.key()).isEqualTo("k".getBytes(UTF_8));
        assertThat(r.headerKeys()).containsExactly("trace", "empty");
        assertThat(r.headerValues()[0]).isEqualTo("t-1".getBytes(UTF_8));
        assertThat(r.headerValues()[1]).isNull();
        assertThat(r.timestamp()).isEqualTo(in.timestamp());
        assertThat(r.offset()).isEqualTo(7);
        assertThat(harness.getSideOutput(EluFunction.DEAD_LETTERS)).isNullOrEmpty();
    }

    @Test
    void forwardsATombstoneWithItsKey() throws Exception {
        harness.processElement(record(1, "gone", null), 0L);
        assertThat(harness.extractOutputValues()).singleElement().satisfies(r -> {
            assertThat(r.value()).isNull();
            assertThat(r.key()).isEqualTo("gone".getBytes(UTF_8));
        });
    }

    @Test
    void routesARejectedRecordUnchangedWithTheReasonHeaders() throws Exception {
        byte[] notUtf8 = {'{', (byte) 0xC3, '}'};
        KafkaRecord bad = new KafkaRecord("in", 1, 42, 99L, null, notUtf8, new String[] {"h"},
                new byte[][] {{1, 2}});
        harness.processElement(bad, 0L);
        harness.processElement(record(43, "k", "{\"features\":[\"x\"]}"), 0L);

        assertThat(harness.extractOutputValues()).isEmpty();
        List<KafkaRecord> dead = harness.getSideOutput(EluFunction.DEAD_LETTERS).stream()
                .map(StreamRecord::getValue).toList();
        assertThat(dead).hasSize(2);
        KafkaRecord d = dead.get(0);
        assertThat(d.value()).isEqualTo(notUtf8);
        assertThat(d.key()).isNull();
        assertThat(d.timestamp()).isEqualTo(99L);
        assertThat(d.headerKeys()).containsExactly("h", DeadLetters.REASON_HEADER, DeadLetters.TOPIC_HEADER,
                DeadLetters.PARTITION_HEADER, DeadLetters.OFFSET_HEADER);
        assertThat(d.headerValues()[0]).isEqualTo(new byte[] {1, 2});
        assertThat(new String(d.headerValues()[1], UTF_8)).contains("not valid UTF-8");
        assertThat(new String(d.headerValues()[2], UTF_8)).isEqualTo("in");
        assertThat(new String(d.headerValues()[3], UTF_8)).isEqualTo("1");
        assertThat(new String(d.headerValues()[4], UTF_8)).isEqualTo("42");
        assertThat(new String(dead.get(1).headerValues()[2], UTF_8)).isEqualTo("features[0] is a string, expected a number");
    }

    @Test
    void deadLettersAResultTooLargeForTheOutputProducer() throws Exception {
        try (var m = new MeteredHarness(new EluSettings(1.0, OutputMode.BOTH, 0, 8, 400))) {
            var small = m.harness;
            small.processElement(record(1, "k", "{\"features\":[-1,-2,-3,-4,-5,-6,-7,-8]}"), 0L);
            small.processElement(record(2, "k", "{\"features\":[1]}"), 0L);
            assertThat(small.extractOutputValues()).singleElement()
                    .satisfies(r -> assertThat(r.offset()).isEqualTo(2));
            KafkaRecord d = small.getSideOutput(EluFunction.DEAD_LETTERS).peek().getValue();
            assertThat(new String(d.headerValues()[2], UTF_8))
                    .startsWith("output record would be ")
                    .contains("above the output producer's max.request.size (400)");
            assertThat(d.value()).as("the dead letter itself fits, with its value").isNotEmpty();
            assertThat(m.deadLetters(RejectKind.OUTPUT_TOO_LARGE)).isEqualTo(1);
            assertThat(m.count("elu.deadLetters")).isEqualTo(1);
            // only what was written counts as transformed
            assertThat(m.count("elu.recordsTransformed")).isEqualTo(1);
            assertThat(m.count("elu.elements")).isEqualTo(1);
            assertThat(m.count("elu.negativeElements")).isEqualTo(0);
        }
    }

    @Test
    void leavesOutTheValueOfADeadLetterTooLargeForTheProducer() throws Exception {
        try (var small = harness(new EluSettings(1.0, OutputMode.BOTH, 0, 8, 1000))) {
            String big = "x".repeat(950);
            small.processElement(record(5, "k", big), 0L);
            small.processElement(record(6, "k", "[1]"), 0L);
            List<KafkaRecord> dead = small.getSideOutput(EluFunction.DEAD_LETTERS).stream()
                    .map(StreamRecord::getValue).toList();
            assertThat(dead).hasSize(2);
            KafkaRecord d = dead.get(0);
            assertThat(d.value()).isEmpty();
            assertThat(d.key()).isEqualTo("k".getBytes(UTF_8));
            assertThat(d.headerKeys()).containsExactly("trace", "empty", DeadLetters.REASON_HEADER,
                    DeadLetters.TOPIC_HEADER, DeadLetters.PARTITION_HEADER, DeadLetters.OFFSET_HEADER,
                    DeadLetters.VALUE_DROPPED_HEADER);
            assertThat(new String(d.headerValues()[2], UTF_8)).startsWith("value is not valid JSON")
                    .endsWith("(the value, 950 bytes, is left out of this dead letter: it would be larger than the"
                            + " dead-letter producer's max.request.size)");
            assertThat(new String(d.headerValues()[6], UTF_8)).isEqualTo("950");
            assertThat(RecordHandler.estimatedRecordSize(d, d.value())).isLessThanOrEqualTo(1000);
            // A small one keeps its value.
            assertThat(dead.get(1).value()).isEqualTo("[1]".getBytes(UTF_8));
        }
    }

    @Test
    void roughBoundIsNeverBelowTheProducersEstimate() {
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < 1000; i++) {
            int headers = rnd.nextInt(4);
            String[] keys = new String[headers];
            byte[][] values = new byte[headers][];
            for (int h = 0; h < headers; h++) {
                keys[h] = "h\u00e9\u4e2d".repeat(rnd.nextInt(50));
                values[h] = rnd.nextBoolean() ? null : new byte[rnd.nextInt(300)];
            }
            KafkaRecord r = new KafkaRecord("t", 0, 0, 0, rnd.nextBoolean() ? null : new byte[rnd.nextInt(200)],
                    null, keys, values);
            byte[] value = new byte[rnd.nextInt(100_000)];
            assertThat(RecordHandler.roughUpperBound(r, value)).isGreaterThanOrEqualTo(RecordHandler.estimatedRecordSize(r, value));
        }
    }

    @Test
    void countsWhatItDoes() throws Exception {
        harness.processElement(record(1, "k", "{\"features\":[1]}"), 0L);
        harness.processElement(record(2, "k", null), 0L);
        harness.processElement(record(3, "k", "[]"), 0L);
        harness.processElement(record(4, "k", "{\"features\":[2]}"), 0L);
        assertThat(harness.extractOutputValues()).hasSize(3);
        assertThat(harness.getSideOutput(EluFunction.DEAD_LETTERS)).hasSize(1);
    }

    /**
     * The harness with a real task metric group whose registry records every metric the operator
     * registers, by its name under the operator's group ({@code elu.recordsTransformed}), and the name
     * Flink's Prometheus reporter gives it (its rules: "flink_", the group's logical scope joined by
     * '_', the metric name, characters outside [a-zA-Z0-9:_] replaced by '_').
     */
    private static final class MeteredHarness implements AutoCloseable {

        private static final String OPERATOR_SCOPE = "taskmanager.job.task.operator.";
        private static final CharacterFilter PROMETHEUS = s -> s.replaceAll("[^a-zA-Z0-9:_]", "_");

        final Map<String, Metric> metrics = new TreeMap<>();
        final Map<String, String> prometheusNames = new TreeMap<>();
        final OneInputStreamOperatorTestHarness<KafkaRecord, KafkaRecord> harness;
        private final TaskManagerMetricGroup taskManagerGroup;

        MeteredHarness(EluSettings settings) throws Exception {
            TestingMetricRegistry registry = TestingMetricRegistry.builder()
                    .setRegisterConsumer(this::register)
                    .build();
            taskManagerGroup = TaskManagerMetricGroup.createTaskManagerMetricGroup(registry, "localhost",
                    ResourceID.generate());
            MockEnvironment environment = new MockEnvironmentBuilder()
                    .setTaskName("MockTask")
                    .setManagedMemorySize(3 * 1024 * 1024)
                    .setBufferSize(1024)
                    .setMetricGroup(taskManagerGroup.addJob(new JobID(), "job").addTask(ExecutionAttemptID.randomId(), "task"))
                    .build();
            harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new EluFunction(settings)), environment);
            harness.setup();
            harness.open();
        }

        private void register(Metric metric, String name, AbstractMetricGroup<?> group) {
            String scope = group.getLogicalScope(s -> s, '.');
            if (scope.startsWith(OPERATOR_SCOPE)) {
                String id = scope.substring(OPERATOR_SCOPE.length()) + "." + name;
                metrics.put(id, metric);
                prometheusNames.put(id, "flink_" + group.getLogicalScope(PROMETHEUS, '_') + "_"
                        + PROMETHEUS.filterCharacters(name));
            }
        }

        long count(String id) {
            assertThat(metrics).containsKey(id);
            return ((Counter) metrics.get(id)).getCount();
        }

        long deadLetters(RejectKind kind) {
            return count("elu." + EluFunction.METRIC_DEAD_LETTERS_BY_REASON + "." + kind.metricName());
        }

        Histogram histogram(String id) {
            assertThat(metrics).containsKey(id);
            return (Histogram) metrics.get(id);
        }

        Object gauge(String id) {
            assertThat(metrics).containsKey(id);
            return ((Gauge<?>) metrics.get(id)).getValue();
        }

        @Override
        public void close() throws Exception {
            harness.close();
            taskManagerGroup.close();
        }
    }

    @Test
    void countsRecordsElementsAndDeadLettersByReasonInItsMetricGroup() throws Exception {
        try (var m = new MeteredHarness(new EluSettings(1.0, OutputMode.BOTH, 0, 8, EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES))) {
            m.harness.processElement(record(1, "k", "{\"features\":[1.5,-2]}"), 0L);
            m.harness.processElement(record(2, "k", "{\"features\":[3,0,4]}"), 0L);
            m.harness.processElement(record(3, "k", "{\"features\":[5]}"), 0L);
            m.harness.processElement(record(4, "k", null), 0L);
            String[] rejected = {
                "", // empty
                "{\"features\":[1,]}", // not JSON
                "[".repeat(1001) + "]".repeat(1001), // parser limit
                "[1]", // not an object
                "{\"id\":1}", // features missing
                "{\"features\":\"1\"}", // not an array
                "{\"features\":[]}", // empty
                "{\"features\":[1],\"features\":[1]}", // twice
                "{\"features\":[1,2,3,4,5,6,7,8,9]}", // above max-dimension 8
                "{\"features\":[null]}", // not a number
                "{\"features\":[1e999]}", // not a finite double
                "{\"features\":[1],\"derivative\":[1]}", // a member the job writes
                "{\"features\":[[1],[1,2]]}", // a batch with rows of two lengths
            };
            for (int i = 0; i < rejected.length; i++) {
                m.harness.processElement(record(10 + i, "k", rejected[i]), 0L);
            }
            m.harness.processElement(new KafkaRecord("in", 0, 30, 0L, null, new byte[] {'{', (byte) 0xC3, '}'},
                    new String[0], new byte[0][]), 0L);
            m.harness.processElement(new KafkaRecord("in", 0, 31, 0L, null, new byte[] {(byte) 0xEF, (byte) 0xBB,
                (byte) 0xBF, '{', '}'}, new String[0], new byte[0][]), 0L);

            assertThat(m.harness.extractOutputValues()).hasSize(4);
            assertThat(m.harness.getSideOutput(EluFunction.DEAD_LETTERS)).hasSize(15);
            assertThat(m.count("elu.recordsTransformed")).isEqualTo(3);
            assertThat(m.count("elu.tombstones")).isEqualTo(1);
            assertThat(m.count("elu.deadLetters")).isEqualTo(15);
            assertThat(m.count("elu.elements")).isEqualTo(6);
            // -2 and 0 take the exponential branch
            assertThat(m.count("elu.negativeElements")).isEqualTo(2);
            assertThat(m.gauge("elu.negativeShare")).isEqualTo(2.0 / 6.0);
            for (RejectKind kind : RejectKind.values()) {
                // the binary format's own kinds do not occur on a JSON job
                boolean expected = kind != RejectKind.WRONG_DIMENSION && kind != RejectKind.OUTPUT_TOO_LARGE
                        && kind != RejectKind.INTERNAL && !NOT_JSON_KINDS.contains(kind);
                assertThat(m.deadLetters(kind)).as(kind.metricName()).isEqualTo(expected ? 1 : 0);
            }
            Histogram lengths = m.histogram("elu.vectorLength");
            assertThat(lengths.getCount()).isEqualTo(3);
            assertThat(lengths.getStatistics().getMin()).isEqualTo(1);
            assertThat(lengths.getStatistics().getMax()).isEqualTo(3);
            assertThat(lengths.getStatistics().getMean()).isEqualTo(2.0);
            // every record with a value went through the codec, transformed or rejected
            Histogram nanos = m.histogram("elu.transformNanos");
            assertThat(nanos.getCount()).isEqualTo(18);
            assertThat(nanos.getStatistics().getMin()).isPositive();
        }
    }

    @Test
    void registersEveryMetricUpFrontUnderStableNames() throws Exception {
        try (var m = new MeteredHarness(new EluSettings(1.0, OutputMode.BOTH, 0, 8, EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES))) {
            assertThat(m.metrics.keySet()).filteredOn(id -> id.startsWith("elu.")).containsExactlyInAnyOrder(
                    "elu.recordsTransformed", "elu.tombstones", "elu.deadLetters", "elu.elements",
                    "elu.negativeElements", "elu.negativeShare", "elu.vectorLength", "elu.transformNanos",
                    "elu.deadLettersByReason.empty", "elu.deadLettersByReason.invalidUtf8",
                    "elu.deadLettersByReason.byteOrderMark", "elu.deadLettersByReason.invalidJson",
                    "elu.deadLettersByReason.parserLimit", "elu.deadLettersByReason.notAnObject",
                    "elu.deadLettersByReason.featuresMissing", "elu.deadLettersByReason.featuresNotAnArray",
                    "elu.deadLettersByReason.featuresEmpty", "elu.deadLettersByReason.featuresDuplicate",
                    "elu.deadLettersByReason.tooManyElements", "elu.deadLettersByReason.elementNotANumber",
                    "elu.deadLettersByReason.numberNotFinite", "elu.deadLettersByReason.wrongDimension",
                    "elu.deadLettersByReason.memberConflict", "elu.deadLettersByReason.outputTooLarge",
                    "elu.deadLettersByReason.internal", "elu.deadLettersByReason.badMagic",
                    "elu.deadLettersByReason.unsupportedVersion", "elu.deadLettersByReason.unknownElementType",
                    "elu.deadLettersByReason.invalidHeader", "elu.deadLettersByReason.wrongLength", "elu.deadLettersByReason.raggedBatch",
                    "elu.deadLettersByReason.invalidEncoding", "elu.deadLettersByReason.unknownSchema",
                    "elu.deadLettersByReason.invalidParameters");
            assertThat(m.gauge("elu.negativeShare")).isEqualTo(0.0);
            assertThat(m.prometheusNames).containsEntry("elu.recordsTransformed",
                    "flink_taskmanager_job_task_operator_elu_recordsTransformed");
            assertThat(m.prometheusNames).containsEntry("elu.deadLettersByReason.invalidUtf8",
                    "flink_taskmanager_job_task_operator_elu_deadLettersByReason_invalidUtf8");
            assertThat(m.prometheusNames).containsEntry("elu.transformNanos",
                    "flink_taskmanager_job_task_operator_elu_transformNanos");
        }
    }

    @Test
    void usesTheConfiguredAlphaModeAndDimension() throws Exception {
        try (var m = new MeteredHarness(
                new EluSettings(0.5, OutputMode.ACTIVATION, 2, 8, EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES))) {
            var h = m.harness;
            h.processElement(record(1, "k", "{\"features\":[-1,0]}"), 0L);
            h.processElement(record(2, "k", "{\"features\":[-1]}"), 0L);
            assertThat(h.extractOutputValues()).singleElement().satisfies(r -> assertThat(new String(r.value(), UTF_8))
                    .isEqualTo("{\"features\":[" + 0.5 * Math.expm1(-1.0) + ",0.0]}"));
            assertThat(new String(h.getSideOutput(EluFunction.DEAD_LETTERS).peek().getValue().headerValues()[2], UTF_8))
                    .contains("expected 2 (dimension)");
            assertThat(m.deadLetters(RejectKind.WRONG_DIMENSION)).isEqualTo(1);
        }
    }

    @Test
    void aBinaryJobTransformsBinaryValuesAndDeadLettersJsonOnesWithTheirKind() throws Exception {
        EluSettings binary = new EluSettings(ActivationKind.ELU, 0.5, OutputMode.BOTH, false, 0, 8,
                EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES, VectorFormat.BINARY);
        try (var m = new MeteredHarness(binary)) {
            var h = m.harness;
            byte[] in = BinaryVectors.encode(new double[] {1.5, -2.0, 0.0});
            KafkaRecord good = new KafkaRecord("in", 0, 10, 1234L, "id-7".getBytes(UTF_8), in,
                    new String[] {"trace"}, new byte[][] {"t-1".getBytes(UTF_8)});
            h.processElement(good, 0L);
            h.processElement(record(11, "k", "{\"features\":[1]}"), 0L);
            h.processElement(new KafkaRecord("in", 0, 12, 1235L, "id-8".getBytes(UTF_8),
                    BinaryVectors.encode(new float[] {-1f}), new String[0], new byte[0][]), 0L);

            List<KafkaRecord> out = h.extractOutputValues();
            assertThat(out).hasSize(2);
            KafkaRecord r = out.get(0);
            BinaryVectors.Decoded d = BinaryVectors.decode(r.value());
            assertThat(d.values()).containsExactly(1.5, 0.5 * Math.expm1(-2.0), 0.0);
            assertThat(d.derivatives()).containsExactly(1.0, 0.5 * Math.exp(-2.0), 0.5);
            assertThat(d.alphaGradients()).isNull();
            assertThat(r.key()).isEqualTo("id-7".getBytes(UTF_8));
            assertThat(r.headerKeys()).containsExactly("trace");
            assertThat(r.headerValues()[0]).isEqualTo("t-1".getBytes(UTF_8));
            assertThat(r.timestamp()).isEqualTo(1234L);
            assertThat(in).as("the input value is left alone").isEqualTo(BinaryVectors.encode(new double[] {1.5, -2.0, 0.0}));
            BinaryVectors.Decoded f = BinaryVectors.decode(out.get(1).value());
            assertThat(f.elementType()).isEqualTo(BinaryVectors.ElementType.FLOAT32);
            assertThat(f.values()).containsExactly((double) (float) (0.5 * Math.expm1(-1.0)));

            KafkaRecord dead = h.getSideOutput(EluFunction.DEAD_LETTERS).peek().getValue();
            assertThat(dead.value()).isEqualTo("{\"features\":[1]}".getBytes(UTF_8));
            assertThat(new String(dead.headerValues()[2], UTF_8))
                    .isEqualTo("bad magic 0x7b22 (expected 0x4556 \"EV\"): is this a JSON record on a binary job?");
            assertThat(m.deadLetters(RejectKind.BAD_MAGIC)).isEqualTo(1);
            assertThat(m.count("elu.recordsTransformed")).isEqualTo(2);
            assertThat(m.count("elu.elements")).isEqualTo(4);
            assertThat(m.count("elu.negativeElements")).isEqualTo(3);
        }
    }

    @Test
    void aRawJobTransformsRawValuesInItsByteOrderAndDeadLettersMalformedOnesWithTheirKind() throws Exception {
        EluSettings raw = new EluSettings(ActivationKind.ELU, 0.5, OutputMode.BOTH, true, 0, 8,
                EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES, VectorFormat.RAW_FLOAT32, Endianness.BIG_ENDIAN);
        try (var m = new MeteredHarness(raw)) {
            var h = m.harness;
            byte[] in = RawTensors.encode(new float[] {1.5f, -2f, 0f}, Endianness.BIG_ENDIAN);
            h.processElement(new KafkaRecord("in", 0, 10, 1234L, "id-7".getBytes(UTF_8), in,
                    new String[] {"trace"}, new byte[][] {"t-1".getBytes(UTF_8)}), 0L);
            byte[] odd = {0x3f, (byte) 0xc0, 0, 0, 0x40};
            h.processElement(new KafkaRecord("in", 0, 11, 1235L, "id-8".getBytes(UTF_8), odd, new String[0],
                    new byte[0][]), 0L);
            h.processElement(new KafkaRecord("in", 0, 12, 1236L, "id-9".getBytes(UTF_8),
                    RawTensors.encode(new float[] {1f, Float.NaN}, Endianness.BIG_ENDIAN), new String[0], new byte[0][]),
                    0L);

            List<KafkaRecord> out = h.extractOutputValues();
            assertThat(out).hasSize(1);
            KafkaRecord r = out.get(0);
            double[][] blocks = RawTensors.decode(r.value(), ElementType.FLOAT32, Endianness.BIG_ENDIAN, 3);
            assertThat(blocks[0]).containsExactly(1.5, (float) (0.5 * Math.expm1(-2.0)), 0.0);
            assertThat(blocks[1]).containsExactly(1.0, (float) (0.5 * Math.exp(-2.0)), 0.5);
            assertThat(blocks[2]).containsExactly(0.0, (float) Math.expm1(-2.0), 0.0);
            assertThat(r.key()).isEqualTo("id-7".getBytes(UTF_8));
            assertThat(r.headerKeys()).containsExactly("trace");
            assertThat(r.headerValues()[0]).isEqualTo("t-1".getBytes(UTF_8));
            assertThat(r.timestamp()).isEqualTo(1234L);

            List<KafkaRecord> dead = h.getSideOutput(EluFunction.DEAD_LETTERS).stream().map(e -> e.getValue()).toList();
            assertThat(dead).hasSize(2);
            assertThat(dead.get(0).value()).isEqualTo(odd);
            assertThat(new String(dead.get(0).headerValues()[0], UTF_8))
                    .isEqualTo("value is 5 bytes, not a multiple of 4 (raw-float32: 4 bytes per element)");
            assertThat(new String(dead.get(1).headerValues()[0], UTF_8))
                    .isEqualTo("features[1] = NaN is not finite: raw-float32 values must be finite float32 numbers");
            assertThat(m.deadLetters(RejectKind.WRONG_LENGTH)).isEqualTo(1);
            assertThat(m.deadLetters(RejectKind.NUMBER_NOT_FINITE)).isEqualTo(1);
            assertThat(m.count("elu.recordsTransformed")).isEqualTo(1);
            assertThat(m.count("elu.elements")).isEqualTo(3);
            assertThat(m.count("elu.negativeElements")).isEqualTo(2);
        }
    }

    @Test
    void operatorIsAProcessOperator() {
        assertThat(harness.getOneInputOperator()).isInstanceOf(ProcessOperator.class);
    }
}
