package dev.elustream.codec;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Helpers for the protobuf codec tests: the test schemas of {@code src/test/resources/protobuf},
 * whose descriptors the tests build themselves with protobuf-java (not with the code under test) to
 * encode inputs and decode outputs.
 */
final class ProtobufTestSupport {

    static final String FEATURES_DESC = "example/features.desc";
    static final String REFUSALS_DESC = "example/refusals.desc";

    private ProtobufTestSupport() {}

    /** A file of src/test/resources/protobuf. */
    static Path resource(String name) {
        try {
            return Path.of(ProtobufTestSupport.class.getResource("/protobuf/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(resource(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A top-level message of a descriptor set, by full name (protoc writes the imports first). */
    static Descriptor message(String desc, String fullName) {
        try {
            FileDescriptorSet set = FileDescriptorSet.parseFrom(bytes(desc));
            Map<String, FileDescriptor> built = new HashMap<>();
            for (FileDescriptorProto proto : set.getFileList()) {
                FileDescriptor[] dependencies = proto.getDependencyList().stream().map(built::get)
                        .toArray(FileDescriptor[]::new);
                FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies);
                built.put(proto.getName(), file);
                Descriptor d = file.findMessageTypeByName(fullName.substring(fullName.lastIndexOf('.') + 1));
                if (d != null && d.getFullName().equals(fullName)) {
                    return d;
                }
            }
        } catch (InvalidProtocolBufferException | DescriptorValidationException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalArgumentException(fullName + " is not in " + desc);
    }

    private static final Descriptor FEATURES = message(FEATURES_DESC, "example.Features");
    private static final Descriptor FEATURES_OUT = message(FEATURES_DESC, "example.FeaturesOut");

    static Descriptor features() {
        return FEATURES;
    }

    static Descriptor featuresOut() {
        return FEATURES_OUT;
    }

    /** A Features (or FeaturesOut) message with the features and, if not null, a user with the embedding. */
    static DynamicMessage.Builder record(Descriptor type, String id, double[] features, long userId,
            float[] embedding) {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
        b.setField(type.findFieldByName("id"), id);
        for (double v : features) {
            b.addRepeatedField(type.findFieldByName("features"), v);
        }
        if (embedding != null) {
            Descriptor userType = type.findFieldByName("user").getMessageType();
            DynamicMessage.Builder user = DynamicMessage.newBuilder(userType);
            user.setField(userType.findFieldByName("id"), userId);
            for (float v : embedding) {
                user.addRepeatedField(userType.findFieldByName("embedding"), v);
            }
            b.setField(type.findFieldByName("user"), user.build());
        }
        return b;
    }

    static byte[] record(double[] features, float[] embedding) {
        return record(features(), "r", features, 7, embedding).build().toByteArray();
    }

    static DynamicMessage parse(Descriptor type, byte[] value) {
        try {
            return DynamicMessage.parseFrom(type, value);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not a " + type.getFullName(), e);
        }
    }

    /** A repeated double or float field of a message, widened to double. */
    static double[] doubles(DynamicMessage m, String field) {
        List<?> list = (List<?>) m.getField(m.getDescriptorForType().findFieldByName(field));
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).doubleValue();
        }
        return out;
    }

    static float[] floats(DynamicMessage m, String field) {
        List<?> list = (List<?>) m.getField(m.getDescriptorForType().findFieldByName(field));
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Float) list.get(i);
        }
        return out;
    }

    static DynamicMessage child(DynamicMessage m, String field) {
        return (DynamicMessage) m.getField(m.getDescriptorForType().findFieldByName(field));
    }

    static ProtobufRecordSchema schema(String vectorFields, String inputName, String outputMessage, OutputMode mode,
            boolean alphaGradient) {
        return ProtobufRecordSchema.of(bytes(FEATURES_DESC), "features.desc", "example.Features", outputMessage,
                JsonVectorFields.of(vectorFields, null, null, inputName, Map.of()), mode, alphaGradient);
    }
}
