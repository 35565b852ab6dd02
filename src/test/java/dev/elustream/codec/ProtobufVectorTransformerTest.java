package dev.elustream.codec;

import static dev.elustream.codec.ProtobufTestSupport.child;
import static dev.elustream.codec.ProtobufTestSupport.doubles;
import static dev.elustream.codec.ProtobufTestSupport.features;
import static dev.elustream.codec.ProtobufTestSupport.featuresOut;
import static dev.elustream.codec.ProtobufTestSupport.floats;
import static dev.elustream.codec.ProtobufTestSupport.parse;
import static dev.elustream.codec.ProtobufTestSupport.record;
import static dev.elustream.codec.ProtobufTestSupport.schema;
import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.UnknownFieldSet;
import dev.elustream.math.ActivationFunction;
import dev.elustream.math.Elu;
import dev.elustream.math.Selu;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The protobuf codec: inputs encoded and outputs decoded with protobuf-java from the test schema
 * (src/test/resources/protobuf/example/features.proto), every number checked against ELU's formulas,
 * the fields the job does not touch (unknown ones included) kept, and every reject with its kind and
 * reason.
 */
class ProtobufVectorTransformerTest {

    private static final double ALPHA = 1.5;
    private static final ActivationFunction ELU = Elu.withAlpha(ALPHA);

    /** Mode both with the alpha gradient and the input, for both vectors: every output field. */
    private static final ProtobufRecordSchema ALL_OUTPUTS =
            schema("/features,/user/embedding", "{name}_input", "example.FeaturesOut", OutputMode.BOTH, true);
    private static final ProtobufRecordSchema BOTH =
            schema("/features,/user/embedding", null, "example.FeaturesOut", OutputMode.BOTH, false);

    private static final double[] X = {-3.5, -1.0, -0.0, 0.0, 0.5, 2.0, -1e-300, -800.0, 1e300, Double.MIN_VALUE};
    private static final float[] E = {-2.5f, -0.0f, 0.0f, 1.25f, -1e-3f, -100f, Float.MIN_VALUE, -Float.MIN_VALUE,
            Float.MAX_VALUE};

    private static VectorRejectedException reject(VectorTransformer transformer, byte[] value) {
        VectorRejectedException e = catchThrowableOfType(VectorRejectedException.class, () -> transformer.transform(value));
        assertThat(e).as("rejected").isNotNull();
        return e;
    }

    private static double f(double x) {
        return x > 0 ? x : ALPHA * Math.expm1(x);
    }

    private static double derivative(double x) {
        return x > 0 ? 1.0 : ALPHA * Math.exp(x);
    }

    private static double alphaGradient(double x) {
        return x > 0 ? 0.0 : Math.expm1(x);
    }

    private static void assertDoubles(double[] actual, double[] x, java.util.function.DoubleUnaryOperator expected,
            String what) {
        assertThat(actual).as(what).hasSize(x.length);
        for (int i = 0; i < x.length; i++) {
            assertWithin2Ulp(actual[i], expected.applyAsDouble(x[i]), what + "[" + i + "] of x = " + x[i]);
        }
    }

    private static void assertFloats(float[] actual, float[] x, java.util.function.DoubleUnaryOperator expected,
            String what) {
        assertThat(actual).as(what).hasSize(x.length);
        for (int i = 0; i < x.length; i++) {
            assertWithin2Ulp(actual[i], (float) expected.applyAsDouble(x[i]), what + "[" + i + "] of x = " + x[i]);
        }
    }

    @Test
    void writesActivationDerivativeAlphaGradientAndInputOfBothVectors() throws Exception {
        Descriptor in = features();
        DynamicMessage.Builder input = record(in, "rec-1", X, 42L, E);
        input.setField(in.findFieldByName("tags"), java.util.List.of(
                tag(in, "a", "b"), tag(in, "source", "sensor-7")));
        ProtobufVectorTransformer t = ALL_OUTPUTS.transformer(ELU, 0, 64);

        DynamicMessage out = parse(featuresOut(), t.transform(input.build().toByteArray()));

        assertDoubles(doubles(out, "features"), X, ProtobufVectorTransformerTest::f, "features");
        assertDoubles(doubles(out, "derivative"), X, ProtobufVectorTransformerTest::derivative, "derivative");
        assertDoubles(doubles(out, "alpha_gradient"), X, ProtobufVectorTransformerTest::alphaGradient, "alpha_gradient");
        assertThat(doubles(out, "features_input")).containsExactly(X);
        DynamicMessage user = child(out, "user");
        assertFloats(floats(user, "embedding"), E, ProtobufVectorTransformerTest::f, "embedding");
        assertFloats(floats(user, "embedding_derivative"), E, ProtobufVectorTransformerTest::derivative,
                "embedding_derivative");
        assertFloats(floats(user, "embedding_alpha_gradient"), E, ProtobufVectorTransformerTest::alphaGradient,
                "embedding_alpha_gradient");
        assertThat(floats(user, "embedding_input")).containsExactly(E);
        // the zeros: -0.0 stays -0.0, f(0) = 0, f'(0) = f'(-0) = alpha
        assertThat(Double.doubleToRawLongBits(doubles(out, "features")[2])).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(Double.doubleToRawLongBits(doubles(out, "features")[3])).isEqualTo(0L);
        assertThat(doubles(out, "derivative")[2]).isEqualTo(ALPHA);
        assertThat(doubles(out, "derivative")[3]).isEqualTo(ALPHA);
        assertThat(Float.floatToRawIntBits(floats(user, "embedding")[1])).isEqualTo(Float.floatToRawIntBits(-0.0f));
        assertThat(floats(user, "embedding_derivative")[2]).isEqualTo((float) ALPHA);
        // the fields the job does not touch
        assertThat(out.getField(featuresOut().findFieldByName("id"))).isEqualTo("rec-1");
        assertThat(user.getField(user.getDescriptorForType().findFieldByName("id"))).isEqualTo(42L);
        assertThat(tags(out)).containsExactly(Map.entry("a", "b"), Map.entry("source", "sensor-7"));
        assertThat(out.getUnknownFields().asMap()).isEmpty();
        // metrics: every element of both vectors, those <= 0 on the input (-0.0 and 0.0 too)
        assertThat(t.lastLength()).isEqualTo(X.length + E.length);
        assertThat(t.lastNonPositiveCount()).isEqualTo(6 + 6);
    }

    @Test
    void roundsFloatResultsOnceFromTheDoubleResult() throws Exception {
        float[] e = new float[200];
        java.util.Random rnd = new java.util.Random(11);
        for (int i = 0; i < e.length; i++) {
            e[i] = (float) (rnd.nextGaussian() * 6);
        }
        DynamicMessage out = parse(featuresOut(), BOTH.transformer(ELU, 0, 256).transform(record(new double[] {1}, e)));
        DynamicMessage user = child(out, "user");
        assertFloats(floats(user, "embedding"), e, ProtobufVectorTransformerTest::f, "embedding");
        assertFloats(floats(user, "embedding_derivative"), e, ProtobufVectorTransformerTest::derivative,
                "embedding_derivative");
    }

    @Test
    void writesTheInputMessageInModeActivationWithoutOutputMessage() throws Exception {
        ProtobufRecordSchema schema = schema("/features", null, null, OutputMode.ACTIVATION, false);
        byte[] value = record(X, E);

        DynamicMessage out = parse(features(), schema.transformer(ELU, 0, 64).transform(value));

        assertDoubles(doubles(out, "features"), X, ProtobufVectorTransformerTest::f, "features");
        // the embedding is not selected: kept as it came
        assertThat(floats(child(out, "user"), "embedding")).containsExactly(E);
        assertThat(out.getUnknownFields().asMap()).isEmpty();
    }

    @Test
    void keepsUnknownFieldsByteForByte() throws Exception {
        Descriptor in = features();
        UnknownFieldSet top = UnknownFieldSet.newBuilder()
                .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(123456789L).build())
                .addField(98, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("xyz"))
                        .addLengthDelimited(ByteString.copyFrom(new byte[] {0, (byte) 0xFF})).build())
                .addField(97, UnknownFieldSet.Field.newBuilder().addFixed64(0x0102030405060708L).addFixed32(9).build())
                .build();
        UnknownFieldSet nested = UnknownFieldSet.newBuilder()
                .addField(50, UnknownFieldSet.Field.newBuilder().addVarint(-1L).build())
                .build();
        DynamicMessage.Builder input = record(in, "u", new double[] {-1, 2}, 3L, new float[] {0.5f});
        DynamicMessage user = (DynamicMessage) input.getField(in.findFieldByName("user"));
        input.setField(in.findFieldByName("user"), user.toBuilder().setUnknownFields(nested).build());
        input.setUnknownFields(top);

        DynamicMessage out = parse(featuresOut(), BOTH.transformer(ELU, 0, 8).transform(input.build().toByteArray()));

        assertThat(out.getUnknownFields()).isEqualTo(top);
        assertThat(out.getUnknownFields().toByteString()).isEqualTo(top.toByteString());
        assertThat(child(out, "user").getUnknownFields()).isEqualTo(nested);
        assertDoubles(doubles(out, "features"), new double[] {-1, 2}, ProtobufVectorTransformerTest::f, "features");
    }

    @Test
    void startsAfreshOnEachRecord() throws Exception {
        ProtobufVectorTransformer t = BOTH.transformer(ELU, 0, 64);
        double[][] xs = {{-1, -2, -3, -4, 5}, {0.25}, {-7, 8}};
        for (int round = 0; round < 2; round++) {
            for (double[] x : xs) {
                DynamicMessage out = parse(featuresOut(), t.transform(record(x, new float[] {(float) x[0]})));
                assertDoubles(doubles(out, "features"), x, ProtobufVectorTransformerTest::f, "features");
                assertDoubles(doubles(out, "derivative"), x, ProtobufVectorTransformerTest::derivative, "derivative");
                assertThat(floats(child(out, "user"), "embedding_derivative")).hasSize(1);
                assertThat(t.lastLength()).isEqualTo(x.length + 1);
                // a rejected record leaves nothing behind
                reject(t, record(new double[] {Double.NaN}, null));
            }
        }
    }

    @Test
    void rejectsNullAndEmptyValues() {
        ProtobufVectorTransformer t = BOTH.transformer(ELU, 0, 8);
        for (byte[] value : new byte[][] {null, new byte[0]}) {
            VectorRejectedException e = reject(t, value);
            assertThat(e.kind()).isEqualTo(RejectKind.EMPTY);
            assertThat(e.reason()).isEqualTo("value is empty: expected a protobuf example.Features");
        }
    }

    @Test
    void rejectsTruncatedValues() {
        byte[] value = record(new double[] {1, 2, 3}, new float[] {1});
        ProtobufVectorTransformer t = BOTH.transformer(ELU, 0, 8);
        for (int length = 1; length < value.length; length++) {
            byte[] truncated = java.util.Arrays.copyOf(value, length);
            VectorRejectedException e = catchThrowableOfType(VectorRejectedException.class, () -> t.transform(truncated));
            if (e != null && e.kind() == RejectKind.INVALID_ENCODING) {
                assertThat(e.reason()).startsWith("value is not a valid protobuf example.Features: ");
            }
        }
        // cut inside the packed features (after the id's 3 bytes and its own tag and length): 24 bytes said, 3 there
        int cut = 3 + 2 + 3;
        VectorRejectedException e = reject(t, java.util.Arrays.copyOf(value, cut));
        assertThat(e.kind()).isEqualTo(RejectKind.INVALID_ENCODING);
        assertThat(e.reason()).isEqualTo("value is not a valid protobuf example.Features: While parsing a protocol"
                + " message, the input ended unexpectedly in the middle of a field.  This could mean either that the"
                + " input has been truncated or that an embedded message misreported its own length.");
    }

    @Test
    void rejectsCorruptedTagsWireTypesAndVarints() {
        ProtobufVectorTransformer t = BOTH.transformer(ELU, 0, 8);
        String prefix = "value is not a valid protobuf example.Features: ";
        // field 1 with wire type 7, which does not exist
        assertInvalid(t, hex("0f 00"), prefix + "Protocol message tag had invalid wire type.");
        // tag 0
        assertInvalid(t, hex("00 01"), prefix + "Protocol message contained an invalid tag (zero).");
        // the length of the features, a varint of 11 bytes
        assertInvalid(t, hex("12 ff ff ff ff ff ff ff ff ff ff 01"), prefix
                + "CodedInputStream encountered a malformed varint.");
        // an end-group tag without its start
        assertInvalid(t, hex("2c"), prefix + "Protocol message end-group tag did not match expected tag.");
    }

    private static void assertInvalid(VectorTransformer t, byte[] value, String reason) {
        VectorRejectedException e = reject(t, value);
        assertThat(e.kind()).as(e.reason()).isEqualTo(RejectKind.INVALID_ENCODING);
        assertThat(e.reason()).isEqualTo(reason);
    }

    @Test
    void rejectsHugeDeclaredLengthsWithoutAllocatingThem() throws Exception {
        ProtobufVectorTransformer t = BOTH.transformer(ELU, 0, 8);
        t.transform(record(new double[] {1}, new float[] {1})); // warm-up: the builders, the class loading
        String[] values = {
            "12 ffffffff07 000000000000f03f 00000000", // features (2), packed, 2^31-1 bytes
            "1a ffffffff07 10 01 00000000000000", // user (3), 2^31-1 bytes
            "0a feffffff07 616263 0000000000", // id (1), a string of 2^31-2 bytes
            "9a06 ffffffff07 00000000000000000000", // unknown field 99, length-delimited, 2^31-1 bytes
            "12 ffffffff0f 00000000000000000000", // a length that is negative as an int
        };
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (String v : values) {
            byte[] value = hex(v);
            long before = threads.getCurrentThreadAllocatedBytes();
            VectorRejectedException e = reject(t, value);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(e.kind()).as(e.reason()).isEqualTo(RejectKind.INVALID_ENCODING);
            assertThat(e.reason()).startsWith("value is not a valid protobuf example.Features: ");
            assertThat(value.length).isLessThanOrEqualTo(20);
            assertThat(allocated).as("bytes allocated for %s", v).isLessThan(256 * 1024);
        }
    }

    @Test
    void rejectsNestingBeyondTheLibrarysRecursionLimit() {
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        for (int i = 0; i < 10_000; i++) {
            value.writeBytes(hex("9b06")); // start group 99
        }
        VectorRejectedException e = reject(BOTH.transformer(ELU, 0, 8), value.toByteArray());
        assertThat(e.kind()).isEqualTo(RejectKind.INVALID_ENCODING);
        assertThat(e.reason()).startsWith("value is not a valid protobuf example.Features: Protocol message had too"
                + " many levels of nesting.");
    }

    @Test
    void rejectsUnsetMessagesOnThePathAndEmptyVectors() {
        ProtobufVectorTransformer t = BOTH.transformer(ELU, 0, 8);
        assertReject(t, record(new double[] {1}, null), RejectKind.FEATURES_MISSING,
                "/user/embedding is missing (field 'user' is not set)");
        assertReject(t, record(new double[] {1}, new float[0]), RejectKind.FEATURES_EMPTY, "/user/embedding is empty");
        assertReject(t, record(new double[0], new float[] {1}), RejectKind.FEATURES_EMPTY, "/features is empty");
        // the first vector's problem first
        assertReject(t, record(new double[0], null), RejectKind.FEATURES_EMPTY, "/features is empty");
    }

    @Test
    void rejectsElementsThatAreNotFinite() {
        ProtobufVectorTransformer t = BOTH.transformer(ELU, 0, 8);
        assertReject(t, record(new double[] {1, Double.NaN}, new float[] {1}), RejectKind.NUMBER_NOT_FINITE,
                "/features[1] = NaN is not finite: protobuf values must be finite float64 numbers");
        assertReject(t, record(new double[] {1}, new float[] {0, 1, Float.NEGATIVE_INFINITY}),
                RejectKind.NUMBER_NOT_FINITE,
                "/user/embedding[2] = -Infinity is not finite: protobuf values must be finite float32 numbers");
        // SELU's f(x) of the largest float is above the largest float
        assertReject(BOTH.transformer(Selu.instance(), 0, 8), record(new double[] {1}, new float[] {Float.MAX_VALUE}),
                RejectKind.NUMBER_NOT_FINITE, "/user/embedding[0] = 3.4028235E38 is too large for activation selu:"
                        + " f(x) would not fit a finite float32 (the largest x it takes is 3.2386221E38)");
    }

    @Test
    void rejectsTooManyElementsAndTheWrongDimension() {
        assertReject(BOTH.transformer(ELU, 0, 8), record(new double[9], new float[] {1}), RejectKind.TOO_MANY_ELEMENTS,
                "/features has 9 elements, more than 8 (max-dimension)");
        assertReject(BOTH.transformer(ELU, 0, 8), record(new double[8], new float[9]), RejectKind.TOO_MANY_ELEMENTS,
                "/user/embedding has 9 elements, more than 8 (max-dimension)");
        assertReject(BOTH.transformer(ELU, 2, 8), record(new double[3], new float[2]), RejectKind.WRONG_DIMENSION,
                "/features has 3 elements, expected 2 (dimension)");
        assertReject(BOTH.transformer(ELU, 2, 8), record(new double[2], new float[1]), RejectKind.WRONG_DIMENSION,
                "/user/embedding has 1 elements, expected 2 (dimension)");
    }

    @Test
    void rejectsRecordsThatAlreadyCarryAnOutput() throws Exception {
        ProtobufVectorTransformer t = ALL_OUTPUTS.transformer(ELU, 0, 8);
        Descriptor out = featuresOut();
        // a producer that writes the output message
        DynamicMessage.Builder b = record(out, "x", new double[] {1}, 1, new float[] {1});
        b.addRepeatedField(out.findFieldByName("derivative"), 0.5);
        assertReject(t, b.build().toByteArray(), RejectKind.MEMBER_CONFLICT, "value already has a field /derivative"
                + " (number 10), which this job writes (the derivative of /features, mode both): records must not"
                + " carry the job's outputs");
        b = record(out, "x", new double[] {1}, 1, new float[] {1});
        b.addRepeatedField(out.findFieldByName("features_input"), 0.5);
        assertReject(t, b.build().toByteArray(), RejectKind.MEMBER_CONFLICT, "value already has a field"
                + " /features_input (number 12), which this job writes (the input of /features, input-name): records"
                + " must not carry the job's outputs");
        DynamicMessage.Builder user = DynamicMessage.newBuilder(out.findFieldByName("user").getMessageType());
        user.addRepeatedField(user.getDescriptorForType().findFieldByName("embedding"), 1f);
        user.addRepeatedField(user.getDescriptorForType().findFieldByName("embedding_alpha_gradient"), 1f);
        b = record(out, "x", new double[] {1}, 1, null).setField(out.findFieldByName("user"), user.build());
        assertReject(t, b.build().toByteArray(), RejectKind.MEMBER_CONFLICT, "value already has a field"
                + " /user/embedding_alpha_gradient (number 11), which this job writes (the alpha gradient of"
                + " /user/embedding, alpha-gradient true): records must not carry the job's outputs");
        // the number of an output with another wire type, which the library keeps as an unknown field
        byte[] value = record(new double[] {1}, new float[] {1});
        byte[] withVarint10 = java.util.Arrays.copyOf(value, value.length + 2);
        withVarint10[value.length] = 0x50; // field 10, varint
        withVarint10[value.length + 1] = 0x01;
        assertReject(t, withVarint10, RejectKind.MEMBER_CONFLICT, "value already has a field /derivative"
                + " (number 10), which this job writes (the derivative of /features, mode both): records must not"
                + " carry the job's outputs");
    }

    private static void assertReject(VectorTransformer t, byte[] value, RejectKind kind, String reason) {
        VectorRejectedException e = reject(t, value);
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.kind()).isEqualTo(kind);
    }

    private static DynamicMessage tag(Descriptor features, String key, String value) {
        Descriptor entry = features.findFieldByName("tags").getMessageType();
        return DynamicMessage.newBuilder(entry)
                .setField(entry.findFieldByName("key"), key)
                .setField(entry.findFieldByName("value"), value)
                .build();
    }

    private static Map<String, String> tags(DynamicMessage m) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Object o : (java.util.List<?>) m.getField(m.getDescriptorForType().findFieldByName("tags"))) {
            DynamicMessage entry = (DynamicMessage) o;
            Descriptor d = entry.getDescriptorForType();
            out.put((String) entry.getField(d.findFieldByName("key")), (String) entry.getField(d.findFieldByName("value")));
        }
        return out;
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }
}
