package dev.elustream.codec;

import static dev.elustream.codec.JsonTestSupport.text;
import static dev.elustream.codec.JsonTestSupport.utf8;
import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elustream.math.Elu;
import dev.elustream.testing.EluReference;
import dev.elustream.math.Selu;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Records of the shapes producers send, selected with {@code vector-fields}: nested members, several
 * vectors, batches, array elements; outputs named by templates; each new reason.
 */
class EluJsonTransformerFieldsTest {

    private static final Elu ELU = Elu.withAlpha(1.0);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EluJsonTransformer transformer(String pointers) {
        return transformer(pointers, null, null, null, Map.of());
    }

    private static EluJsonTransformer transformer(String pointers, @Nullable String derivative,
            @Nullable String alphaGradient, @Nullable String input, Map<String, String> names) {
        return new EluJsonTransformer(ELU, OutputMode.BOTH, alphaGradient != null, 0, 8,
                JsonVectorFields.of(pointers, derivative, alphaGradient, input, names));
    }

    private static String transform(EluJsonTransformer t, String value) throws VectorRejectedException {
        return text(t.transform(utf8(value)));
    }

    private static String reason(EluJsonTransformer t, String value) {
        VectorRejectedException e = catchThrowableOfType(VectorRejectedException.class, () -> t.transform(utf8(value)));
        assertThat(e).as("rejected: %s", value).isNotNull();
        return e.reason();
    }

    @Test
    void transformsTwoNestedVectorsKeepingEveryOtherMemberByteForByte() throws Exception {
        String in = "{\"user_id\": 7, \"user\": {\"name\": \"ann\" , \"embedding\": [1.5, -2], \"tags\":[1, 2]},"
                + " \"item\": {\"vec\": [-1e-17], \"price\" : 9.90}, \"ts\":1}";
        assertThat(transform(transformer("/user/embedding,/item/vec"), in)).isEqualTo("{\"user_id\": 7,"
                + "\"user\":{\"name\": \"ann\",\"embedding\":[1.5,-0.8646647167633873],"
                + "\"embedding_derivative\":[1.0,0.1353352832366127],\"tags\":[1, 2]},"
                + "\"item\":{\"vec\":[-1.0E-17],\"vec_derivative\":[1.0],\"price\" : 9.90},\"ts\":1}");
    }

    @Test
    void transformsABatchInItsShape() throws Exception {
        assertThat(transform(transformer("/batch"), "{\"batch\":[[1, -1], [0, 2]] ,\"n\":2}")).isEqualTo(
                "{\"batch\":[[1.0,-0.6321205588285577],[0.0,2.0]],"
                + "\"batch_derivative\":[[1.0,0.36787944117144233],[1.0,1.0]],\"n\":2}");
        // the default /features takes a batch too
        assertThat(transform(new EluJsonTransformer(ELU, OutputMode.BOTH, 0, 8), "{\"features\":[[-0.0],[3]]}"))
                .isEqualTo("{\"features\":[[-0.0],[3.0]],\"derivative\":[[1.0],[1.0]]}");
    }

    @Test
    void transformsArrayElementsAndWritesTheirOutputsAfterTheArrayThatHoldsThem() throws Exception {
        EluJsonTransformer t = transformer("/vectors/0,/vectors/2", null, null, null,
                Map.of("/vectors/0", "first", "/vectors/2", "third"));
        assertThat(transform(t, "{\"vectors\":[[-1], \"keep\" ,[2]],\"k\":0}")).isEqualTo(
                "{\"vectors\":[[-0.6321205588285577],\"keep\",[2.0]],\"first_derivative\":[0.36787944117144233],"
                + "\"third_derivative\":[1.0],\"k\":0}");
        // as RFC 6901 says, a token applies to an object as a member name
        assertThat(transform(t, "{\"vectors\":{\"0\":[1],\"2\":[2]}}"))
                .isEqualTo("{\"vectors\":{\"0\":[1.0],\"2\":[2.0]},\"first_derivative\":[1.0],\"third_derivative\":[1.0]}");
    }

    @Test
    void followsPointersThroughArraysOfObjectsAndEscapedNames() throws Exception {
        assertThat(transform(transformer("/rows/1/emb"), "{\"rows\":[{\"emb\":\"no\"}, {\"emb\":[-2],\"id\":1}]}"))
                .isEqualTo("{\"rows\":[{\"emb\":\"no\"},{\"emb\":[-0.8646647167633873],"
                        + "\"emb_derivative\":[0.1353352832366127],\"id\":1}]}");
        assertThat(transform(transformer("/a~1b/c~0d"), "{\"a/b\":{\"c~d\":[1]}}"))
                .isEqualTo("{\"a/b\":{\"c~d\":[1.0],\"c~d_derivative\":[1.0]}}");
        // names compared after unescaping, written back as JSON strings
        assertThat(transform(transformer("/us\"er/e"), "{\"us\\u0022er\":{\"\\u0065\":[1]}}"))
                .isEqualTo("{\"us\\\"er\":{\"e\":[1.0],\"e_derivative\":[1.0]}}");
    }

    @Test
    void followsAPointerOfOneHundredTokens() throws Exception {
        String pointer = "/a".repeat(99) + "/v";
        String in = "{\"a\":".repeat(99) + "{\"v\":[-1]}" + "}".repeat(99);
        String out = transform(transformer(pointer), in);
        assertThat(out).isEqualTo("{\"a\":".repeat(99) + "{\"v\":[-0.6321205588285577],\"v_derivative\":[0.36787944117144233]}"
                + "}".repeat(99));
    }

    @Test
    void namesOutputsWithTheTemplatesAndKeepsTheInputWhenAsked() throws Exception {
        EluJsonTransformer t = transformer("/user/embedding", "d_{name}", "{name}_da", "{name}_x", Map.of());
        assertThat(transform(t, "{\"user\":{\"embedding\":[ 2.50, -1 ]}}")).isEqualTo("{\"user\":{\"embedding\":"
                + "[2.50,-0.6321205588285577],\"d_embedding\":[1.0,0.36787944117144233],"
                + "\"embedding_da\":[0.0,-0.6321205588285577],\"embedding_x\":[ 2.50, -1 ]}}");
        // the default /features with a template keeps its input too
        EluJsonTransformer keep = new EluJsonTransformer(ELU, OutputMode.ACTIVATION, false, 0, 8,
                JsonVectorFields.of("/features", null, null, "features_in", Map.of()));
        assertThat(transform(keep, "{\"features\":[[1],[-0.0]]}"))
                .isEqualTo("{\"features\":[[1.0],[-0.0]],\"features_in\":[[1],[-0.0]]}");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            /user/embedding | {}                                      | /user/embedding is missing
            /user/embedding | {"user":{}}                             | /user/embedding is missing (/user has no member 'embedding')
            /user/embedding | {"user":"{\\"embedding\\":[1]}"}        | /user/embedding is missing (/user is a string)
            /user/embedding | {"user":[1]}                            | /user/embedding is missing (/user is an array, and 'embedding' is not an array index)
            /user/embedding | {"user":{"embedding":"1,2"}}            | /user/embedding is a string, expected an array of numbers
            /user/embedding | {"user":{"embedding":[]}}               | /user/embedding is empty
            /item/vec       | {"item":{"vec":[1,2,3,"x"]}}            | /item/vec[3] is a string, expected a number
            /item/vec       | {"item":{"vec":[1,1e999]}}              | /item/vec[1] = 1e999 does not fit a finite double
            /item/vec       | {"item":{"vec":[1,2,3,4,5,6,7,8,9]}}    | /item/vec has more than 8 elements (max-dimension)
            /batch          | {"batch":[[1,2],[1]]}                   | /batch[1] has 1 elements, /batch[0] has 2: the rows of a batch must all have the same length
            /batch          | {"batch":[[1],2]}                       | /batch[1] is a number, expected an array: /batch[0] is an array, so every element is a row of a batch
            /batch          | {"batch":[[1],[]]}                      | /batch[1] is empty
            /batch          | {"batch":[[1],[[2]]]}                   | /batch[1][0] is an array, expected a number
            /batch          | {"batch":[[1],[1,2,3,4,5,6,7,8,9]]}     | /batch[1] has more than 8 elements (max-dimension)
            /user/embedding | {"user":{"embedding":[1]},"user":{}}    | /user appears twice
            /user/embedding | {"user":{"embedding":[1],"embedding":[2]}} | /user/embedding appears twice
            /user/embedding | {"user":{"embedding":[1],"embedding_derivative":[]}} | value already has a member /user/embedding_derivative, which this job writes (the derivative of /user/embedding, mode both): remove it, or choose another name with derivative-name or use mode activation
            """)
    void rejectsWithAReasonThatNamesThePointerAndWhatIsThere(String pointer, String value, String expected) {
        assertThat(reason(transformer(pointer), value)).isEqualTo(expected);
    }

    @Test
    void tellsHowLongTheArrayIsWhenAnIndexIsPastItsEnd() {
        EluJsonTransformer t = transformer("/v/3", null, null, null, Map.of("/v/3", "v3"));
        assertThat(reason(t, "{\"v\":[[1],[2]]}")).isEqualTo("/v/3 is missing (/v has 2 elements)");
    }

    @Test
    void keepsTodaysReasonsForFeatures() {
        EluJsonTransformer t = new EluJsonTransformer(ELU, OutputMode.BOTH, true, 2, 8);
        assertThat(reason(t, "{}")).isEqualTo("'features' is missing");
        assertThat(reason(t, "{\"features\":[[1,2],[1,2,3]]}")).isEqualTo("features[1] has 3 elements, expected 2 (dimension)");
        assertThat(reason(t, "{\"features\":[[1,\"a\"]]}")).isEqualTo("features[0][1] is a string, expected a number");
        assertThat(reason(t, "{\"features\":[1,2],\"alpha_gradient\":0}")).isEqualTo("value already has an"
                + " 'alpha_gradient' member, which this job writes (alpha-gradient true): remove it or set"
                + " alpha-gradient false");
    }

    @Test
    void checksDimensionOnEachVectorAndEachRow() {
        EluJsonTransformer t = new EluJsonTransformer(ELU, OutputMode.BOTH, false, 2, 8,
                JsonVectorFields.of("/a,/batch", null, null, null, Map.of()));
        assertThat(reason(t, "{\"a\":[1,2],\"batch\":[[1,2],[1,2],[1,2,3]]}"))
                .isEqualTo("/batch[2] has 3 elements, expected 2 (dimension)");
        assertThat(reason(t, "{\"a\":[1],\"batch\":[[1,2]]}")).isEqualTo("/a has 1 elements, expected 2 (dimension)");
    }

    @Test
    void reportsAMissingVectorBeforeAnyOtherProblemAndTheFirstMissingInConfiguredOrder() {
        EluJsonTransformer t = transformer("/b,/a");
        assertThat(reason(t, "{\"a\":[\"x\"]}")).isEqualTo("/b is missing");
        assertThat(reason(t, "{\"c\":1}")).isEqualTo("/b is missing");
    }

    @Test
    void namesTheBatchElementThatSeluWouldOverflow() {
        EluJsonTransformer t = new EluJsonTransformer(Selu.instance(), OutputMode.BOTH, false, 0, 8,
                JsonVectorFields.of("/b", null, null, null, Map.of()));
        assertThat(reason(t, "{\"b\":[[1,2],[3,1.75e308]]}")).startsWith(
                "/b[1][1] = 1.75E308 is too large for activation selu: f(x) would not fit a finite double");
    }

    @Test
    void countsTheElementsOfEverySelectedArray() throws Exception {
        EluJsonTransformer t = transformer("/a,/b");
        t.transform(utf8("{\"a\":[1,-1],\"b\":[[0,2],[-3,4]]}"));
        assertThat(t.lastLength()).isEqualTo(6);
        assertThat(t.lastNonPositiveCount()).isEqualTo(3);
    }

    @Test
    void writesEveryReferenceValueWithin2UlpInNestedVectorsAndBatches() throws Exception {
        List<double[]> rows = EluReference.rows();
        double[] x = rows.stream().filter(r -> r[1] == 1.0).mapToDouble(r -> r[0]).toArray();
        int half = x.length / 2;
        StringBuilder in = new StringBuilder("{\"id\":1,\"u\":{\"e\":[");
        for (int i = 0; i < half; i++) {
            in.append(i > 0 ? "," : "").append(x[i]);
        }
        in.append("]},\"b\":[");
        int cols = 4;
        int batchRows = (x.length - half) / cols;
        for (int r = 0; r < batchRows; r++) {
            in.append(r > 0 ? ",[" : "[");
            for (int c = 0; c < cols; c++) {
                in.append(c > 0 ? "," : "").append(x[half + r * cols + c]);
            }
            in.append(']');
        }
        in.append("]}");
        EluJsonTransformer t = new EluJsonTransformer(ELU, OutputMode.BOTH, true, 0, 65536,
                JsonVectorFields.of("/u/e,/b", null, null, null, Map.of()));
        JsonNode out = JSON.readTree(t.transform(utf8(in.toString())));
        List<double[]> expected = rows.stream().filter(r -> r[1] == 1.0).toList();
        for (int i = 0; i < half; i++) {
            check(out.at("/u/e/" + i), out.at("/u/e_derivative/" + i), expected.get(i), "/u/e/" + i);
            assertWithin2Ulp(out.at("/u/e_alpha_gradient/" + i).doubleValue(),
                    expected.get(i)[0] > 0 ? 0.0 : expected.get(i)[2], "/u/e_alpha_gradient/" + i);
        }
        for (int r = 0; r < batchRows; r++) {
            for (int c = 0; c < cols; c++) {
                String at = "/" + r + "/" + c;
                check(out.at("/b" + at), out.at("/b_derivative" + at), expected.get(half + r * cols + c), "/b" + at);
            }
        }
        assertThat(out.at("/b").size()).isEqualTo(batchRows);
        assertThat(out.at("/b_derivative/0").size()).isEqualTo(cols);
        assertThat(out.get("id").intValue()).isEqualTo(1);
    }

    private static void check(JsonNode value, JsonNode derivative, double[] row, String at) {
        assertThat(value.isNumber()).as(at).isTrue();
        // the text is the shortest round trip of the double written; read it as Java does
        assertWithin2Ulp(Double.parseDouble(value.asText()), row[2], "value " + at + " x=" + row[0]);
        assertWithin2Ulp(Double.parseDouble(derivative.asText()), row[3], "derivative " + at + " x=" + row[0]);
    }
}
