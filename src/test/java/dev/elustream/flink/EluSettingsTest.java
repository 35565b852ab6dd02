package dev.elustream.flink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.codec.Endianness;
import dev.elustream.codec.OutputMode;
import dev.elustream.codec.VectorFormat;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Celu;
import dev.elustream.math.Elu;
import dev.elustream.math.Selu;
import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/** The activation and alpha-gradient settings, and the operator built from them. */
class EluSettingsTest {

    private static final int MAX_BYTES = EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES;

    @Test
    void theOldConstructorMeansEluWithoutAlphaGradient() {
        EluSettings s = new EluSettings(0.5, OutputMode.BOTH, 0, 8, MAX_BYTES);
        assertThat(s).isEqualTo(new EluSettings(ActivationKind.ELU, 0.5, OutputMode.BOTH, false, 0, 8, MAX_BYTES));
        assertThat(s.activationFunction()).isInstanceOf(Elu.class);
        assertThat(s.operatorName()).isEqualTo("ELU (alpha=0.5, mode=both)");
    }

    @Test
    void buildsEachActivationAndNamesTheOperatorAfterIt() {
        EluSettings celu = new EluSettings(ActivationKind.CELU, 2.0, OutputMode.ACTIVATION, true, 0, 8, MAX_BYTES);
        assertThat(celu.activationFunction()).isInstanceOf(Celu.class).extracting(f -> ((Celu) f).alpha()).isEqualTo(2.0);
        assertThat(celu.operatorName()).isEqualTo("CELU (alpha=2.0, mode=activation, alpha-gradient)");
        EluSettings selu = new EluSettings(ActivationKind.SELU, ActivationKind.SELU_ALPHA, OutputMode.BOTH, false, 0, 8,
                MAX_BYTES);
        assertThat(selu.activationFunction()).isSameAs(Selu.instance());
        assertThat(selu.operatorName()).isEqualTo("SELU (mode=both)");
    }

    @Test
    void refusesAnAlphaTheActivationCannotTake() {
        assertThatThrownBy(() -> new EluSettings(ActivationKind.CELU, 0.0, OutputMode.BOTH, false, 0, 8, MAX_BYTES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha must be finite and > 0 for activation celu, got 0.0");
        assertThatThrownBy(() -> new EluSettings(ActivationKind.SELU, 1.0, OutputMode.BOTH, false, 0, 8, MAX_BYTES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("alpha must be SELU's fixed 1.6732632423543772 for activation selu, got 1.0");
        assertThatThrownBy(() -> new EluSettings(null, 1.0, OutputMode.BOTH, false, 0, 8, MAX_BYTES))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void survivesJavaSerializationAsPartOfTheFunction() throws Exception {
        EluSettings s = new EluSettings(ActivationKind.CELU, 0.25, OutputMode.BOTH, true, 4, 8, 1000);
        EluSettings copy = InstantiationUtil.clone(s);
        assertThat(copy).isEqualTo(s);
        EluSettings binary = new EluSettings(ActivationKind.CELU, 0.25, OutputMode.BOTH, true, 4, 8, 1000,
                VectorFormat.BINARY);
        assertThat(InstantiationUtil.clone(binary)).isEqualTo(binary).isNotEqualTo(s);
    }

    @Test
    void theSettingsBeforeTheFormatMeanJson() {
        EluSettings s = new EluSettings(ActivationKind.SELU, ActivationKind.SELU_ALPHA, OutputMode.BOTH, false, 0, 8,
                MAX_BYTES);
        assertThat(s.format()).isEqualTo(VectorFormat.JSON);
        assertThat(new EluSettings(0.5, OutputMode.BOTH, 0, 8, MAX_BYTES).format()).isEqualTo(VectorFormat.JSON);
        assertThat(new EluSettings(ActivationKind.SELU, ActivationKind.SELU_ALPHA, OutputMode.BOTH, false, 0, 8,
                MAX_BYTES, VectorFormat.BINARY).operatorName()).isEqualTo("SELU (mode=both, binary)");
        assertThatThrownBy(() -> new EluSettings(ActivationKind.ELU, 1.0, OutputMode.BOTH, false, 0, 8, MAX_BYTES, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("format");
    }

    @Test
    void theSettingsBeforeTheByteOrderMeanLittleEndianAndOnlyRawFormatsTakeBigEndian() {
        EluSettings raw = new EluSettings(ActivationKind.ELU, 1.0, OutputMode.BOTH, false, 0, 8, MAX_BYTES,
                VectorFormat.RAW_FLOAT32);
        assertThat(raw.byteOrder()).isEqualTo(Endianness.LITTLE_ENDIAN);
        assertThat(raw).isEqualTo(new EluSettings(ActivationKind.ELU, 1.0, OutputMode.BOTH, false, 0, 8, MAX_BYTES,
                VectorFormat.RAW_FLOAT32, Endianness.LITTLE_ENDIAN));
        assertThat(raw.operatorName()).isEqualTo("ELU (alpha=1.0, mode=both, raw-float32)");
        assertThat(new EluSettings(ActivationKind.CELU, 0.5, OutputMode.ACTIVATION, true, 0, 8, MAX_BYTES,
                VectorFormat.RAW_FLOAT64, Endianness.BIG_ENDIAN).operatorName())
                .isEqualTo("CELU (alpha=0.5, mode=activation, alpha-gradient, raw-float64, big-endian)");
        assertThat(new EluSettings(0.5, OutputMode.BOTH, 0, 8, MAX_BYTES).byteOrder()).isEqualTo(Endianness.LITTLE_ENDIAN);
        assertThatThrownBy(() -> new EluSettings(ActivationKind.ELU, 1.0, OutputMode.BOTH, false, 0, 8, MAX_BYTES,
                VectorFormat.BINARY, Endianness.BIG_ENDIAN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("byte order big-endian applies to the raw formats only, not binary");
        assertThatThrownBy(() -> new EluSettings(ActivationKind.ELU, 1.0, OutputMode.BOTH, false, 0, 8, MAX_BYTES,
                VectorFormat.RAW_FLOAT32, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("byteOrder");
    }

    @Test
    void aRawSettingSurvivesJavaSerializationWithItsByteOrder() throws Exception {
        EluSettings big = new EluSettings(ActivationKind.ELU, 0.25, OutputMode.BOTH, true, 4, 8, 1000,
                VectorFormat.RAW_FLOAT64, Endianness.BIG_ENDIAN);
        assertThat(InstantiationUtil.clone(big)).isEqualTo(big)
                .isNotEqualTo(new EluSettings(ActivationKind.ELU, 0.25, OutputMode.BOTH, true, 4, 8, 1000,
                        VectorFormat.RAW_FLOAT64));
    }

    @Test
    void theOperatorWritesTheChosenActivationAndItsAlphaGradient() throws Exception {
        EluSettings settings = new EluSettings(ActivationKind.CELU, 0.5, OutputMode.BOTH, true, 0, 8, MAX_BYTES);
        try (OneInputStreamOperatorTestHarness<KafkaRecord, KafkaRecord> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(new EluFunction(settings))) {
            harness.processElement(EluFunctionTest.record(1, "k", "{\"features\":[3,-1]}"), 1L);
            harness.processElement(EluFunctionTest.record(2, "k", "{\"features\":[1],\"alpha_gradient\":[]}"), 2L);

            Celu celu = Celu.withAlpha(0.5);
            List<KafkaRecord> out = harness.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(new String(out.get(0).value(), UTF_8)).isEqualTo("{\"features\":[3.0," + celu.value(-1.0)
                    + "],\"derivative\":[1.0," + celu.derivative(-1.0) + "],\"alpha_gradient\":[0.0,"
                    + celu.alphaGradient(-1.0) + "]}");
            assertThat(harness.getSideOutput(EluFunction.DEAD_LETTERS)).hasSize(1);
        }
    }
}
