package dev.elustream.codec;

import static dev.elustream.codec.JsonTestSupport.bits;
import static dev.elustream.codec.JsonTestSupport.numbers;
import static dev.elustream.codec.JsonTestSupport.text;
import static dev.elustream.codec.JsonTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.io.NumberOutput;
import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.Elu;
import dev.elustream.math.Kernel;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EluJsonTransformerTest {

    private static final Elu ELU = Elu.withAlpha(1.0);

    private static EluJsonTransformer both() {
        return new EluJsonTransformer(ELU, OutputMode.BOTH, 0, 65536);
    }

    private static EluJsonTransformer activation() {
        return new EluJsonTransformer(ELU, OutputMode.ACTIVATION, 0, 65536);
    }

    private static String transform(EluJsonTransformer transformer, String value) throws VectorRejectedException {
        return text(transformer.transform(utf8(value)));
    }

    @Test
    void transformsTheDocumentedExampleByteForByte() throws Exception {
        assertThat(transform(both(), "{\"id\":\"a\", \"features\":[1.5,-2], \"label\":3}"))
                .isEqualTo("{\"id\":\"a\",\"features\":[1.5,-0.8646647167633873],"
                        + "\"derivative\":[1.0,0.1353352832366127],\"label\":3}");
    }

    @Test
    void activationModeWritesNoDerivative() throws Exception {
        assertThat(transform(activation(), "{\"id\":\"a\", \"features\":[1.5,-2], \"label\":3}"))
                .isEqualTo("{\"id\":\"a\",\"features\":[1.5,-0.8646647167633873],\"label\":3}");
    }

    @Test
    void activationModeCarriesAnInputDerivativeMemberUnchanged() throws Exception {
        assertThat(transform(activation(), "{\"derivative\":\"mine\",\"features\":[2]}"))
                .isEqualTo("{\"derivative\":\"mine\",\"features\":[2.0]}");
    }

    @Test
    void usesTheConfiguredAlpha() throws Exception {
        EluJsonTransformer transformer = new EluJsonTransformer(Elu.withAlpha(0.5), OutputMode.BOTH, 0, 8);
        assertThat(transform(transformer, "{\"features\":[-1,0,3]}"))
                .isEqualTo("{\"features\":[-0.31606027941427883,0.0,3.0],"
                        + "\"derivative\":[0.18393972058572117,0.5,1.0]}");
    }

    @Test
    void carriesMembersOfEveryJsonTypeVerbatimInTheirOriginalOrder() throws Exception {
        String[] members = {
            "\"object\":{\"a\":[1,{\"b\":null}],\"c\":{}}",
            "\"array\":[1.50,\"x\",[],[[true]],{\"k\":false}]",
            "\"string\":\"quote \\\" backslash \\\\ slash \\/ tab \\t newline \\n unicode \\u00e9\\uD83D\\uDE00\"",
            "\"raw non-ASCII\":\"é ü 中文 😀\"",
            "\"ключ 😀\":\"значение\"",
            "\"big\":12345678901234567890123",
            "\"decimal\":1.50",
            "\"exponent\":-0.0e+00",
            "\"t\":true",
            "\"f\":false",
            "\"n\":null",
            "\"empty\":\"\"",
            "\"\":0",
        };
        StringBuilder in = new StringBuilder("{");
        StringBuilder expected = new StringBuilder("{");
        for (int i = 0; i < members.length; i++) {
            if (i == 5) {
                in.append("\"features\":[1],");
                expected.append("\"features\":[1.0],\"derivative\":[1.0],");
            }
            in.append(members[i]).append(i + 1 < members.length ? "," : "");
            expected.append(members[i]).append(i + 1 < members.length ? "," : "");
        }
        in.append('}');
        expected.append('}');

        assertThat(transform(both(), in.toString())).isEqualTo(expected.toString());
    }

    @Test
    void acceptsAnyJsonWhitespaceAndWritesMembersCompactly() throws Exception {
        String in = "\r\n\t {\n  \"id\" :\t\"a b\" ,\r\n  \"features\" : [ 1 ,\n -1 ] ,\n"
                + "  \"nested\" : { \"x\" : [ 1 , 2 ] }\n}\n\t ";
        assertThat(transform(activation(), in))
                .isEqualTo("{\"id\" :\t\"a b\",\"features\":[1.0,-0.6321205588285577],"
                        + "\"nested\" : { \"x\" : [ 1 , 2 ] }}");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            only   | {"features":[2]}                        | {"features":[2.0],"derivative":[1.0]}
            first  | {"features":[2],"a":1,"b":[2]}          | {"features":[2.0],"derivative":[1.0],"a":1,"b":[2]}
            middle | {"a":1, "features":[2], "b":[2]}        | {"a":1,"features":[2.0],"derivative":[1.0],"b":[2]}
            last   | {"a":1,"b":[2],"features":[2]}          | {"a":1,"b":[2],"features":[2.0],"derivative":[1.0]}
            """)
    void writesFeaturesAndDerivativeWhereFeaturesWas(String where, String in, String expected) throws Exception {
        assertThat(transform(both(), in)).isEqualTo(expected);
    }

    @Test
    void recognisesAnEscapedFeaturesName() throws Exception {
        assertThat(transform(both(), "{\"feat\\u0075res\":[2]}")).isEqualTo("{\"features\":[2.0],\"derivative\":[1.0]}");
    }

    @Test
    void readsNegativeZeroIntegerAsNegativeZeroWithDerivativeAlpha() throws Exception {
        EluJsonTransformer transformer = new EluJsonTransformer(Elu.withAlpha(1.5), OutputMode.BOTH, 0, 8);
        assertThat(transform(transformer, "{\"features\":[-0,0,-0.0,-0e5]}"))
                .isEqualTo("{\"features\":[-0.0,0.0,-0.0,-0.0],\"derivative\":[1.5,1.5,1.5,1.5]}");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            4.9e-324                 | 4.9e-324
            4.9E-324                 | 4.9E-324
            2e-324                   | 0.0
            1e-400                   | 0.0
            2.2250738585072011e-308  | 2.2250738585072011e-308
            1.7976931348623157e308   | 1.7976931348623157e308
            9007199254740993         | 9007199254740993.0
            1.50                     | 1.50
            100                      | 100.0
            1E2                      | 1E2
            0.1                      | 0.1
            1e7                      | 1e7
            1e-300                   | 1e-300
            0.000000000000000000001  | 0.000000000000000000001
            0.1000000000000000055511 | 0.1000000000000000055511
            0.100000000000000005551115 | 0.1
            0.1000000000000000055511151231257827021181583404541015625 | 0.1
            1234567890123456789012   | 1234567890123456789012.0
            12345678901234567890123  | 1.2345678901234568E22
            """)
    void writesAPositiveNumberBackAsItsOwnTokenAndAnIntegerWithAFraction(String in, String out) throws Exception {
        // f(x) = x above 0: the token reads back as exactly the double it was read as, so it is not
        // formatted again; an integer token gets ".0", so a typed reader still sees a fraction. A
        // token longer than the longest formatted double is formatted instead.
        for (EluJsonTransformer transformer : new EluJsonTransformer[] {activation(), both()}) {
            byte[] written = transformer.transform(utf8("{\"features\":[" + in + "]}"));
            assertThat(text(written)).startsWith("{\"features\":[" + out + "]");
            assertThat(bits(numbers(written, "features"))).containsExactly(bits(new double[] {Double.parseDouble(in)}));
        }
    }

    @Test
    void copiesPositiveTokensAlsoInRecordsTheJacksonPathReads() throws Exception {
        // An escaped member name leaves the record to Jackson: its output is the same as the scanner's.
        String scanned = transform(both(), "{\"features\":[1.50,-1E2,7,2.5e-3]}");
        String jackson = transform(both(), "{\"feat\\u0075res\":[1.50,-1E2,7,2.5e-3]}");
        assertThat(scanned).isEqualTo("{\"features\":[1.50,-1.0,7.0,2.5e-3],\"derivative\":[1.0,3.720075976020836E-44,1.0,1.0]}");
        assertThat(jackson).isEqualTo(scanned);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            -4.9e-324                | -4.9E-324
            -1e-400                  | -0.0
            -1.50                    | -0.7768698398515702
            -1E2                     | -1.0
            -1e-7                    | -9.999999500000016E-8
            -0.001                   | -9.995001666250085E-4
            """)
    void writesOtherResultsInDoubleToStringForm(String in, String out) throws Exception {
        // The scalar kernel: its results are Math.expm1's, whose last bit the vector kernel may not share.
        EluJsonTransformer scalar = new EluJsonTransformer(Elu.withAlpha(1.0, Kernel.SCALAR), OutputMode.ACTIVATION, 0, 8);
        assertThat(transform(scalar, "{\"features\":[" + in + "]}")).isEqualTo("{\"features\":[" + out + "]}");
    }

    @Test
    void writesEveryResultInDoubleToStringFormForAnActivationThatIsNotTheIdentityAbove0() throws Exception {
        ActivationFunction selu = Activations.of(ActivationKind.SELU, ActivationKind.SELU_ALPHA);
        EluJsonTransformer transformer = new EluJsonTransformer(selu, OutputMode.ACTIVATION, 0, 8);
        assertThat(transform(transformer, "{\"features\":[1.50,1E2]}")).isEqualTo("{\"features\":["
                + NumberOutput.toString(selu.value(1.5), true) + "," + NumberOutput.toString(selu.value(100), true) + "]}");
    }


    @Test
    void roundTripsRandomDoublesExactly() throws Exception {
        SplittableRandom random = new SplittableRandom(20240601);
        double[] special = {
            -0.0, 0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, -Double.MIN_NORMAL, 4.9e-324,
            Double.MAX_VALUE, -Double.MAX_VALUE, -1e-17, 1e-17, -1e-300, -745.1332191019412, -709.8, -37.5, -1.0,
            1.0, 2.0e-3, 1.0e23, 1234567.0, 9999999.0, 1.0e7, 123456789.0, -2.2250738585072014E-308, 0.1, 1.0 / 3,
        };
        for (double alpha : new double[] {1.0, 0.1, 1.6732632423543772, 0.0}) {
            // The scalar kernel, whose array and scalar forms agree bit for bit: this is about the codec.
            Elu elu = Elu.withAlpha(alpha, Kernel.SCALAR);
            EluJsonTransformer transformer = new EluJsonTransformer(elu, OutputMode.BOTH, 0, 4096);
            for (int round = 0; round < 20; round++) {
                double[] x = new double[round == 0 ? special.length : 1 + random.nextInt(4096)];
                StringBuilder in = new StringBuilder("{\"features\":[");
                for (int i = 0; i < x.length; i++) {
                    x[i] = round == 0 ? special[i] : randomFiniteDouble(random);
                    in.append(i > 0 ? "," : "").append(x[i]);
                }
                in.append("]}");

                byte[] out = transformer.transform(utf8(in.toString()));

                double[] expectedValues = new double[x.length];
                double[] expectedDerivatives = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    expectedValues[i] = elu.value(x[i]);
                    expectedDerivatives[i] = elu.derivative(x[i]);
                }
                assertThat(bits(numbers(out, "features"))).as("alpha %s round %s", alpha, round)
                        .containsExactly(bits(expectedValues));
                assertThat(bits(numbers(out, "derivative"))).as("alpha %s round %s", alpha, round)
                        .containsExactly(bits(expectedDerivatives));
                assertThat(transformer.lastLength()).isEqualTo(x.length);
            }
        }
    }

    /** Random bit patterns (all magnitudes, subnormals included) half the time, small values the rest. */
    static double randomFiniteDouble(SplittableRandom random) {
        if (random.nextBoolean()) {
            double d;
            do {
                d = Double.longBitsToDouble(random.nextLong());
            } while (!Double.isFinite(d));
            return d;
        }
        return (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-20, 4));
    }

    @Test
    void acceptsExactlyMaxDimensionElementsAndRejectsOneMore() throws Exception {
        EluJsonTransformer transformer = new EluJsonTransformer(ELU, OutputMode.ACTIVATION, 0, 3);
        assertThat(transform(transformer, "{\"features\":[1,2,3]}")).isEqualTo("{\"features\":[1.0,2.0,3.0]}");
        assertThatThrownBy(() -> transformer.transform(utf8("{\"features\":[1,2,3,4]}")))
                .isInstanceOf(VectorRejectedException.class)
                .hasMessage("'features' has more than 3 elements (max-dimension)");
    }

    @Test
    void acceptsAnyLengthUpToMaxDimensionWhenDimensionIsZero() throws Exception {
        EluJsonTransformer transformer = new EluJsonTransformer(ELU, OutputMode.ACTIVATION, 0, 1);
        assertThat(transform(transformer, "{\"features\":[5]}")).isEqualTo("{\"features\":[5.0]}");
    }

    @Test
    void acceptsExactlyTheConfiguredDimension() throws Exception {
        EluJsonTransformer transformer = new EluJsonTransformer(ELU, OutputMode.ACTIVATION, 2, 2);
        assertThat(transform(transformer, "{\"features\":[1,2]}")).isEqualTo("{\"features\":[1.0,2.0]}");
        assertThatThrownBy(() -> transformer.transform(utf8("{\"features\":[1]}")))
                .hasMessage("'features' has 1 elements, expected 2 (dimension)");
    }

    @Test
    void constructorRejectsBadArguments() {
        assertThatThrownBy(() -> new EluJsonTransformer(ELU, OutputMode.BOTH, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxDimension must be >= 1, got 0");
        assertThatThrownBy(() -> new EluJsonTransformer(ELU, OutputMode.BOTH, 0, -5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxDimension must be >= 1, got -5");
        assertThatThrownBy(() -> new EluJsonTransformer(ELU, OutputMode.BOTH, -1, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dimension must be 0 (any) or between 1 and maxDimension (8), got -1");
        assertThatThrownBy(() -> new EluJsonTransformer(ELU, OutputMode.BOTH, 9, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dimension must be 0 (any) or between 1 and maxDimension (8), got 9");
        assertThatThrownBy(() -> new EluJsonTransformer(null, OutputMode.BOTH, 0, 8))
                .isInstanceOf(NullPointerException.class).hasMessage("activation");
        assertThatThrownBy(() -> new EluJsonTransformer(ELU, null, 0, 8))
                .isInstanceOf(NullPointerException.class).hasMessage("mode");
    }

    @Test
    void isReusableAfterABigRecordAndAfterARejectWithoutLeftovers() throws Exception {
        EluJsonTransformer transformer = both();
        StringBuilder big = new StringBuilder("{\"id\":\"" + "x".repeat(10_000) + "\",\"features\":[");
        for (int i = 0; i < 5000; i++) {
            big.append(i > 0 ? "," : "").append(i);
        }
        big.append("],\"tail\":[1,2,3]}");
        byte[] bigOut = transformer.transform(utf8(big.toString()));
        assertThat(transformer.lastLength()).isEqualTo(5000);
        assertThat(numbers(bigOut, "features")).hasSize(5000);

        assertThatThrownBy(() -> transformer.transform(utf8("{\"a\":1,\"b\":2,\"features\":[1,\"x\"]}")))
                .isInstanceOf(VectorRejectedException.class);
        assertThat(transformer.lastLength()).isEqualTo(5000);

        assertThat(transform(transformer, "{\"features\":[-2]}"))
                .isEqualTo("{\"features\":[-0.8646647167633873],\"derivative\":[0.1353352832366127]}");
        assertThat(transformer.lastLength()).isEqualTo(1);
    }

    @Test
    void returnsAFreshArrayEachTime() throws Exception {
        EluJsonTransformer transformer = both();
        byte[] first = transformer.transform(utf8("{\"features\":[1]}"));
        byte[] copy = first.clone();
        byte[] second = transformer.transform(utf8("{\"features\":[2]}"));
        assertThat(second).isNotSameAs(first);
        assertThat(first).isEqualTo(copy);
    }

    @Test
    void doesNotModifyTheInput() throws Exception {
        byte[] in = utf8("{\"id\":7, \"features\":[1.5,-2]}");
        byte[] copy = in.clone();
        both().transform(in);
        assertThat(in).isEqualTo(copy);
    }

    @Test
    void lastLengthIsZeroBeforeAnyRecord() {
        assertThat(both().lastLength()).isZero();
    }
}
