package dev.elustream.codec;

import static dev.elustream.codec.ProtobufTestSupport.FEATURES_DESC;
import static dev.elustream.codec.ProtobufTestSupport.REFUSALS_DESC;
import static dev.elustream.codec.ProtobufTestSupport.bytes;
import static dev.elustream.codec.ProtobufTestSupport.doubles;
import static dev.elustream.codec.ProtobufTestSupport.featuresOut;
import static dev.elustream.codec.ProtobufTestSupport.parse;
import static dev.elustream.codec.ProtobufTestSupport.record;
import static dev.elustream.codec.ProtobufTestSupport.resource;
import static dev.elustream.codec.ProtobufTestSupport.schema;
import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import dev.elustream.math.Elu;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The protobuf schema: what it accepts at start-up, each refusal with its message, and Java serialization. */
class ProtobufRecordSchemaTest {

    private static JsonVectorFields fields(String vectorFields) {
        return JsonVectorFields.of(vectorFields, null, null, null, Map.of());
    }

    private static ProtobufRecordSchema refusals(String message, String output, String vectorFields, OutputMode mode) {
        return ProtobufRecordSchema.of(bytes(REFUSALS_DESC), "refusals.desc", message, output, fields(vectorFields),
                mode, false);
    }

    @Test
    void loadsADescriptorSetFile() {
        ProtobufRecordSchema schema = ProtobufRecordSchema.load(resource(FEATURES_DESC), "example.Features",
                "example.FeaturesOut", fields("/features,/user/embedding"), OutputMode.BOTH, true);

        assertThat(schema.format()).isEqualTo(VectorFormat.PROTOBUF);
        assertThat(schema.describe()).isEqualTo("protobuf example.Features -> example.FeaturesOut (features.desc)");
        assertThat(schema.messageName()).isEqualTo("example.Features");
        assertThat(schema.outputMessageName()).isEqualTo("example.FeaturesOut");
        assertThat(schema.transformer(Elu.withAlpha(1.0), 0, 8)).isInstanceOf(ProtobufVectorTransformer.class);
    }

    @Test
    void defaultsTheOutputToTheInputMessageWhenTheJobWritesNoField() {
        ProtobufRecordSchema schema = schema("/features,/user/embedding", null, null, OutputMode.ACTIVATION, false);
        assertThat(schema.outputMessageName()).isEqualTo("example.Features");
        assertThat(schema.describe()).isEqualTo("protobuf example.Features (features.desc)");
        // naming the input message itself is the same
        assertThat(schema("/features", null, "example.Features", OutputMode.ACTIVATION, false).describe())
                .isEqualTo("protobuf example.Features (features.desc)");
    }

    @Test
    void buildsTheFilesOfASetInAnyOrder() {
        FileDescriptorSet set = set(REFUSALS_DESC);
        List<FileDescriptorProto> files = new ArrayList<>(set.getFileList());
        assertThat(files).extracting(FileDescriptorProto::getName)
                .containsExactly("example/features.proto", "example/refusals.proto");
        Collections.reverse(files);
        byte[] reversed = FileDescriptorSet.newBuilder().addAllFile(files).build().toByteArray();

        ProtobufRecordSchema schema = ProtobufRecordSchema.of(reversed, "reversed.desc", "example.Tree",
                "example.TreeOut", fields("/features"), OutputMode.BOTH, false);

        assertThat(schema.describe()).isEqualTo("protobuf example.Tree -> example.TreeOut (reversed.desc)");
    }

    @Test
    void comparesMessagesThatHoldThemselves() throws Exception {
        ProtobufRecordSchema schema = ProtobufRecordSchema.of(bytes(REFUSALS_DESC), "refusals.desc", "example.Tree",
                "example.TreeOut", JsonVectorFields.of("/left/right/features", "derivative", null, null, Map.of()),
                OutputMode.BOTH, false);
        Descriptor tree = schema.resolved().input();
        DynamicMessage leaf = DynamicMessage.newBuilder(tree)
                .addRepeatedField(tree.findFieldByName("features"), -2.0).build();
        DynamicMessage right = DynamicMessage.newBuilder(tree).setField(tree.findFieldByName("right"), leaf).build();
        byte[] value = DynamicMessage.newBuilder(tree).setField(tree.findFieldByName("left"), right).build()
                .toByteArray();

        DynamicMessage out = parse(schema.resolved().output(), schema.transformer(Elu.withAlpha(1.0), 0, 8)
                .transform(value));

        Descriptor treeOut = out.getDescriptorForType();
        DynamicMessage outLeaf = (DynamicMessage) ((DynamicMessage) out.getField(treeOut.findFieldByName("left")))
                .getField(treeOut.findFieldByName("right"));
        assertWithin2Ulp(doubles(outLeaf, "features")[0], Math.expm1(-2.0), "f(-2)");
        assertWithin2Ulp(doubles(outLeaf, "derivative")[0], Math.exp(-2.0), "f'(-2)");
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        ProtobufRecordSchema schema = schema("/features,/user/embedding", null, "example.FeaturesOut", OutputMode.BOTH,
                false);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(schema);
        }
        ProtobufRecordSchema copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (ProtobufRecordSchema) in.readObject();
        }

        assertThat(copy.describe()).isEqualTo(schema.describe());
        assertThat(copy).isEqualTo(schema).hasSameHashCodeAs(schema);
        DynamicMessage out = parse(featuresOut(), copy.transformer(Elu.withAlpha(1.0), 0, 8)
                .transform(record(new double[] {-1, 3}, new float[] {-0.5f})));
        assertWithin2Ulp(doubles(out, "features")[0], Math.expm1(-1.0), "f(-1)");
        assertThat(doubles(out, "features")[1]).isEqualTo(3.0);
        assertWithin2Ulp(doubles(out, "derivative")[0], Math.exp(-1.0), "f'(-1)");
    }

    // Start-up refusals, each with the message the job logs.

    @Test
    void refusesAMissingFile() {
        Path missing = Path.of("/nonexistent/features.desc");
        assertThatThrownBy(() -> ProtobufRecordSchema.load(missing, "example.Features", null, fields("/features"),
                OutputMode.ACTIVATION, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("protobuf-descriptor /nonexistent/features.desc does not exist");
        assertThatThrownBy(() -> ProtobufRecordSchema.load(resource("example"), "example.Features", null,
                fields("/features"), OutputMode.ACTIVATION, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("protobuf-descriptor " + resource("example") + " cannot be read: ");
    }

    @Test
    void refusesBytesThatAreNotADescriptorSet() {
        // the .proto itself instead of what protoc makes of it
        assertThatThrownBy(() -> ProtobufRecordSchema.of(bytes("example/features.proto"), "features.proto",
                "example.Features", null, fields("/features"), OutputMode.ACTIVATION, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("protobuf-descriptor features.proto is not a FileDescriptorSet (")
                .hasMessageEndingWith("): write it with protoc --include_imports --descriptor_set_out=features.proto"
                        + " FILE.proto");
        assertThatThrownBy(() -> ProtobufRecordSchema.of(new byte[0], "empty.desc", "example.Features", null,
                fields("/features"), OutputMode.ACTIVATION, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("protobuf-descriptor empty.desc is not a FileDescriptorSet (it holds no files): write it"
                        + " with protoc --include_imports --descriptor_set_out=empty.desc FILE.proto");
    }

    @Test
    void refusesASetWithoutTheImports() {
        FileDescriptorSet set = set(REFUSALS_DESC);
        byte[] withoutImports = FileDescriptorSet.newBuilder().addFile(set.getFile(1)).build().toByteArray();
        assertThatThrownBy(() -> ProtobufRecordSchema.of(withoutImports, "refusals.desc", "example.Tree",
                "example.TreeOut", fields("/features"), OutputMode.BOTH, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("protobuf-descriptor refusals.desc: example/refusals.proto imports example/features.proto,"
                        + " which the descriptor set does not hold: write it with protoc --include_imports");
    }

    @Test
    void refusesAnUnknownMessageListingThoseTheSetHas() {
        assertThatThrownBy(() -> ProtobufRecordSchema.of(bytes(FEATURES_DESC), "features.desc", "example.Feature",
                null, fields("/features"), OutputMode.ACTIVATION, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("protobuf-message example.Feature is not in protobuf-descriptor features.desc, which has"
                        + " example.Features, example.User, example.FeaturesOut, example.UserOut");
        assertThatThrownBy(() -> ProtobufRecordSchema.of(bytes(FEATURES_DESC), "features.desc", "example.Features",
                "FeaturesOut", fields("/features"), OutputMode.BOTH, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("protobuf-output-message FeaturesOut is not in protobuf-descriptor features.desc, which"
                        + " has example.Features, example.User, example.FeaturesOut, example.UserOut");
    }

    @Test
    void refusesPointersThatDoNotEndAtARepeatedDoubleOrFloat() {
        assertRefused(() -> refusals("example.Shapes", null, "/score", OutputMode.ACTIVATION),
                "vector-fields /score: field 'score' of example.Shapes is double, expected repeated double or repeated"
                        + " float (protobuf-message example.Shapes)");
        assertRefused(() -> refusals("example.Shapes", null, "/counts", OutputMode.ACTIVATION),
                "vector-fields /counts: field 'counts' of example.Shapes is repeated int32, expected repeated double or"
                        + " repeated float (protobuf-message example.Shapes)");
        assertRefused(() -> refusals("example.Shapes", null, "/features", OutputMode.ACTIVATION),
                "vector-fields /features: field 'features' of example.Shapes is example.Features, expected repeated"
                        + " double or repeated float (protobuf-message example.Shapes)");
        assertRefused(() -> refusals("example.Shapes", null, "/values/0", OutputMode.ACTIVATION),
                "vector-fields /values/0: protobuf pointers name fields, not elements ('0' is an array index)"
                        + " (protobuf-message example.Shapes)");
        assertRefused(() -> refusals("example.Shapes", null, "/users/0/embedding", OutputMode.ACTIVATION),
                "vector-fields /users/0/embedding: protobuf pointers name fields, not elements ('0' is an array"
                        + " index) (protobuf-message example.Shapes)");
        assertRefused(() -> refusals("example.Shapes", null, "/users/embedding", OutputMode.ACTIVATION),
                "vector-fields /users/embedding: field 'users' of example.Shapes is repeated example.User, expected a"
                        + " message: every step but the last of a pointer must be a singular message field"
                        + " (protobuf-message example.Shapes)");
        assertRefused(() -> refusals("example.Shapes", null, "/score/x", OutputMode.ACTIVATION),
                "vector-fields /score/x: field 'score' of example.Shapes is double, expected a message: every step"
                        + " but the last of a pointer must be a singular message field (protobuf-message example.Shapes)");
        assertRefused(() -> refusals("example.Shapes", null, "/features/user/embeddings", OutputMode.ACTIVATION),
                "vector-fields /features/user/embeddings: example.User has no field 'embeddings' (protobuf-message"
                        + " example.Shapes)");
        // a pointer through a message to its vector is fine
        assertThat(refusals("example.Shapes", null, "/features/user/embedding,/values", OutputMode.ACTIVATION)
                .describe()).isEqualTo("protobuf example.Shapes (refusals.desc)");
    }

    @Test
    void refusesTheInputMessageAsOutputWhenTheJobWritesFields() {
        assertRefused(() -> schema("/features", null, null, OutputMode.BOTH, false),
                "protobuf-output-message is not set, so the output is protobuf-message example.Features, which cannot"
                        + " hold the field 'derivative' (repeated double) the job writes next to /features (the"
                        + " derivative, mode both): set protobuf-output-message to a message with the fields of"
                        + " example.Features and those the job writes");
        assertRefused(() -> schema("/user/embedding", "{name}_input", "example.Features", OutputMode.ACTIVATION, false),
                "protobuf-output-message is not set, so the output is protobuf-message example.Features, which cannot"
                        + " hold the field 'embedding_input' (repeated float) the job writes next to /user/embedding"
                        + " (the input, input-name): set protobuf-output-message to a message with the fields of"
                        + " example.Features and those the job writes");
    }

    @Test
    void refusesAnOutputMessageThatLacksAnOutputField() {
        assertRefused(() -> refusals("example.Features", "example.NoDerivativeOut", "/features", OutputMode.BOTH),
                "protobuf-output-message example.NoDerivativeOut lacks field 'derivative' (repeated double) next to"
                        + " /features: add it to example.NoDerivativeOut");
        assertRefused(() -> ProtobufRecordSchema.of(bytes(FEATURES_DESC), "features.desc", "example.Features",
                "example.FeaturesOut", JsonVectorFields.of("/user/embedding", "{name}_grad", null, null, Map.of()),
                OutputMode.BOTH, false),
                "protobuf-output-message example.FeaturesOut lacks field 'embedding_grad' (repeated float) next to"
                        + " /user/embedding: add it to example.UserOut");
        // mode activation writes no derivative
        assertThat(refusals("example.Features", "example.NoDerivativeOut", "/features", OutputMode.ACTIVATION)
                .outputMessageName()).isEqualTo("example.NoDerivativeOut");
    }

    @Test
    void refusesAnOutputFieldOfAnotherElementType() {
        assertRefused(() -> refusals("example.Features", "example.FloatDerivativeOut", "/features", OutputMode.BOTH),
                "protobuf-output-message example.FloatDerivativeOut: field 'derivative' next to /features is repeated"
                        + " float, expected repeated double (the element type of /features)");
    }

    @Test
    void refusesAnOutputFieldWithANumberTheInputUses() {
        assertRefused(() -> refusals("example.Features", "example.DerivativeReusesNumberOut", "/features",
                OutputMode.BOTH),
                "protobuf-output-message example.DerivativeReusesNumberOut: field 'derivative' next to /features has"
                        + " number 4, which example.Features uses for 'tags' (map<string, string>): give it a number"
                        + " example.Features does not use");
    }

    @Test
    void refusesAnInputFieldNamedAsAnOutput() {
        assertRefused(() -> ProtobufRecordSchema.of(bytes(FEATURES_DESC), "features.desc", "example.Features",
                "example.FeaturesOut", JsonVectorFields.of("/features", "tags", null, null, Map.of()), OutputMode.BOTH,
                false),
                "protobuf-message example.Features has a field 'tags' in example.Features, which the job writes next"
                        + " to /features (the derivative, mode both): name the output otherwise (derivative-name,"
                        + " alpha-gradient-name, input-name)");
    }

    @Test
    void refusesSharedFieldNumbersOfAnotherTypeOrLabel() {
        assertRefused(() -> refusals("example.Features", "example.IdMismatchOut", "/features", OutputMode.BOTH),
                "protobuf-output-message example.IdMismatchOut does not match protobuf-message example.Features: field"
                        + " number 1 is 'id' (string) in example.Features but 'id' (int64) in example.IdMismatchOut");
        // in a message the input holds, off the vectors' paths
        assertRefused(() -> refusals("example.Features", "example.UserIdMismatchOut", "/features", OutputMode.BOTH),
                "protobuf-output-message example.UserIdMismatchOut does not match protobuf-message example.Features:"
                        + " field number 1 is 'id' (int64) in example.User but 'id' (string) in example.UserIdMismatch");
    }

    @Test
    void refusesAnOutputMessageThatDoesNotKeepThePathOfAVector() {
        assertRefused(() -> refusals("example.Features", "example.RenumberedPathOut", "/user/embedding",
                OutputMode.ACTIVATION),
                "protobuf-output-message example.RenumberedPathOut: field 'user' on the path of /user/embedding is"
                        + " example.UserOut, number 7 in example.RenumberedPathOut, but example.User, number 3 in"
                        + " example.Features: it must keep its number, type and label");
        assertRefused(() -> refusals("example.Features", "example.ShapesOut", "/user/embedding", OutputMode.ACTIVATION),
                "protobuf-output-message example.ShapesOut lacks field 'user' (example.User, number 3) on the path of"
                        + " /user/embedding: add it to example.ShapesOut");
        assertRefused(() -> refusals("example.Shapes", "example.Features", "/values", OutputMode.ACTIVATION),
                "protobuf-output-message example.Features lacks field 'values' (repeated double, number 3) on the path"
                        + " of /values: add it to example.Features");
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    private static FileDescriptorSet set(String name) {
        try {
            return FileDescriptorSet.parseFrom(bytes(name));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
