package dev.elustream.codec;

import static dev.elustream.codec.ProtobufTestSupport.REFUSALS_DESC;
import static dev.elustream.codec.ProtobufTestSupport.bytes;
import static dev.elustream.codec.ProtobufTestSupport.features;
import static dev.elustream.codec.ProtobufTestSupport.featuresOut;
import static dev.elustream.codec.ProtobufTestSupport.record;
import static dev.elustream.codec.ProtobufTestSupport.schema;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.elustream.math.ActivationFunction;
import dev.elustream.math.Elu;
import dev.elustream.math.Selu;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The wire-level protobuf path against the DynamicMessage path it replaces, on the same bytes:
 * random records of the test schemas (fields set or not, unknown fields, packed and unpacked
 * vectors in chunks anywhere, messages on a path sent twice, fields in any order), byte-level
 * mutations of them (cut, flipped, inserted, dropped bytes) and hostile nesting. Both must accept
 * with outputs that parse to equal messages and the same metrics, or reject with the same kind and
 * reason.
 */
class ProtobufWireDifferentialTest {

    private static final ActivationFunction ELU = Elu.withAlpha(1.5);
    private static final int CASES_PER_SETUP = 4_000;

    /** One schema with its transformers on both paths. */
    private record Setup(String name, ProtobufRecordSchema schema, Descriptor input, Descriptor output,
            ProtobufDynamicTransformer reference, ProtobufVectorTransformer wire) {

        static Setup of(String name, ProtobufRecordSchema schema, Descriptor input, Descriptor output,
                ActivationFunction activation, int dimension, int maxDimension) {
            return new Setup(name, schema, input, output,
                    new ProtobufDynamicTransformer(schema, activation, dimension, maxDimension),
                    new ProtobufVectorTransformer(schema, activation, dimension, maxDimension, true));
        }
    }

    private static List<Setup> setups() {
        Descriptor tree = ProtobufTestSupport.message(REFUSALS_DESC, "example.Tree");
        Descriptor treeOut = ProtobufTestSupport.message(REFUSALS_DESC, "example.TreeOut");
        ProtobufRecordSchema treeSchema = ProtobufRecordSchema.of(bytes(REFUSALS_DESC), "refusals.desc", "example.Tree",
                "example.TreeOut", JsonVectorFields.of("/features,/left/features", "derivative", null, null, Map.of()),
                OutputMode.BOTH, false);
        return List.of(
                Setup.of("all outputs", schema("/features,/user/embedding", "{name}_input", "example.FeaturesOut",
                        OutputMode.BOTH, true), features(), featuresOut(), ELU, 0, 8),
                Setup.of("features, dimension 3", schema("/features", null, "example.FeaturesOut", OutputMode.BOTH,
                        false), features(), featuresOut(), ELU, 3, 8),
                Setup.of("embedding, selu", schema("/user/embedding", null, "example.FeaturesOut", OutputMode.BOTH,
                        true), features(), featuresOut(), Selu.instance(), 0, 6),
                Setup.of("activation, input message", schema("/features", null, null, OutputMode.ACTIVATION, false),
                        features(), features(), ELU, 0, 10),
                Setup.of("tree", treeSchema, tree, treeOut, ELU, 0, 8),
                proto2());
    }

    /**
     * A proto2 schema built here: strings without the UTF-8 check, a group, a closed enum, packed and
     * unpacked varints, a oneof, an extension range, a message on the path that holds the record's type.
     */
    private static Setup proto2() {
        FileDescriptorProto.Builder file = FileDescriptorProto.newBuilder().setName("p2.proto").setPackage("p2")
                .setSyntax("proto2");
        file.addEnumType(EnumDescriptorProto.newBuilder().setName("Color")
                .addValue(EnumValueDescriptorProto.newBuilder().setName("RED").setNumber(0))
                .addValue(EnumValueDescriptorProto.newBuilder().setName("GREEN").setNumber(5)));
        for (String suffix : new String[] {"", "Out"}) {
            DescriptorProto.Builder rec = DescriptorProto.newBuilder().setName("Rec" + suffix)
                    .addField(field("name", 1, Label.LABEL_OPTIONAL, Type.TYPE_STRING, null))
                    .addField(field("features", 2, Label.LABEL_REPEATED, Type.TYPE_DOUBLE, null))
                    .addField(field("part", 3, Label.LABEL_OPTIONAL, Type.TYPE_MESSAGE, ".p2.Part" + suffix))
                    .addField(field("g", 4, Label.LABEL_OPTIONAL, Type.TYPE_GROUP, ".p2.Rec" + suffix + ".G"))
                    .addField(field("color", 7, Label.LABEL_OPTIONAL, Type.TYPE_ENUM, ".p2.Color"))
                    .addField(field("counts", 8, Label.LABEL_REPEATED, Type.TYPE_INT32, null)
                            .setOptions(FieldOptions.newBuilder().setPacked(true)))
                    .addField(field("signed", 9, Label.LABEL_REPEATED, Type.TYPE_SINT64, null))
                    .addField(field("c1", 13, Label.LABEL_OPTIONAL, Type.TYPE_STRING, null).setOneofIndex(0))
                    .addField(field("c2", 14, Label.LABEL_OPTIONAL, Type.TYPE_INT64, null).setOneofIndex(0))
                    .addOneofDecl(OneofDescriptorProto.newBuilder().setName("choice"))
                    .addExtensionRange(DescriptorProto.ExtensionRange.newBuilder().setStart(100).setEnd(200))
                    .addNestedType(DescriptorProto.newBuilder().setName("G")
                            .addField(field("a", 5, Label.LABEL_OPTIONAL, Type.TYPE_INT32, null))
                            .addField(field("s", 6, Label.LABEL_OPTIONAL, Type.TYPE_STRING, null)));
            DescriptorProto.Builder part = DescriptorProto.newBuilder().setName("Part" + suffix)
                    .addField(field("label", 1, Label.LABEL_OPTIONAL, Type.TYPE_STRING, null))
                    .addField(field("embedding", 2, Label.LABEL_REPEATED, Type.TYPE_FLOAT, null))
                    .addField(field("back", 3, Label.LABEL_OPTIONAL, Type.TYPE_MESSAGE, ".p2.Rec"));
            if (!suffix.isEmpty()) {
                rec.addField(field("derivative", 20, Label.LABEL_REPEATED, Type.TYPE_DOUBLE, null));
                part.addField(field("derivative", 20, Label.LABEL_REPEATED, Type.TYPE_FLOAT, null));
            }
            file.addMessageType(rec).addMessageType(part);
        }
        FileDescriptor built;
        try {
            built = FileDescriptor.buildFrom(file.build(), new FileDescriptor[0]);
        } catch (DescriptorValidationException e) {
            throw new IllegalStateException(e);
        }
        byte[] set = FileDescriptorSet.newBuilder().addFile(file).build().toByteArray();
        ProtobufRecordSchema schema = ProtobufRecordSchema.of(set, "p2.desc", "p2.Rec", "p2.RecOut",
                JsonVectorFields.of("/features,/part/embedding", "derivative", null, null, Map.of()), OutputMode.BOTH,
                false);
        return Setup.of("proto2", schema, built.findMessageTypeByName("Rec"), built.findMessageTypeByName("RecOut"),
                ELU, 0, 8);
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Label label, Type type,
            String typeName) {
        FieldDescriptorProto.Builder f = FieldDescriptorProto.newBuilder().setName(name).setNumber(number)
                .setLabel(label).setType(type);
        return typeName == null ? f : f.setTypeName(typeName);
    }

    @Test
    void wirePathAgreesWithDynamicMessageOnRandomAndHostileRecords() {
        Random rnd = new Random(20_261_206L);
        int cases = 0;
        int accepted = 0;
        for (Setup setup : setups()) {
            int acceptedHere = 0;
            int acceptedViaFallback = 0;
            for (int i = 0; i < CASES_PER_SETUP; i++) {
                Descriptor type = rnd.nextInt(5) == 0 ? setup.output() : setup.input();
                byte[] value = encode(randomMessage(type, rnd, 0), rnd, 0);
                if (rnd.nextInt(3) == 0) {
                    value = mutate(value, rnd);
                }
                long fallbacks = setup.wire().fallbacks();
                if (compare(setup, value)) {
                    acceptedHere++;
                    acceptedViaFallback += setup.wire().fallbacks() > fallbacks ? 1 : 0;
                }
                cases++;
            }
            for (byte[] value : hostile(setup)) {
                compare(setup, value);
                cases++;
            }
            // the wire path does the work: of the records accepted, it hands only those with a message on a
            // path sent twice to the DynamicMessage path
            assertThat(acceptedViaFallback).as(setup.name() + ": accepted via the DynamicMessage path")
                    .isLessThan(acceptedHere / 10);
            accepted += acceptedHere;
        }
        assertThat(cases).isGreaterThanOrEqualTo(6 * CASES_PER_SETUP);
        assertThat(accepted).as("accepted").isGreaterThan(cases / 4);
    }

    @Test
    void keepsAStringFieldSentAsVarintAsAnUnknownField() throws Exception {
        // id (1) as a varint: the library keeps it as an unknown field, and so does the wire path
        byte[] value = concat(record(new double[] {1, -2}, new float[] {3}), hex("08 96 01"));
        Setup setup = setups().get(0);
        compare(setup, value);
        DynamicMessage out = DynamicMessage.parseFrom(featuresOut(), setup.wire().transform(value));
        assertThat(out.getUnknownFields().getField(1).getVarintList()).containsExactly(150L);
        assertThat(setup.wire().fallbacks()).isZero();
    }

    @Test
    void rejectsInvalidUtf8InAProto3StringAsTheLibraryDoes() {
        byte[] value = concat(record(new double[] {1}, new float[] {3}), hex("0a 02 c3 28"));
        Setup setup = setups().get(0);
        compare(setup, value);
        assertThat(outcome(setup.wire(), value)).startsWith("rejected INVALID_ENCODING value is not a valid protobuf"
                + " example.Features: Protocol message had invalid UTF-8.");
    }

    @Test
    void writesTheCopiedFieldsInTheirOrderAndTheJobsFieldsAtTheEndOfTheirMessage() throws Exception {
        Setup setup = Setup.of("both", schema("/features,/user/embedding", null, "example.FeaturesOut",
                OutputMode.BOTH, false), features(), featuresOut(), ELU, 0, 8);
        // user (3) with its id and an unpacked embedding; an unknown field 111; the features (2) in two
        // chunks around the id (1)
        byte[] value = hex("1a 07 0805 15 0000803f" + "f806 07" + "12 08 000000000000f03f" + "0a 01 72"
                + "12 08 00000000000000c0");
        double[] x = {1.0, -2.0};
        double[] fx = new double[2];
        double[] dx = new double[2];
        ELU.valuesAndDerivatives(x, fx, dx, 2);
        byte[] expected = piece(out -> {
            out.writeTag(3, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(14);
            out.writeRawBytes(hex("0805"));
            out.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(4);
            out.writeFloatNoTag(1.0f);
            out.writeTag(10, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(4);
            out.writeFloatNoTag(1.0f);
            out.writeRawBytes(hex("f806 07" + "0a 01 72"));
            out.writeTag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(16);
            out.writeDoubleNoTag(fx[0]);
            out.writeDoubleNoTag(fx[1]);
            out.writeTag(10, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(16);
            out.writeDoubleNoTag(dx[0]);
            out.writeDoubleNoTag(dx[1]);
        });

        assertThat(HexFormat.of().formatHex(setup.wire().transform(value))).isEqualTo(HexFormat.of().formatHex(expected));
        compare(setup, value);
    }

    @Test
    void mergesAMessageOnAPathSentTwiceThroughTheDynamicMessagePath() {
        Setup setup = setups().get(0);
        byte[] value = concat(record(new double[] {1}, new float[] {3}), hex("1a 05 15 0000c03f"));
        assertThat(outcome(setup.wire(), value)).isEqualTo("accepted 3 0");
        assertThat(setup.wire().fallbacks()).isEqualTo(1);
        compare(setup, value);
    }

    /** Runs both paths; returns whether they accepted. */
    private static boolean compare(Setup setup, byte[] value) {
        String expected = outcome(setup.reference(), value);
        String actual = outcome(setup.wire(), value);
        if (expected.startsWith("accepted") && actual.startsWith("accepted")) {
            try {
                DynamicMessage e = DynamicMessage.parseFrom(setup.output(), setup.reference().transform(value));
                DynamicMessage a = DynamicMessage.parseFrom(setup.output(), setup.wire().transform(value));
                if (!e.equals(a)) {
                    fail(setup.name() + ": outputs differ for " + HexFormat.of().formatHex(value) + "\nexpected:\n" + e
                            + "\nactual:\n" + a);
                }
            } catch (InvalidProtocolBufferException | VectorRejectedException ex) {
                throw new AssertionError(setup.name() + ": " + HexFormat.of().formatHex(value), ex);
            }
        }
        if (!expected.equals(actual)) {
            fail(setup.name() + ": for " + HexFormat.of().formatHex(value) + "\nexpected " + expected + "\nactual   "
                    + actual);
        }
        return expected.startsWith("accepted");
    }

    private static String outcome(VectorTransformer t, byte[] value) {
        try {
            t.transform(value);
            return "accepted " + t.lastLength() + " " + t.lastNonPositiveCount();
        } catch (VectorRejectedException e) {
            return "rejected " + e.kind() + " " + e.reason();
        }
    }

    // ---- random records

    private static DynamicMessage randomMessage(Descriptor type, Random rnd, int depth) {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
        for (FieldDescriptor f : type.getFields()) {
            if (f.isRepeated()) {
                int n = rnd.nextInt(20) == 0 ? 0 : rnd.nextInt(10) == 0 ? rnd.nextInt(12) : 1 + rnd.nextInt(5);
                if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE || type != f.getContainingType()
                        || !f.getName().equals("features") && !f.getName().equals("embedding")) {
                    n = rnd.nextInt(3) == 0 ? n : 0; // other repeated fields less often: the job's outputs
                }
                for (int i = 0; i < n; i++) {
                    b.addRepeatedField(f, randomValue(f, rnd, depth));
                }
            } else if (rnd.nextInt(10) != 0 && (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || depth < 4
                    || rnd.nextInt(3) == 0 && depth < 8)) {
                b.setField(f, randomValue(f, rnd, depth));
            }
        }
        return b.build();
    }

    private static Object randomValue(FieldDescriptor f, Random rnd, int depth) {
        return switch (f.getJavaType()) {
            case INT -> rnd.nextBoolean() ? rnd.nextInt(300) : rnd.nextInt();
            case LONG -> rnd.nextBoolean() ? (long) rnd.nextInt(300) : rnd.nextLong();
            case FLOAT -> (float) randomDouble(rnd);
            case DOUBLE -> randomDouble(rnd);
            case BOOLEAN -> rnd.nextBoolean();
            case STRING -> randomString(rnd);
            case BYTE_STRING -> ByteString.copyFrom(randomBytes(rnd, 6));
            case ENUM -> {
                List<EnumValueDescriptor> values = f.getEnumType().getValues();
                yield values.get(rnd.nextInt(values.size()));
            }
            case MESSAGE -> randomMessage(f.getMessageType(), rnd, depth + 1);
        };
    }

    private static double randomDouble(Random rnd) {
        int r = rnd.nextInt(200);
        return switch (r) {
            case 0 -> Double.NaN;
            case 1 -> Double.POSITIVE_INFINITY;
            case 2 -> Double.NEGATIVE_INFINITY;
            case 3 -> Double.MAX_VALUE;
            case 4 -> Float.MAX_VALUE;
            case 5 -> -0.0;
            case 6 -> 0.0;
            case 7 -> -1e300;
            default -> rnd.nextGaussian() * 4;
        };
    }

    private static String randomString(Random rnd) {
        String[] pieces = {"a", "r", "Z", "0", " ", "é", "中", "\uD83D\uDE00", "\u0000", "\u007F"};
        StringBuilder sb = new StringBuilder();
        int n = rnd.nextInt(6);
        for (int i = 0; i < n; i++) {
            sb.append(pieces[rnd.nextInt(pieces.length)]);
        }
        return sb.toString();
    }

    private static byte[] randomBytes(Random rnd, int max) {
        byte[] b = new byte[rnd.nextInt(max + 1)];
        rnd.nextBytes(b);
        return b;
    }

    // ---- encoding by hand: any order, chunks, packed or not, unknown fields

    private static byte[] encode(DynamicMessage m, Random rnd, int depth) {
        List<byte[]> pieces = new ArrayList<>();
        for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
            if (f.isRepeated()) {
                List<?> values = (List<?>) m.getField(f);
                if (f.isPackable()) {
                    int i = 0;
                    while (i < values.size()) {
                        int chunk = 1 + rnd.nextInt(values.size() - i);
                        List<?> part = values.subList(i, i + chunk);
                        if (rnd.nextBoolean()) {
                            pieces.add(packed(f, part));
                        } else {
                            for (Object v : part) {
                                pieces.add(piece(out -> writeValue(out, f, v, rnd, depth)));
                            }
                        }
                        i += chunk;
                    }
                    if (rnd.nextInt(15) == 0) {
                        pieces.add(packed(f, List.of()));
                    }
                } else {
                    for (Object v : values) {
                        pieces.add(piece(out -> writeValue(out, f, v, rnd, depth)));
                    }
                }
            } else if (m.hasField(f)) {
                Object v = m.getField(f);
                pieces.add(piece(out -> writeValue(out, f, v, rnd, depth)));
                if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && rnd.nextInt(30) == 0) {
                    pieces.add(piece(out -> writeValue(out, f, v, rnd, depth))); // merged by protobuf
                }
            }
        }
        int unknown = rnd.nextInt(depth == 0 ? 6 : 40) == 0 ? 1 + rnd.nextInt(3) : 0;
        for (int i = 0; i < unknown; i++) {
            pieces.add(piece(out -> writeUnknown(out, rnd, depth)));
        }
        if (rnd.nextBoolean()) {
            Collections.shuffle(pieces, rnd);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        pieces.forEach(bytes::writeBytes);
        return bytes.toByteArray();
    }

    private interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] piece(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            writer.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] packed(FieldDescriptor f, List<?> values) {
        byte[] content = piece(out -> {
            for (Object v : values) {
                writeScalarNoTag(out, f.getType(), v);
            }
        });
        return piece(out -> {
            out.writeTag(f.getNumber(), WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(content.length);
            out.writeRawBytes(content);
        });
    }

    private static void writeValue(CodedOutputStream out, FieldDescriptor f, Object v, Random rnd, int depth)
            throws IOException {
        if (f.getType() == FieldDescriptor.Type.GROUP) {
            out.writeTag(f.getNumber(), WireFormat.WIRETYPE_START_GROUP);
            out.writeRawBytes(encode((DynamicMessage) v, rnd, depth + 1));
            out.writeTag(f.getNumber(), WireFormat.WIRETYPE_END_GROUP);
            return;
        }
        if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            byte[] nested = encode((DynamicMessage) v, rnd, depth + 1);
            out.writeTag(f.getNumber(), WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(nested.length);
            out.writeRawBytes(nested);
            return;
        }
        out.writeTag(f.getNumber(), f.getLiteType().getWireType());
        writeScalarNoTag(out, f.getType(), v);
    }

    private static void writeScalarNoTag(CodedOutputStream out, FieldDescriptor.Type type, Object v)
            throws IOException {
        switch (type) {
            case DOUBLE -> out.writeDoubleNoTag((Double) v);
            case FLOAT -> out.writeFloatNoTag((Float) v);
            case INT64 -> out.writeInt64NoTag((Long) v);
            case UINT64 -> out.writeUInt64NoTag((Long) v);
            case INT32 -> out.writeInt32NoTag((Integer) v);
            case FIXED64 -> out.writeFixed64NoTag((Long) v);
            case FIXED32 -> out.writeFixed32NoTag((Integer) v);
            case BOOL -> out.writeBoolNoTag((Boolean) v);
            case STRING -> out.writeStringNoTag((String) v);
            case BYTES -> out.writeBytesNoTag((ByteString) v);
            case UINT32 -> out.writeUInt32NoTag((Integer) v);
            case ENUM -> out.writeEnumNoTag(((EnumValueDescriptor) v).getNumber());
            case SFIXED32 -> out.writeSFixed32NoTag((Integer) v);
            case SFIXED64 -> out.writeSFixed64NoTag((Long) v);
            case SINT32 -> out.writeSInt32NoTag((Integer) v);
            case SINT64 -> out.writeSInt64NoTag((Long) v);
            default -> throw new IllegalArgumentException(type.name());
        }
    }

    /** A field the schemas do not declare, or a declared number with a random wire type and content. */
    private static void writeUnknown(CodedOutputStream out, Random rnd, int depth) throws IOException {
        int[] numbers = {1, 2, 3, 4, 7, 10, 11, 12, 20, 99, 150, 1000, 536_870_911};
        int number = rnd.nextBoolean() ? numbers[rnd.nextInt(numbers.length)] : 1 + rnd.nextInt(20);
        switch (rnd.nextInt(6)) {
            case 0 -> out.writeUInt64(number, rnd.nextBoolean() ? rnd.nextInt(200) : rnd.nextLong());
            case 1 -> out.writeFixed64(number, rnd.nextLong());
            case 2 -> out.writeFixed32(number, rnd.nextInt());
            case 3 -> {
                byte[] b = rnd.nextBoolean() ? randomString(rnd).getBytes(java.nio.charset.StandardCharsets.UTF_8)
                        : randomBytes(rnd, 9);
                out.writeByteArray(number, b);
            }
            case 4 -> {
                out.writeTag(number, WireFormat.WIRETYPE_START_GROUP);
                if (depth < 3 && rnd.nextBoolean()) {
                    writeUnknown(out, rnd, depth + 1);
                }
                out.writeTag(number, WireFormat.WIRETYPE_END_GROUP);
            }
            default -> {
                // a packed chunk of doubles or floats with the number: a vector's, an output's or another
                int width = rnd.nextBoolean() ? 8 : 4;
                int n = rnd.nextInt(3);
                out.writeTag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(n * width);
                for (int i = 0; i < n; i++) {
                    if (width == 8) {
                        out.writeDoubleNoTag(rnd.nextGaussian());
                    } else {
                        out.writeFloatNoTag((float) rnd.nextGaussian());
                    }
                }
            }
        }
    }

    // ---- hostile bytes

    private static byte[] mutate(byte[] value, Random rnd) {
        if (value.length == 0) {
            return randomBytes(rnd, 12);
        }
        byte[] v = value.clone();
        int at = rnd.nextInt(v.length);
        return switch (rnd.nextInt(6)) {
            case 0 -> java.util.Arrays.copyOf(v, at); // cut
            case 1 -> { // a flipped bit
                v[at] ^= (byte) (1 << rnd.nextInt(8));
                yield v;
            }
            case 2 -> { // a random byte
                v[at] = (byte) rnd.nextInt(256);
                yield v;
            }
            case 3 -> concat(java.util.Arrays.copyOf(v, at), randomBytes(rnd, 4),
                    java.util.Arrays.copyOfRange(v, at, v.length)); // inserted bytes
            case 4 -> concat(java.util.Arrays.copyOf(v, at),
                    java.util.Arrays.copyOfRange(v, Math.min(v.length, at + 1 + rnd.nextInt(3)), v.length));
            default -> { // several flips
                for (int i = 0; i < 3; i++) {
                    v[rnd.nextInt(v.length)] = (byte) rnd.nextInt(256);
                }
                yield v;
            }
        };
    }

    /** Nesting around the library's recursion limit, huge lengths, bad tags and wire types. */
    private static List<byte[]> hostile(Setup setup) {
        List<byte[]> values = new ArrayList<>();
        byte[] valid = encode(randomMessage(setup.input(), new Random(1), 0), new Random(2), 0);
        for (int depth = 95; depth <= 105; depth++) {
            // unknown groups 99, nested
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(valid);
            for (int i = 0; i < depth; i++) {
                b.writeBytes(hex("9b06"));
            }
            for (int i = 0; i < depth; i++) {
                b.writeBytes(hex("9c06"));
            }
            values.add(b.toByteArray());
            // messages in messages: right (3) of a Tree, or user (3) then unknown 99 as a message
            values.add(concat(valid, nested("1a", depth)));
            values.add(concat(nested("12", depth), valid));
        }
        for (String hex : new String[] {"0f00", "0001", "12ffffffffffffffffffff01", "2c", "12ffffffff07000000",
            "1affffffff0f00", "0affffffff07616263", "9a06ffffffff07", "1a0212", "1a021a00", "8080808010",
            "0e", "0b0c", "0b", "1a030b0c", "1a020b0c", "120700000000000000", "1501000000", "11010000000000f03f"}) {
            values.add(concat(valid, hex(hex)));
            values.add(concat(hex(hex), valid));
        }
        return values;
    }

    private static byte[] nested(String tag, int depth) {
        byte[] inner = new byte[0];
        for (int i = 0; i < depth; i++) {
            inner = concat(hex(tag), varint(inner.length), inner);
        }
        return inner;
    }

    private static byte[] varint(int v) {
        return piece(out -> out.writeUInt32NoTag(v));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }
}
