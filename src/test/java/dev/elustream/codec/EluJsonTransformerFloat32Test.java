package dev.elustream.codec;

import static dev.elustream.codec.JsonTestSupport.text;
import static dev.elustream.codec.JsonTestSupport.utf8;
import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.io.NumberOutput;
import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.Elu;
import dev.elustream.math.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code precision=float32}: every result rounded once to float and written as the shortest text of that float. */
class EluJsonTransformerFloat32Test {

    private static EluJsonTransformer float32(ActivationFunction activation, OutputMode mode, boolean alphaGradient) {
        return new EluJsonTransformer(activation, mode, alphaGradient, 0, 65536, JsonVectorFields.defaults(),
                ElementType.FLOAT32);
    }

    /** The number tokens of the top-level array {@code name}, as written. */
    private static List<String> tokens(String json, String name) {
        String open = "\"" + name + "\":[";
        int from = json.indexOf(open);
        assertThat(from).as("%s in %s", name, json).isNotNegative();
        from += open.length();
        String body = json.substring(from, json.indexOf(']', from));
        List<String> out = new ArrayList<>();
        for (String t : body.split(",")) {
            out.add(t);
        }
        return out;
    }

    /** Each token is the shortest text of a float (JDK 19+'s Float.toString, as Jackson writes it); returns the floats. */
    private static float[] floats(List<String> tokens) {
        float[] out = new float[tokens.size()];
        for (int i = 0; i < out.length; i++) {
            float f = Float.parseFloat(tokens.get(i));
            assertThat(tokens.get(i)).as("token %d", i).isEqualTo(NumberOutput.toString(f, true));
            out[i] = f;
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(ActivationKind.class)
    void writesEveryReferenceResultWithin2Float32UlpOfTheCorrectlyRoundedValue(ActivationKind kind) throws Exception {
        for (Kernel kernel : new Kernel[] {Kernel.SCALAR, Kernel.AUTO}) {
            for (RawTensorTransformerTest.Row row : RawTensorTransformerTest.reference(kind)) {
                ActivationFunction activation = kind == ActivationKind.ELU
                        ? Elu.withAlpha(row.alpha(), kernel) : Activations.of(kind, row.alpha());
                float value = (float) row.value();
                if (!Double.isFinite(row.x()) || !Float.isFinite(value) || row.alpha() > Float.MAX_VALUE) {
                    continue; // rejected: see rejectsAnInputWhoseResultDoesNotFitAFloat
                }
                EluJsonTransformer transformer = float32(activation, OutputMode.BOTH, true);
                String out = text(transformer.transform(utf8("{\"features\":[" + row.x() + "]}")));
                String what = kind.id() + " alpha " + row.alpha() + " x " + row.x() + " (" + kernel + "): " + out;
                assertWithin2Ulp(floats(tokens(out, "features"))[0], value, "f " + what);
                assertWithin2Ulp(floats(tokens(out, "derivative"))[0], (float) row.derivative(), "f' " + what);
                assertWithin2Ulp(floats(tokens(out, "alpha_gradient"))[0], (float) row.alphaGradient(), "df/dalpha " + what);
            }
        }
    }

    @Test
    void roundsEachResultOnceFromTheDoubleItComputes() throws Exception {
        SplittableRandom random = new SplittableRandom(32);
        Elu elu = Elu.withAlpha(0.75, Kernel.SCALAR);
        EluJsonTransformer transformer = float32(elu, OutputMode.BOTH, true);
        for (int round = 0; round < 50; round++) {
            double[] x = new double[1 + random.nextInt(300)];
            StringBuilder in = new StringBuilder("{\"features\":[");
            for (int i = 0; i < x.length; i++) {
                x[i] = (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-40, 30));
                in.append(i > 0 ? "," : "").append(x[i]);
            }
            String out = text(transformer.transform(utf8(in.append("]}").toString())));
            float[] f = floats(tokens(out, "features"));
            float[] d = floats(tokens(out, "derivative"));
            float[] g = floats(tokens(out, "alpha_gradient"));
            for (int i = 0; i < x.length; i++) {
                assertThat(f[i]).as("f(%s)", x[i]).isEqualTo((float) elu.value(x[i]));
                assertThat(d[i]).as("f'(%s)", x[i]).isEqualTo((float) elu.derivative(x[i]));
                assertThat(g[i]).as("df/dalpha(%s)", x[i]).isEqualTo((float) elu.alphaGradient(x[i]));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            1.50                     | 1.5
            0.1                      | 0.1
            0.1000000000000000055511 | 0.1
            3.14159265358979         | 3.1415927
            16777217                 | 1.6777216E7
            100                      | 100.0
            1E2                      | 100.0
            1e-45                    | 1.4E-45
            1e-46                    | 0.0
            3.4028235e38             | 3.4028235E38
            3.4028235677973362e38    | 3.4028235E38
            -0                       | -0.0
            0                        | 0.0
            -1e-50                   | -0.0
            """)
    void writesTheShortestTextOfTheRoundedFloatNeverTheInputToken(String in, String out) throws Exception {
        String written = text(float32(Elu.withAlpha(1.0), OutputMode.ACTIVATION, false)
                .transform(utf8("{\"features\":[" + in + "]}")));
        assertThat(written).isEqualTo("{\"features\":[" + out + "]}");
    }

    @Test
    void keepsTheEdgesOfTheFunction() throws Exception {
        EluJsonTransformer transformer = float32(Elu.withAlpha(1.5), OutputMode.BOTH, false);
        assertThat(text(transformer.transform(utf8("{\"features\":[0,-0.0,-800,1e-300]}"))))
                .isEqualTo("{\"features\":[0.0,-0.0,-1.5,0.0],\"derivative\":[1.5,1.5,0.0,1.0]}");
    }

    @Test
    void rejectsAnInputWhoseResultDoesNotFitAFloatNamingTheElement() {
        EluJsonTransformer elu = float32(Elu.withAlpha(1.0), OutputMode.BOTH, false);
        assertThatThrownBy(() -> elu.transform(utf8("{\"features\":[1,-2,1e39]}")))
                .isInstanceOfSatisfying(VectorRejectedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RejectKind.NUMBER_NOT_FINITE);
                    assertThat(e.reason()).isEqualTo("features[2] = 1.0E39 is too large for activation elu: f(x) would"
                            + " not fit a finite float32 (precision float32) (the largest x it takes is "
                            + Math.nextDown((double) Float.MAX_VALUE + Math.ulp(Float.MAX_VALUE) / 2.0) + ")");
                });
        EluJsonTransformer selu = float32(Activations.of(ActivationKind.SELU), OutputMode.ACTIVATION, false);
        assertThatThrownBy(() -> selu.transform(utf8("{\"features\":[3.3e38]}")))
                .isInstanceOfSatisfying(VectorRejectedException.class,
                        e -> assertThat(e.reason()).startsWith("features[0] = 3.3E38 is too large for activation selu"));
    }

    @Test
    void writesShorterValuesThanFloat64() throws Exception {
        StringBuilder in = new StringBuilder("{\"features\":[");
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 64; i++) {
            in.append(i > 0 ? "," : "").append((random.nextDouble() - 0.5) * 20);
        }
        byte[] value = utf8(in.append("]}").toString());
        int float64 = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, 0, 64).transform(value).length;
        int float32 = float32(Elu.withAlpha(1.0), OutputMode.BOTH, false).transform(value).length;
        assertThat(float32).isLessThan(float64 * 3 / 4);
    }
}
