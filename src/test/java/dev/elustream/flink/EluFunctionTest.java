package dev.elustream.flink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.codec.OutputMode;
import java.util.List;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EluFunctionTest {

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
        try (var small = harness(new EluSettings(1.0, OutputMode.BOTH, 0, 8, 400))) {
            small.processElement(record(1, "k", "{\"features\":[-1,-2,-3,-4,-5,-6,-7,-8]}"), 0L);
            small.processElement(record(2, "k", "{\"features\":[1]}"), 0L);
            assertThat(small.extractOutputValues()).singleElement()
                    .satisfies(r -> assertThat(r.offset()).isEqualTo(2));
            KafkaRecord d = small.getSideOutput(EluFunction.DEAD_LETTERS).peek().getValue();
            assertThat(new String(d.headerValues()[2], UTF_8))
                    .startsWith("output record would be ")
                    .contains("above the output producer's max.request.size (400)");
            assertThat(d.value()).as("the dead letter itself fits, with its value").isNotEmpty();
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
            assertThat(EluFunction.estimatedRecordSize(d, d.value())).isLessThanOrEqualTo(1000);
            // A small one keeps its value.
            assertThat(dead.get(1).value()).isEqualTo("[1]".getBytes(UTF_8));
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

    @Test
    void usesTheConfiguredAlphaModeAndDimension() throws Exception {
        try (var h = harness(new EluSettings(0.5, OutputMode.ACTIVATION, 2, 8, EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES))) {
            h.processElement(record(1, "k", "{\"features\":[-1,0]}"), 0L);
            h.processElement(record(2, "k", "{\"features\":[-1]}"), 0L);
            assertThat(h.extractOutputValues()).singleElement().satisfies(r -> assertThat(new String(r.value(), UTF_8))
                    .isEqualTo("{\"features\":[" + 0.5 * Math.expm1(-1.0) + ",0.0]}"));
            assertThat(new String(h.getSideOutput(EluFunction.DEAD_LETTERS).peek().getValue().headerValues()[2], UTF_8))
                    .contains("expected 2 (dimension)");
        }
    }

    @Test
    void operatorIsAProcessOperator() {
        assertThat(harness.getOneInputOperator()).isInstanceOf(ProcessOperator.class);
    }
}
