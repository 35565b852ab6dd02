package dev.elustream.perf;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.codec.BinaryVectors;
import dev.elustream.math.Elu;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The verifier's spot check must catch a job that writes wrong numbers. */
class OutputCheckTest {

    private final PayloadFormat json = PayloadFormat.named("json");

    @Test
    void jsonInputCarriesTheVectorExactly() {
        assertThat(new String(json.encode(7, new double[] {1.5, -0.25, 3.0E-5}), UTF_8))
                .isEqualTo("{\"id\":7,\"features\":[1.5,-0.25,3.0E-5]}");
    }

    @Test
    void acceptsTheJobsOutputForm() {
        byte[] out = "{\"id\":7,\"features\":[1.5,-0.8646647167633873],\"derivative\":[1.0,0.1353352832366127]}"
                .getBytes(UTF_8);
        assertThat(ThroughputRun.eluMismatch(new double[] {1.5, -2.0}, json.decodeOutput(out), Elu.withAlpha(1.0)))
                .isNull();
    }

    @Test
    void catchesAWrongValueADerivativeFromTheOutputAndAMissingDerivative() {
        byte[] identity = "{\"id\":7,\"features\":[1.5,-2.0],\"derivative\":[1.0,0.1353352832366127]}".getBytes(UTF_8);
        assertThat(ThroughputRun.eluMismatch(new double[] {1.5, -2.0}, json.decodeOutput(identity), Elu.withAlpha(1.0)))
                .startsWith("element 1: x=-2.0 gave f=-2.0");
        byte[] off = "{\"features\":[-0.8646647167633873],\"derivative\":[0.13533528323661]}".getBytes(UTF_8);
        assertThat(ThroughputRun.eluMismatch(new double[] {-2.0}, json.decodeOutput(off), Elu.withAlpha(1.0)))
                .startsWith("element 0");
        assertThatThrownBy(() -> json.decodeOutput("{\"features\":[1.5]}".getBytes(UTF_8)))
                .hasMessageContaining("no array 'derivative'");
    }

    @Test
    void allowsTwoUlpAndNoMore() {
        Elu elu = Elu.withAlpha(1.0);
        double[] x = {-2.0};
        double f = elu.value(-2.0);
        double d = elu.derivative(-2.0);
        double twoUp = Math.nextUp(Math.nextUp(d));
        assertThat(ThroughputRun.eluMismatch(x, new PayloadFormat.Decoded(new double[] {f}, new double[] {twoUp}), elu))
                .isNull();
        assertThat(ThroughputRun.eluMismatch(x, new PayloadFormat.Decoded(new double[] {f}, new double[] {Math.nextUp(twoUp)}),
                elu)).startsWith("element 0");
    }

    @Test
    void binaryRoundTripsAndItsOutputIsChecked() {
        PayloadFormat binary = PayloadFormat.named("binary");
        assertThat(binary.jobArguments()).containsExactly("--format", "binary");
        assertThat(BinaryVectors.decode(binary.encode(7, new double[] {1.5, -2.0})).values()).containsExactly(1.5, -2.0);
        Elu elu = Elu.withAlpha(1.0);
        double[] x = {1.5, -2.0};
        double[] f = new double[2];
        double[] d = new double[2];
        elu.valuesAndDerivatives(x, f, d, 2);
        byte[] out = encodeOutput(f, d);
        assertThat(ThroughputRun.eluMismatch(x, binary.decodeOutput(out), elu)).isNull();
        assertThat(ThroughputRun.eluMismatch(x, binary.decodeOutput(encodeOutput(x, d)), elu)).startsWith("element 1");
        assertThatThrownBy(() -> binary.decodeOutput(BinaryVectors.encode(x))).hasMessageContaining("no derivative");
    }

    /** A mode-both output value: header with sections values|derivative, then both blocks. */
    private static byte[] encodeOutput(double[] values, double[] derivatives) {
        ByteBuffer b = ByteBuffer.allocate(12 + 16 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'E').put((byte) 'V').put((byte) 1).put((byte) 1).put((byte) 3).put(new byte[3]).putInt(values.length);
        for (double v : values) {
            b.putDouble(v);
        }
        for (double v : derivatives) {
            b.putDouble(v);
        }
        return b.array();
    }

    @Test
    void namesTheKnownFormatsForAnUnknownOne() {
        assertThatThrownBy(() -> PayloadFormat.named("avro")).hasMessage("--format must be one of: json, binary; got 'avro'");
    }
}
