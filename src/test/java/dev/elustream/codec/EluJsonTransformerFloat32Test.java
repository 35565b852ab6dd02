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

    @Test
    void copiesAPositiveTokenOnlyWhereItIsTheShortestTextOfItsFloat() throws Exception {
        // Tokens as producers write them: a few significant digits, six decimals, integers, trailing
        // zeros, small and large, exponents; every output token must be Jackson's text of the float.
        SplittableRandom random = new SplittableRandom(33);
        Elu elu = Elu.withAlpha(1.0, Kernel.SCALAR);
        EluJsonTransformer transformer = float32(elu, OutputMode.BOTH, false);
        for (int round = 0; round < 2_000; round++) {
            List<String> in = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                in.add(positiveToken(random));
            }
            String out = text(transformer.transform(utf8("{\"features\":[" + String.join(",", in) + "]}")));
            float[] f = floats(tokens(out, "features"));
            for (int i = 0; i < in.size(); i++) {
                assertThat(f[i]).as(in.get(i)).isEqualTo((float) Double.parseDouble(in.get(i)));
            }
        }
    }

    @Test
    void isShortestFloatTextOnlyForTokensThatAreTheWritersTextOfTheirFloat() {
        SplittableRandom random = new SplittableRandom(34);
        OutputBuffer out = new OutputBuffer(64);
        int copied = 0;
        for (int i = 0; i < 2_000_000; i++) {
            String token = positiveToken(random);
            byte[] bytes = utf8(token);
            if (!FeatureVectorJsonParser.isShortestFloatText(bytes, 0, bytes.length)) {
                continue;
            }
            copied++;
            out.reset();
            out.appendFloat((float) Double.parseDouble(token));
            String expected = new String(out.toByteArray(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(token.contains(".") ? token : token + ".0").as(token).isEqualTo(expected);
        }
        // most short tokens are their float's text: the check above must have seen many of them
        assertThat(copied).isGreaterThan(500_000);
    }

    /** A positive JSON number as producers write them, sometimes with a trailing zero or an exponent. */
    private static String positiveToken(SplittableRandom random) {
        switch (random.nextInt(6)) {
            case 0:
                return String.format(java.util.Locale.ROOT, "%.6f", random.nextDouble(0, 10));
            case 1:
                return Long.toString(random.nextLong(1, 100_000_000));
            case 2: {
                // 1 to 9 significant digits, the point anywhere from 0.000ddd to dddddd.d
                int digits = 1 + random.nextInt(9);
                StringBuilder d = new StringBuilder();
                d.append((char) ('1' + random.nextInt(9)));
                for (int k = 1; k < digits; k++) {
                    d.append((char) ('0' + random.nextInt(10)));
                }
                int point = random.nextInt(-4, digits);
                if (point <= 0) {
                    return "0." + "0".repeat(-point) + d;
                }
                return point == digits ? d + ".0" : d.substring(0, point) + "." + d.substring(point);
            }
            case 3:
                return Float.toString((float) random.nextDouble(1e-3, 1e7));
            case 4:
                return String.format(java.util.Locale.ROOT, "%.3e", random.nextDouble(1e-5, 1e8));
            default:
                return String.format(java.util.Locale.ROOT, "%." + random.nextInt(1, 10) + "f", random.nextDouble(0.0005, 100));
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
            0.25                     | 0.25
            7                        | 7.0
            1234567                  | 1234567.0
            12345678                 | 1.2345678E7
            0.001                    | 0.001
            0.0001                   | 1.0E-4
            2.5e0                    | 2.5
            9.999999                 | 9.999999
            0.00123457               | 0.00123457
            """)
    void writesTheShortestTextOfTheRoundedFloatWhichMayBeTheInputToken(String in, String out) throws Exception {
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
