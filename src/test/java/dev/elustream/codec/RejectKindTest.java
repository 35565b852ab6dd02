package dev.elustream.codec;

import static dev.elustream.codec.JsonTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.elustream.codec.HostileCorpusTest.Case;
import dev.elustream.codec.HostileCorpusTest.Outcome;
import dev.elustream.math.Elu;
import dev.elustream.math.Selu;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every reject carries the kind that matches its reason, as the README's table pairs them. */
class RejectKindTest {

    private static final EluJsonTransformer BOTH = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, 0, 8);
    private static final EluJsonTransformer DIMENSION_2 = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, 2, 8);
    private static final EluJsonTransformer NESTED = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, false, 0, 8,
            JsonVectorFields.of("/user/embedding", null, null, null, java.util.Map.of()));
    private static final EluBinaryTransformer BINARY = new EluBinaryTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, false,
            0, 8);
    private static final EluBinaryTransformer BINARY_DIMENSION_2 = new EluBinaryTransformer(Elu.withAlpha(1.0),
            OutputMode.BOTH, false, 2, 8);
    private static final RawTensorTransformer RAW = new RawTensorTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, false,
            0, 8, BinaryVectors.ElementType.FLOAT32, Endianness.LITTLE_ENDIAN);
    private static final RawTensorTransformer RAW_DIMENSION_2 = new RawTensorTransformer(Elu.withAlpha(1.0),
            OutputMode.BOTH, false, 2, 8, BinaryVectors.ElementType.FLOAT64, Endianness.BIG_ENDIAN);

    private static final VectorTransformer AVRO = AvroTestSupport.schema(AvroEncoding.BINARY, "/features",
            OutputMode.BOTH, false).transformer(Elu.withAlpha(1.0), 0, 8);
    private static final VectorTransformer AVRO_SINGLE_OBJECT = AvroTestSupport.schema(AvroEncoding.SINGLE_OBJECT,
            "/features", OutputMode.BOTH, false).transformer(Elu.withAlpha(1.0), 0, 8);
    private static final ProtobufRecordSchema PROTOBUF_SCHEMA = ProtobufTestSupport.schema("/features,/user/embedding",
            null, "example.FeaturesOut", OutputMode.BOTH, false);
    private static final ProtobufVectorTransformer PROTOBUF = PROTOBUF_SCHEMA.transformer(Elu.withAlpha(1.0), 0, 8);
    private static final ProtobufVectorTransformer PROTOBUF_DIMENSION_2 = PROTOBUF_SCHEMA.transformer(
            Elu.withAlpha(1.0), 2, 8);

    private static VectorRejectedException reject(VectorTransformer transformer, byte[] value) {
        VectorRejectedException e = catchThrowableOfType(VectorRejectedException.class, () -> transformer.transform(value));
        assertThat(e).as("rejected").isNotNull();
        return e;
    }

    static Stream<Arguments> onePerKind() {
        return Stream.of(
                Arguments.of(RejectKind.EMPTY, BOTH, new byte[0]),
                Arguments.of(RejectKind.INVALID_UTF8, BOTH, new byte[] {'{', (byte) 0xC3, '}'}),
                Arguments.of(RejectKind.BYTE_ORDER_MARK, BOTH, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'}),
                Arguments.of(RejectKind.INVALID_JSON, BOTH, utf8("{\"features\":[1,]}")),
                Arguments.of(RejectKind.INVALID_JSON, BOTH, utf8(" ")),
                Arguments.of(RejectKind.INVALID_JSON, BOTH, new byte[] {0, '{', 0, '}'}),
                Arguments.of(RejectKind.INVALID_JSON, BOTH, utf8("{\"features\":[1]} {}")),
                Arguments.of(RejectKind.PARSER_LIMIT, BOTH, utf8("[".repeat(1001) + "]".repeat(1001))),
                Arguments.of(RejectKind.PARSER_LIMIT, BOTH, utf8("{\"features\":[" + "1".repeat(1001) + "]}")),
                Arguments.of(RejectKind.NOT_AN_OBJECT, BOTH, utf8("[1]")),
                Arguments.of(RejectKind.FEATURES_MISSING, BOTH, utf8("{\"id\":1}")),
                Arguments.of(RejectKind.FEATURES_NOT_AN_ARRAY, BOTH, utf8("{\"features\":\"1,2\"}")),
                Arguments.of(RejectKind.FEATURES_EMPTY, BOTH, utf8("{\"features\":[]}")),
                Arguments.of(RejectKind.FEATURES_DUPLICATE, BOTH, utf8("{\"features\":[1],\"features\":[2]}")),
                Arguments.of(RejectKind.TOO_MANY_ELEMENTS, BOTH, utf8("{\"features\":[1,2,3,4,5,6,7,8,9]}")),
                Arguments.of(RejectKind.ELEMENT_NOT_A_NUMBER, BOTH, utf8("{\"features\":[1,null]}")),
                Arguments.of(RejectKind.NUMBER_NOT_FINITE, BOTH, utf8("{\"features\":[1e999]}")),
                Arguments.of(RejectKind.WRONG_DIMENSION, DIMENSION_2, utf8("{\"features\":[1]}")),
                Arguments.of(RejectKind.MEMBER_CONFLICT, BOTH, utf8("{\"features\":[1],\"derivative\":[1]}")),
                Arguments.of(RejectKind.RAGGED_BATCH, BOTH, utf8("{\"features\":[[1,2],[3]]}")),
                Arguments.of(RejectKind.RAGGED_BATCH, BOTH, utf8("{\"features\":[[1,2],3]}")),
                Arguments.of(RejectKind.FEATURES_MISSING, NESTED, utf8("{\"user\":{}}")),
                Arguments.of(RejectKind.FEATURES_EMPTY, NESTED, utf8("{\"user\":{\"embedding\":[[1],[]]}}")),
                Arguments.of(RejectKind.FEATURES_DUPLICATE, NESTED, utf8("{\"user\":{\"embedding\":[1]},\"user\":{}}")),
                Arguments.of(RejectKind.ELEMENT_NOT_A_NUMBER, NESTED, utf8("{\"user\":{\"embedding\":[[1,\"x\"]]}}")),
                Arguments.of(RejectKind.NUMBER_NOT_FINITE, NESTED, utf8("{\"user\":{\"embedding\":[1e999]}}")),
                Arguments.of(RejectKind.MEMBER_CONFLICT, NESTED, utf8("{\"user\":{\"embedding\":[1],\"embedding_derivative\":0}}")),
                Arguments.of(RejectKind.EMPTY, BINARY, new byte[0]),
                Arguments.of(RejectKind.BAD_MAGIC, BINARY, utf8("{\"features\":[1]}")),
                Arguments.of(RejectKind.WRONG_LENGTH, BINARY, hex("45560101")),
                Arguments.of(RejectKind.WRONG_LENGTH, BINARY, hex("455601010100000001000000")),
                Arguments.of(RejectKind.UNSUPPORTED_VERSION, BINARY, hex("455602010100000001000000")),
                Arguments.of(RejectKind.UNKNOWN_ELEMENT_TYPE, BINARY, hex("455601000100000001000000")),
                Arguments.of(RejectKind.INVALID_HEADER, BINARY, hex("455601010100000101000000")),
                Arguments.of(RejectKind.INVALID_HEADER, BINARY, hex("455601010300000001000000")),
                Arguments.of(RejectKind.FEATURES_EMPTY, BINARY, hex("455601010100000000000000")),
                Arguments.of(RejectKind.TOO_MANY_ELEMENTS, BINARY, hex("455601010100000009000000")),
                Arguments.of(RejectKind.WRONG_DIMENSION, BINARY_DIMENSION_2, BinaryVectors.encode(new double[] {1})),
                Arguments.of(RejectKind.NUMBER_NOT_FINITE, BINARY, BinaryVectors.encode(new double[] {Double.NaN})),
                Arguments.of(RejectKind.NUMBER_NOT_FINITE, new EluBinaryTransformer(Selu.instance(), OutputMode.BOTH,
                        false, 0, 8), BinaryVectors.encode(new float[] {Float.MAX_VALUE})),
                Arguments.of(RejectKind.EMPTY, RAW, new byte[0]),
                Arguments.of(RejectKind.WRONG_LENGTH, RAW, hex("0000c03f0000")),
                Arguments.of(RejectKind.WRONG_LENGTH, RAW, hex("00")),
                Arguments.of(RejectKind.TOO_MANY_ELEMENTS, RAW, RawTensors.encode(new float[9], Endianness.LITTLE_ENDIAN)),
                Arguments.of(RejectKind.WRONG_DIMENSION, RAW_DIMENSION_2, RawTensors.encode(new double[3],
                        Endianness.BIG_ENDIAN)),
                Arguments.of(RejectKind.NUMBER_NOT_FINITE, RAW, RawTensors.encode(new float[] {1f, Float.NaN},
                        Endianness.LITTLE_ENDIAN)),
                Arguments.of(RejectKind.NUMBER_NOT_FINITE, new RawTensorTransformer(Selu.instance(), OutputMode.BOTH,
                        false, 0, 8, BinaryVectors.ElementType.FLOAT32, Endianness.BIG_ENDIAN),
                        RawTensors.encode(new float[] {Float.MAX_VALUE}, Endianness.BIG_ENDIAN)),
                Arguments.of(RejectKind.INVALID_ENCODING, AVRO, hex("02")),
                Arguments.of(RejectKind.UNKNOWN_SCHEMA, AVRO_SINGLE_OBJECT, hex("02")),
                Arguments.of(RejectKind.UNKNOWN_SCHEMA, AVRO_SINGLE_OBJECT, hex("c3010000000000000000")),
                Arguments.of(RejectKind.EMPTY, PROTOBUF, new byte[0]),
                Arguments.of(RejectKind.INVALID_ENCODING, PROTOBUF, hex("0f00")),
                Arguments.of(RejectKind.INVALID_ENCODING, PROTOBUF, hex("12ffffffff07000000")),
                Arguments.of(RejectKind.INVALID_ENCODING, PROTOBUF, Arrays.copyOf(protobuf(new double[] {1, 2},
                        new float[] {1}), 8)),
                Arguments.of(RejectKind.FEATURES_MISSING, PROTOBUF, protobuf(new double[] {1}, null)),
                Arguments.of(RejectKind.FEATURES_EMPTY, PROTOBUF, protobuf(new double[0], new float[] {1})),
                Arguments.of(RejectKind.FEATURES_EMPTY, PROTOBUF, protobuf(new double[] {1}, new float[0])),
                Arguments.of(RejectKind.TOO_MANY_ELEMENTS, PROTOBUF, protobuf(new double[9], new float[] {1})),
                Arguments.of(RejectKind.WRONG_DIMENSION, PROTOBUF_DIMENSION_2, protobuf(new double[2], new float[1])),
                Arguments.of(RejectKind.NUMBER_NOT_FINITE, PROTOBUF, protobuf(new double[] {1, Double.NaN},
                        new float[] {1})),
                Arguments.of(RejectKind.NUMBER_NOT_FINITE, PROTOBUF_SCHEMA.transformer(Selu.instance(), 0, 8),
                        protobuf(new double[] {1}, new float[] {Float.MAX_VALUE})),
                Arguments.of(RejectKind.MEMBER_CONFLICT, PROTOBUF, concat(protobuf(new double[] {1}, new float[] {1}),
                        hex("5001"))));
    }

    private static byte[] protobuf(double[] features, float[] embedding) {
        return ProtobufTestSupport.record(features, embedding);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("onePerKind")
    void tagsEachRejectWithItsKind(RejectKind kind, VectorTransformer transformer, byte[] value) {
        VectorRejectedException e = reject(transformer, value);
        assertThat(e.kind()).as(e.reason()).isEqualTo(kind);
        assertThat(kindOf(e.reason())).as("the README pairs '%s' with", e.reason()).isEqualTo(kind);
    }

    @Test
    void coversEveryKindTheCodecCanTellApart() {
        Set<RejectKind> covered = EnumSet.noneOf(RejectKind.class);
        onePerKind().forEach(a -> covered.add((RejectKind) a.get()[0]));
        // Only the job tells an output too large for its producer; internal is a bug of ours; parameter
        // updates come from the control topic (ParameterUpdateTest).
        assertThat(EnumSet.complementOf(EnumSet.copyOf(covered)))
                .containsExactlyInAnyOrder(RejectKind.OUTPUT_TOO_LARGE, RejectKind.INTERNAL, RejectKind.INVALID_PARAMETERS);
    }

    @Test
    void keepsTheKindOfTheProblemThatIsReported() {
        // The first problem of the lowest rank wins, and its kind with it.
        assertThat(reject(BOTH, utf8("{\"features\":[1e999,\"x\"]}")).kind()).isEqualTo(RejectKind.NUMBER_NOT_FINITE);
        assertThat(reject(BOTH, utf8("{\"features\":[\"x\",1e999]}")).kind()).isEqualTo(RejectKind.ELEMENT_NOT_A_NUMBER);
        assertThat(reject(BOTH, utf8("{\"features\":[\"x\"],\"features\":[1]}")).kind())
                .isEqualTo(RejectKind.FEATURES_DUPLICATE);
        assertThat(reject(BOTH, utf8("{\"features\":[\"x\",2,3,4,5,6,7,8,9]}")).kind())
                .isEqualTo(RejectKind.TOO_MANY_ELEMENTS);
        // and a transformer that rejected a record starts afresh on the next one
        assertThat(reject(BOTH, utf8("{\"features\":[]}")).kind()).isEqualTo(RejectKind.FEATURES_EMPTY);
    }

    @Test
    void tagsEveryRejectOfTheHostileCorpusAsItsReasonSays() {
        int checked = 0;
        for (Case c : HostileCorpusTest.Corpus.load()) {
            if (c.outcome() == Outcome.REJECT) {
                VectorRejectedException e = reject(HostileCorpusTest.newTransformer(c), c.value());
                assertThat(e.kind()).as("%s: %s", c.name(), e.reason()).isEqualTo(kindOf(e.reason()));
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(50);
    }

    @Test
    void hasStableCamelCaseMetricNames() {
        assertThat(Arrays.stream(RejectKind.values()).map(RejectKind::metricName))
                .doesNotHaveDuplicates()
                .allMatch(name -> name.matches("[a-z][a-zA-Z0-9]*"))
                .contains("empty", "invalidUtf8", "byteOrderMark", "invalidJson", "parserLimit", "notAnObject",
                        "featuresMissing", "featuresNotAnArray", "featuresEmpty", "featuresDuplicate",
                        "tooManyElements", "elementNotANumber", "numberNotFinite", "wrongDimension", "memberConflict",
                        "outputTooLarge", "internal", "badMagic", "unsupportedVersion", "unknownElementType",
                        "invalidHeader", "wrongLength", "raggedBatch");
        for (RejectKind kind : RejectKind.values()) {
            // the enum constant in camelCase, so that a dashboard can be read against the code
            StringBuilder camel = new StringBuilder();
            for (String word : kind.name().toLowerCase().split("_")) {
                camel.append(camel.length() == 0 ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
            }
            assertThat(kind.metricName()).isEqualTo(camel.toString());
        }
    }

    /** The kind the README's "What is rejected" table gives a reason. */
    static RejectKind kindOf(String reason) {
        if (reason.startsWith("value is empty")) {
            return RejectKind.EMPTY;
        } else if (reason.startsWith("value is not a valid Avro ") || reason.startsWith("value is not a valid protobuf ")) {
            return RejectKind.INVALID_ENCODING;
        } else if (reason.startsWith("value does not start with Avro's single-object marker")
                || reason.startsWith("value has the schema fingerprint ")
                || reason.startsWith("value does not start with the Confluent wire format's magic byte 0")
                || reason.startsWith("value names schema id ")) {
            return RejectKind.UNKNOWN_SCHEMA;
        } else if (reason.startsWith("value is not valid UTF-8")) {
            return RejectKind.INVALID_UTF8;
        } else if (reason.startsWith("value starts with a UTF-8 byte-order mark")) {
            return RejectKind.BYTE_ORDER_MARK;
        } else if (reason.startsWith("value is not valid JSON")) {
            return RejectKind.INVALID_JSON;
        } else if (reason.contains("(parser limit)")) {
            return RejectKind.PARSER_LIMIT;
        } else if (reason.endsWith(", expected a JSON object with a 'features' array")) {
            return RejectKind.NOT_AN_OBJECT;
        } else if (reason.equals("'features' is missing") || reason.matches("/\\S* is missing.*")) {
            return RejectKind.FEATURES_MISSING;
        } else if (reason.matches("('features'|/\\S*|features\\[\\d+]) is empty")) {
            return RejectKind.FEATURES_EMPTY;
        } else if (reason.endsWith(" appears twice")) {
            return RejectKind.FEATURES_DUPLICATE;
        } else if (reason.startsWith("bad magic ")) {
            return RejectKind.BAD_MAGIC;
        } else if (reason.startsWith("unsupported version ")) {
            return RejectKind.UNSUPPORTED_VERSION;
        } else if (reason.startsWith("unknown element type ")) {
            return RejectKind.UNKNOWN_ELEMENT_TYPE;
        } else if (reason.startsWith("reserved header bytes ") || reason.startsWith("sections 0x")) {
            return RejectKind.INVALID_HEADER;
        } else if (reason.startsWith("value is ") && (reason.contains(" shorter than the 12-byte header")
                || reason.matches("value is \\d+ bytes, expected \\d+ for .*")
                || reason.matches("value is \\d+ bytes?, not a multiple of \\d+ \\(raw-.*"))) {
            return RejectKind.WRONG_LENGTH;
        } else if (reason.startsWith("count is 0:")) {
            return RejectKind.FEATURES_EMPTY;
        } else if (reason.endsWith("(max-dimension)")) {
            return RejectKind.TOO_MANY_ELEMENTS;
        } else if (reason.endsWith("(dimension)")) {
            return RejectKind.WRONG_DIMENSION;
        } else if (reason.endsWith(", expected an array of numbers")) {
            return RejectKind.FEATURES_NOT_AN_ARRAY;
        } else if (reason.contains(", so every element is a row of a batch")
                || reason.endsWith(": the rows of a batch must all have the same length")) {
            return RejectKind.RAGGED_BATCH;
        } else if (reason.matches("(features|/\\S*)(\\[\\d+])+ is .*, expected a number")) {
            return RejectKind.ELEMENT_NOT_A_NUMBER;
        } else if (reason.matches("(features|/\\S*)(\\[\\d+])+ = .*") && (reason.endsWith(" does not fit a finite double")
                || reason.contains("would not fit a finite ") || reason.contains(" is not finite: "))) {
            return RejectKind.NUMBER_NOT_FINITE;
        } else if (reason.startsWith("value already has a ")) {
            return RejectKind.MEMBER_CONFLICT;
        } else if (reason.startsWith("the transformed value would be larger") || reason.startsWith("output record would be")) {
            return RejectKind.OUTPUT_TOO_LARGE;
        }
        throw new AssertionError("a reason the README does not list: " + reason);
    }
}
