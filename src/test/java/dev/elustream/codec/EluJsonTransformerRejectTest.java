package dev.elustream.codec;

import static dev.elustream.codec.JsonTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.elustream.math.Elu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every reject reason, in the order the checks apply, with its exact text. */
class EluJsonTransformerRejectTest {

    private static final EluJsonTransformer BOTH = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, 0, 8);

    private static String reason(EluJsonTransformer transformer, byte[] value) {
        VectorRejectedException e = catchThrowableOfType(VectorRejectedException.class, () -> transformer.transform(value));
        assertThat(e).as("rejected").isNotNull();
        assertThat(e.getStackTrace()).as("no stack trace").isEmpty();
        assertThat(e.getMessage()).isEqualTo(e.reason());
        return e.reason();
    }

    private static String reason(String value) {
        return reason(BOTH, utf8(value));
    }

    @Test
    void rejectsNullAndEmptyValues() {
        assertThat(reason(BOTH, null)).isEqualTo("value is empty: expected a JSON object with a 'features' array");
        assertThat(reason(BOTH, new byte[0])).isEqualTo("value is empty: expected a JSON object with a 'features' array");
    }

    @Test
    void rejectsInvalidUtf8NamingOffsetAndByte() {
        byte[] latin1 = {'{', '"', 'i', 'd', '"', ':', '"', 'c', 'a', 'f', (byte) 0xE9, '"', ',',
            '"', 'f', 'e', 'a', 't', 'u', 'r', 'e', 's', '"', ':', '[', '1', ']', '}'};
        assertThat(reason(BOTH, latin1))
                .isEqualTo("value is not valid UTF-8: invalid byte 0xE9 at offset 10 (followed by 0x22)");
    }

    @Test
    void rejectsUtf8BeforeLookingAtTheJson() {
        assertThat(reason(BOTH, new byte[] {'[', (byte) 0x80}))
                .isEqualTo("value is not valid UTF-8: invalid byte 0x80 at offset 1 (it cannot start a character)");
    }

    @Test
    void rejectsAByteOrderMark() {
        byte[] value = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '"', 'f', 'e', 'a', 't', 'u', 'r', 'e', 's', '"',
            ':', '[', '1', ']', '}'};
        assertThat(reason(BOTH, value)).isEqualTo("value starts with a UTF-8 byte-order mark; JSON values must not have one");
    }

    @Test
    void rejectsNulBytesThatWouldMakeJacksonGuessUtf16() {
        // As UTF-16BE these bytes would read as {} and be "valid".
        assertThat(reason(BOTH, new byte[] {0, '{', 0, '}'})).isEqualTo("value is not valid JSON: NUL byte (0x00) at offset 0");
        assertThat(reason(BOTH, new byte[] {'{', 0, '}', 0})).isEqualTo("value is not valid JSON: NUL byte (0x00) at offset 1");
        assertThat(reason(BOTH, utf8("{\"features\":[1]}\u0000")))
                .isEqualTo("value is not valid JSON: Illegal character ((CTRL-CHAR, code 0)): only regular white space"
                        + " (\\r, \\n, \\t) is allowed between tokens at offset 17");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            {"features":[1]} {}     | trailing content after the JSON value at offset 17
            {"features":[1]}x       | Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false') at offset 17
            {"features":[1]}]       | Unexpected close marker ']': no open Array to close at offset 16
            {"features":[1,2        | Unexpected end-of-input: expected close marker for Array at offset 16
            {"features":[1]         | Unexpected end-of-input: expected close marker for Object at offset 15
            {"id":"abc              | Unexpected end-of-input in VALUE_STRING at offset 10
            {'features':[1]}        | Unexpected character (''' (code 39)): was expecting double-quote to start field name at offset 1
            {features:[1]}          | Unexpected character ('f' (code 102)): was expecting double-quote to start field name at offset 1
            {"features":[NaN]}      | Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow at offset 16
            {"features":[-Infinity]}| Non-standard token '-Infinity': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow at offset 22
            {"features":[01]}       | Invalid numeric value: Leading zeroes not allowed at offset 14
            {"features":[.5]}       | Unexpected character ('.' (code 46)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false') at offset 13
            {"features":[1.]}       | Unexpected character (']' (code 93)) in numeric value: Decimal point not followed by a digit at offset 15
            {"features":[1e]}       | Unexpected character (']' (code 93)) in numeric value: Exponent indicator not followed by a digit at offset 15
            {"features":[0x10]}     | Unexpected character ('x' (code 120)): was expecting comma to separate Array entries at offset 14
            {"features":[1,]}       | Unexpected character (']' (code 93)): expected a value at offset 15
            {"features":[1],}       | Unexpected character ('}' (code 125)): was expecting double-quote to start field name at offset 16
            {"features" [1]}        | Unexpected character ('[' (code 91)): was expecting a colon to separate field name and value at offset 12
            /*c*/{"features":[1]}   | Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser) at offset 0
            [1,2] x                 | Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false') at offset 7
            """)
    void rejectsInvalidJsonWithJacksonsMessageAndTheOffset(String value, String message) {
        assertThat(reason(value)).isEqualTo("value is not valid JSON: " + message);
    }

    @Test
    void rejectsALeadingPlusSign() {
        assertThat(reason("{\"features\":[+1]}")).isEqualTo("value is not valid JSON: Unexpected character ('+' (code 43))"
                + " in numeric value: JSON spec does not allow numbers to have plus signs: enable"
                + " `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow at offset 14");
    }

    @Test
    void rejectsUnescapedControlCharactersInStrings() {
        assertThat(reason("{\"a\":\"x\ny\",\"features\":[1]}")).isEqualTo("value is not valid JSON: Illegal unquoted"
                + " character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value"
                + " at offset 7");
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", "\n", " \r\n\t "})
    void rejectsWhitespaceOnly(String value) {
        assertThat(reason(value)).isEqualTo("value is not valid JSON: only whitespace, no JSON value");
    }

    @Test
    void quotesAtMost40CharactersOfAnUnrecognizedToken() {
        assertThat(reason("{\"features\":[" + "x".repeat(100) + "]}"))
                .isEqualTo("value is not valid JSON: Unrecognized token '" + "x".repeat(40) + "...': was expecting"
                        + " (JSON String, Number, Array, Object or token 'null', 'true' or 'false') at offset 53");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            [1,2]      | a JSON array
            "abc"      | a JSON string
            12         | a JSON number
            -1.5e3     | a JSON number
            true       | a JSON boolean
            false      | a JSON boolean
            null       | JSON null
            """)
    void rejectsValidJsonThatIsNotAnObjectNamingItsType(String value, String type) {
        assertThat(reason(value)).isEqualTo("value is " + type + ", expected a JSON object with a 'features' array");
    }

    @Test
    void reportsASyntaxErrorBeforeTheWrongTopLevelType() {
        assertThat(reason("[1,2")).isEqualTo("value is not valid JSON: Unexpected end-of-input: expected close marker"
                + " for Array at offset 4");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"id\":1,\"Features\":[1]}", "{\"nested\":{\"features\":[1]}}"})
    void rejectsAMissingFeaturesMember(String value) {
        assertThat(reason(value)).isEqualTo("'features' is missing");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            "1,2"      | a string
            {}         | an object
            null       | null
            true       | a boolean
            3          | a number
            """)
    void rejectsFeaturesThatIsNotAnArrayNamingItsType(String features, String type) {
        assertThat(reason("{\"features\":" + features + "}"))
                .isEqualTo("'features' is " + type + ", expected an array of numbers");
    }

    @Test
    void rejectsEmptyFeatures() {
        assertThat(reason("{\"features\":[]}")).isEqualTo("'features' is empty");
        assertThat(reason("{\"features\":[ \n ]}")).isEqualTo("'features' is empty");
    }

    @Test
    void rejectsFeaturesThatAppearsTwice() {
        assertThat(reason("{\"features\":[1],\"id\":2,\"features\":[1]}")).isEqualTo("'features' appears twice");
        assertThat(reason("{\"features\":[1],\"feat\\u0075res\":\"x\"}")).isEqualTo("'features' appears twice");
    }

    @Test
    void rejectsFeaturesLongerThanMaxDimension() {
        assertThat(reason("{\"features\":[1,2,3,4,5,6,7,8,9]}"))
                .isEqualTo("'features' has more than 8 elements (max-dimension)");
        // Past the limit elements are not looked at, so this is what is reported.
        assertThat(reason("{\"features\":[\"x\",2,3,4,5,6,7,8,9]}"))
                .isEqualTo("'features' has more than 8 elements (max-dimension)");
    }

    @Test
    void namesTheDefaultMaxDimensionOf65536() {
        EluJsonTransformer transformer = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, 0, 65536);
        StringBuilder value = new StringBuilder("{\"features\":[0");
        for (int i = 0; i < 65536; i++) {
            value.append(",0");
        }
        value.append("]}");
        assertThat(reason(transformer, utf8(value.toString())))
                .isEqualTo("'features' has more than 65536 elements (max-dimension)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            [1,2,"3"]          | features[2] is a string, expected a number
            [1,2,3,null]       | features[3] is null, expected a number
            [true]             | features[0] is a boolean, expected a number
            [1,false]          | features[1] is a boolean, expected a number
            [1,[1]]            | features[1] is an array, expected a number
            [[[1]]]            | features[0][0] is an array, expected a number
            [1,{"a":1}]        | features[1] is an object, expected a number
            [1,"a",null]       | features[1] is a string, expected a number
            """)
    void rejectsNonNumericElementsNamingIndexAndType(String features, String expected) {
        assertThat(reason("{\"features\":" + features + "}")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            [1,2,1e999]          | features[2] = 1e999 does not fit a finite double
            [-1e400]             | features[0] = -1e400 does not fit a finite double
            [1.7976931348623159e308] | features[0] = 1.7976931348623159e308 does not fit a finite double
            """)
    void rejectsNumbersBeyondTheDoubleRangeQuotingTheLiteral(String features, String expected) {
        assertThat(reason("{\"features\":" + features + "}")).isEqualTo(expected);
    }

    @Test
    void rejectsAHugeIntegerQuotingItTruncated() {
        assertThat(reason("{\"features\":[1," + "9".repeat(400) + "]}"))
                .isEqualTo("features[1] = " + "9".repeat(40) + "... (400 characters) does not fit a finite double");
    }

    @Test
    void rejectsAVectorOfTheWrongDimension() {
        EluJsonTransformer transformer = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, 64, 65536);
        StringBuilder value = new StringBuilder("{\"features\":[0");
        for (int i = 1; i < 63; i++) {
            value.append(",0");
        }
        value.append("]}");
        assertThat(reason(transformer, utf8(value.toString()))).isEqualTo("'features' has 63 elements, expected 64 (dimension)");
    }

    @Test
    void rejectsAnExistingDerivativeMemberInModeBoth() {
        assertThat(reason("{\"features\":[1],\"derivative\":[1]}")).isEqualTo("value already has a 'derivative' member,"
                + " which this job writes (mode both): remove it or use mode activation");
    }

    @Test
    void reportsProblemsInTheDocumentedOrder() {
        // syntax before everything found while reading
        assertThat(reason("{\"features\":\"x\",\"derivative\":1,")).startsWith("value is not valid JSON: ");
        // features problems before the derivative
        assertThat(reason("{\"derivative\":1,\"features\":[\"x\"]}")).isEqualTo("features[0] is a string, expected a number");
        // not an array before twice
        assertThat(reason("{\"features\":\"x\",\"features\":[1]}"))
                .isEqualTo("'features' is a string, expected an array of numbers");
        // twice before element problems
        assertThat(reason("{\"features\":[\"x\"],\"features\":[1]}")).isEqualTo("'features' appears twice");
        // the first bad element wins, whichever its problem
        assertThat(reason("{\"features\":[1e999,\"x\"]}")).isEqualTo("features[0] = 1e999 does not fit a finite double");
        // element problems before the dimension
        EluJsonTransformer dim2 = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, 2, 8);
        assertThat(reason(dim2, utf8("{\"features\":[null]}"))).isEqualTo("features[0] is null, expected a number");
        // the dimension before the derivative
        assertThat(reason(dim2, utf8("{\"features\":[1],\"derivative\":1}")))
                .isEqualTo("'features' has 1 elements, expected 2 (dimension)");
    }
}
