package dev.elustream.perf;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.math.Elu;
import org.junit.jupiter.api.Test;

/** The Kafka Streams app's value function, without a broker: the run checks the topology end to end. */
class KafkaStreamsEluTest {

    private static KafkaStreamsElu.Result elu(String value) {
        return KafkaStreamsElu.elu(value.getBytes(UTF_8), 1.0);
    }

    @Test
    void replacesFeaturesWithTheValuesAndAddsTheDerivativesAfterThem() {
        KafkaStreamsElu.Result r = elu("{\"id\":7,\"features\":[1.5,-2.0,0,-0.0]}");
        assertThat(r.error()).isNull();
        assertThat(new String(r.output(), UTF_8)).isEqualTo(
                "{\"id\":7,\"features\":[1.5,-0.8646647167633873,0.0,-0.0],\"derivative\":[1.0,0.1353352832366127,1.0,1.0]}");
    }

    @Test
    void writesWhatTheRunsVerifierAccepts() {
        double[] x = {1.5, -2.0, -0.25, 3.0E-5, -40.0};
        byte[] in = new JsonPayloadFormat(InputNumbers.FULL).encode(3, x);
        KafkaStreamsElu.Result r = KafkaStreamsElu.elu(in, 1.0);
        assertThat(ThroughputRun.eluMismatch(x, new JsonPayloadFormat(InputNumbers.FULL).decodeOutput(r.output()),
                Elu.withAlpha(1.0))).isNull();
    }

    @Test
    void usesAlphaForValuesAndDerivatives() {
        KafkaStreamsElu.Result r = KafkaStreamsElu.elu("{\"features\":[-1.0]}".getBytes(UTF_8), 2.0);
        assertThat(new String(r.output(), UTF_8))
                .isEqualTo("{\"features\":[" + 2.0 * Math.expm1(-1.0) + "],\"derivative\":[" + 2.0 * Math.exp(-1.0) + "]}");
    }

    @Test
    void rejectsWhatIsNotAVectorWithAReasonAndKeepsTheInput() {
        assertThat(elu("not json").error()).startsWith("not JSON: ");
        assertThat(elu("{\"features\":[1.0]} trailing").error()).startsWith("not JSON: ");
        assertThat(elu("[1.0]").error()).isEqualTo("not a JSON object");
        assertThat(elu("{\"values\":[1.0]}").error()).isEqualTo("no array 'features'");
        assertThat(elu("{\"features\":1.0}").error()).isEqualTo("no array 'features'");
        assertThat(elu("{\"features\":[1.0,\"2\"]}").error()).isEqualTo("features[1] is not a number: \"2\"");
        assertThat(elu("{\"features\":[1e400]}").error()).startsWith("features[0] is not finite");
        assertThat(KafkaStreamsElu.elu(null, 1.0).error()).isEqualTo("no value");
        KafkaStreamsElu.Result r = elu("{\"features\":[null]}");
        assertThat(r.output()).isNull();
        assertThat(new String(r.input(), UTF_8)).isEqualTo("{\"features\":[null]}");
    }
}
