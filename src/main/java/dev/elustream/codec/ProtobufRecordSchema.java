package dev.elustream.codec;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.codec.JsonVectorFields.Field;
import dev.elustream.math.ArrayActivation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * The schema of {@code format=protobuf}: the input message ({@code protobuf-message}) and the output
 * message ({@code protobuf-output-message}) of a FileDescriptorSet ({@code protobuf-descriptor}, what
 * {@code protoc --include_imports --descriptor_set_out=F} writes), checked at start-up against the
 * job's vector fields ({@code vector-fields}, whose pointers name fields) and outputs.
 *
 * <p>A protobuf message cannot carry fields its type does not declare, so the job writes a second
 * message type: the output message has, along the path of each pointer, the input's fields (same
 * names, numbers, types and labels), and next to each vector the fields the job writes (the
 * derivative in mode both, the alpha gradient, the input with {@code input-name}, named as
 * {@link JsonVectorFields} names them), each {@code repeated} of the vector's element type (double
 * or float), with numbers the input message does not use. Every field number the input's messages
 * use means the same in the output's where the output has it. The output message defaults to the
 * input message, which is allowed only while the job writes no field (mode activation, no alpha
 * gradient, no input-name). Each record is read as the output message (the shared fields have the
 * same numbers and types on the wire), so that its fields, unknown ones included, are written back
 * as they came, with the vectors replaced by f(x) and the outputs added.
 *
 * <p>Serializable: it keeps the descriptor set's bytes and the names, and builds the descriptors
 * again after deserialization.
 */
public final class ProtobufRecordSchema implements RecordSchema {

    private static final long serialVersionUID = 1L;

    public static final String KEY_DESCRIPTOR = "protobuf-descriptor";
    public static final String KEY_MESSAGE = "protobuf-message";
    public static final String KEY_OUTPUT_MESSAGE = "protobuf-output-message";

    private static final int MAX_LISTED_MESSAGES = 20;
    private static final String KEY_VECTOR_FIELDS_TEXT = JsonVectorFields.KEY_VECTOR_FIELDS + " ";

    private final byte[] descriptorSet;
    private final String sourceName;
    private final String messageName;
    @Nullable private final String outputMessageName;
    private final JsonVectorFields fields;
    private final OutputMode mode;
    private final boolean alphaGradient;
    private transient Resolved resolved;

    /** The descriptors of a schema, and each vector field's path in the output message. */
    record Resolved(Descriptor input, Descriptor output, List<VectorPath> paths) {}

    /**
     * One vector field, as fields of the output message: the singular message fields that lead to
     * its container, the vector, and the outputs next to it (null where not written).
     */
    record VectorPath(String pointer, FieldDescriptor[] path, FieldDescriptor vector, ElementType elementType,
            @Nullable FieldDescriptor derivative, @Nullable FieldDescriptor alphaGradient,
            @Nullable FieldDescriptor input) {}

    private ProtobufRecordSchema(byte[] descriptorSet, String sourceName, String messageName,
            @Nullable String outputMessageName, JsonVectorFields fields, OutputMode mode, boolean alphaGradient) {
        this.descriptorSet = descriptorSet;
        this.sourceName = sourceName;
        this.messageName = messageName;
        this.outputMessageName = outputMessageName == null || outputMessageName.equals(messageName)
                ? null : outputMessageName;
        this.fields = fields;
        this.mode = mode;
        this.alphaGradient = alphaGradient;
        this.resolved = resolve();
    }

    /**
     * Reads a descriptor set file and checks the messages against the job's fields and outputs.
     *
     * @param descriptorSet the FileDescriptorSet ({@code protoc --include_imports --descriptor_set_out})
     * @param messageName the input message's full name, e.g. {@code example.Features}
     * @param outputMessageName the output message's full name, or null for the input message (only if
     *     the job writes no field)
     * @param fields the vector fields (pointers whose tokens are field names) and the outputs' names
     * @param mode whether the derivatives are written
     * @param alphaGradient whether the alpha gradients are written
     * @throws IllegalArgumentException naming the key, the file, the message, the pointer and the field
     *     that are wrong
     */
    public static ProtobufRecordSchema load(Path descriptorSet, String messageName, @Nullable String outputMessageName,
            JsonVectorFields fields, OutputMode mode, boolean alphaGradient) {
        Objects.requireNonNull(descriptorSet, KEY_DESCRIPTOR);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(descriptorSet);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(KEY_DESCRIPTOR + " " + descriptorSet + " does not exist", e);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException(KEY_DESCRIPTOR + " " + descriptorSet + " cannot be read: " + e, e);
        }
        return of(bytes, descriptorSet.toString(), messageName, outputMessageName, fields, mode, alphaGradient);
    }

    /**
     * Reads a descriptor set's bytes; see {@link #load}.
     *
     * @param sourceName where the bytes come from, for messages, e.g. the file name
     */
    public static ProtobufRecordSchema of(byte[] descriptorSet, String sourceName, String messageName,
            @Nullable String outputMessageName, JsonVectorFields fields, OutputMode mode, boolean alphaGradient) {
        Objects.requireNonNull(descriptorSet, KEY_DESCRIPTOR);
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(messageName, KEY_MESSAGE);
        Objects.requireNonNull(fields, "fields");
        Objects.requireNonNull(mode, "mode");
        return new ProtobufRecordSchema(descriptorSet.clone(), sourceName, messageName, outputMessageName, fields, mode,
                alphaGradient);
    }

    @Override
    public VectorFormat format() {
        return VectorFormat.PROTOBUF;
    }

    @Override
    public ProtobufVectorTransformer transformer(ArrayActivation activation, int dimension, int maxDimension) {
        return new ProtobufVectorTransformer(this, activation, dimension, maxDimension);
    }

    /** e.g. {@code protobuf example.Features -> example.FeaturesOut (features.desc)}. */
    @Override
    public String describe() {
        String file = sourceName;
        int slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
        return "protobuf " + messageName + (outputMessageName == null ? "" : " -> " + outputMessageName) + " ("
                + file.substring(slash + 1) + ")";
    }

    /**
     * The output message as protobuf's text format of its {@code DescriptorProto}, after a comment
     * naming it and its file: what consumers decode the output with.
     */
    @Override
    public String outputSchemaText() {
        Descriptor output = resolved().output();
        return "# message " + output.getFullName() + " of " + output.getFile().getName() + " (DescriptorProto, text"
                + " format)\n" + com.google.protobuf.TextFormat.printer().printToString(output.toProto());
    }

    /** The input message's full name. */
    public String messageName() {
        return messageName;
    }

    /** The output message's full name: {@code protobuf-output-message}, or the input message if not set. */
    public String outputMessageName() {
        return outputMessageName == null ? messageName : outputMessageName;
    }

    public JsonVectorFields fields() {
        return fields;
    }

    public OutputMode mode() {
        return mode;
    }

    public boolean alphaGradient() {
        return alphaGradient;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProtobufRecordSchema s && Arrays.equals(s.descriptorSet, descriptorSet)
                && s.sourceName.equals(sourceName) && s.messageName.equals(messageName)
                && Objects.equals(s.outputMessageName, outputMessageName) && s.fields.equals(fields) && s.mode == mode
                && s.alphaGradient == alphaGradient;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(descriptorSet), sourceName, messageName, outputMessageName, fields, mode,
                alphaGradient);
    }

    @Override
    public String toString() {
        return describe();
    }

    /** The descriptors, built again after deserialization. */
    synchronized Resolved resolved() {
        if (resolved == null) {
            resolved = resolve();
        }
        return resolved;
    }

    private Resolved resolve() {
        Map<String, Descriptor> messages = messages(buildFiles());
        Descriptor input = message(messages, KEY_MESSAGE, messageName);
        Descriptor output = outputMessageName == null ? input : message(messages, KEY_OUTPUT_MESSAGE, outputMessageName);
        List<Field> selected = fields.fields(mode == OutputMode.BOTH, alphaGradient);
        List<VectorPath> paths = new ArrayList<>(selected.size());
        for (Field field : selected) {
            paths.add(path(input, output, field));
        }
        checkSameNumbers(input, output, new HashSet<>());
        return new Resolved(input, output, List.copyOf(paths));
    }

    private List<FileDescriptor> buildFiles() {
        FileDescriptorSet set;
        try {
            set = FileDescriptorSet.parseFrom(descriptorSet);
        } catch (InvalidProtocolBufferException e) {
            throw notASet(e.getMessage());
        }
        if (set.getFileCount() == 0) {
            throw notASet("it holds no files");
        }
        Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
        for (FileDescriptorProto proto : set.getFileList()) {
            if (proto.getName().isEmpty()) {
                throw notASet("a file has no name");
            }
            if (protos.putIfAbsent(proto.getName(), proto) != null) {
                throw new IllegalArgumentException(KEY_DESCRIPTOR + " " + sourceName + " holds " + proto.getName()
                        + " twice");
            }
        }
        Map<String, FileDescriptor> built = new LinkedHashMap<>();
        for (String name : protos.keySet()) {
            build(name, protos, built, new ArrayList<>());
        }
        return List.copyOf(built.values());
    }

    private IllegalArgumentException notASet(String why) {
        return new IllegalArgumentException(KEY_DESCRIPTOR + " " + sourceName + " is not a FileDescriptorSet (" + why
                + "): write it with protoc --include_imports --descriptor_set_out=" + sourceName + " FILE.proto");
    }

    /** Builds a file after its imports, which may come in any order. */
    private FileDescriptor build(String name, Map<String, FileDescriptorProto> protos, Map<String, FileDescriptor> built,
            List<String> importing) {
        FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        if (importing.contains(name)) {
            throw new IllegalArgumentException(KEY_DESCRIPTOR + " " + sourceName + ": the imports of " + name
                    + " form a cycle (" + String.join(" -> ", importing) + " -> " + name + ")");
        }
        FileDescriptorProto proto = protos.get(name);
        importing.add(name);
        FileDescriptor[] dependencies = new FileDescriptor[proto.getDependencyCount()];
        for (int i = 0; i < dependencies.length; i++) {
            String dependency = proto.getDependency(i);
            if (!protos.containsKey(dependency)) {
                throw new IllegalArgumentException(KEY_DESCRIPTOR + " " + sourceName + ": " + name + " imports "
                        + dependency + ", which the descriptor set does not hold: write it with protoc"
                        + " --include_imports");
            }
            dependencies[i] = build(dependency, protos, built, importing);
        }
        importing.remove(importing.size() - 1);
        FileDescriptor file;
        try {
            file = FileDescriptor.buildFrom(proto, dependencies);
        } catch (DescriptorValidationException e) {
            throw new IllegalArgumentException(KEY_DESCRIPTOR + " " + sourceName + ": " + name + " is not valid: "
                    + e.getMessage(), e);
        }
        built.put(name, file);
        return file;
    }

    /** Every message by full name, nested ones included, in the order of the files. */
    private static Map<String, Descriptor> messages(List<FileDescriptor> files) {
        Map<String, Descriptor> messages = new LinkedHashMap<>();
        for (FileDescriptor file : files) {
            for (Descriptor d : file.getMessageTypes()) {
                addMessages(d, messages);
            }
        }
        return messages;
    }

    private static void addMessages(Descriptor d, Map<String, Descriptor> messages) {
        messages.put(d.getFullName(), d);
        for (Descriptor nested : d.getNestedTypes()) {
            addMessages(nested, messages);
        }
    }

    private Descriptor message(Map<String, Descriptor> messages, String key, String name) {
        Descriptor d = messages.get(name);
        if (d != null) {
            return d;
        }
        List<String> names = new ArrayList<>();
        int more = 0;
        for (Descriptor m : messages.values()) {
            if (m.getOptions().getMapEntry()) {
                continue;
            }
            if (names.size() < MAX_LISTED_MESSAGES) {
                names.add(m.getFullName());
            } else {
                more++;
            }
        }
        String hint = messages.containsKey(name.startsWith(".") ? name.substring(1) : "")
                ? " (a full name has no leading dot)" : "";
        throw new IllegalArgumentException(key + " " + name + " is not in " + KEY_DESCRIPTOR + " " + sourceName + hint
                + ", which has " + (names.isEmpty() ? "no messages" : String.join(", ", names)
                + (more > 0 ? " and " + more + " more" : "")));
    }

    /** Resolves a pointer in the input message, then checks the output message along it. */
    private VectorPath path(Descriptor input, Descriptor output, Field field) {
        JsonPointer pointer = field.pointer();
        List<String> tokens = pointer.tokens();
        String where = KEY_VECTOR_FIELDS_TEXT + pointer.text() + ": ";
        String of = " (" + KEY_MESSAGE + " " + messageName + ")";
        for (String token : tokens) {
            if (JsonPointer.arrayIndex(token) >= 0) {
                throw new IllegalArgumentException(where + "protobuf pointers name fields, not elements ('" + token
                        + "' is an array index)" + of);
            }
        }
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException(where + "the whole record is not a vector: name a repeated double or"
                    + " repeated float field" + of);
        }
        Descriptor in = input;
        Descriptor out = output;
        FieldDescriptor[] path = new FieldDescriptor[tokens.size() - 1];
        FieldDescriptor inVector = null;
        FieldDescriptor outVector = null;
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            boolean last = i == tokens.size() - 1;
            FieldDescriptor f = in.findFieldByName(token);
            if (f == null) {
                throw new IllegalArgumentException(where + in.getFullName() + " has no field '" + token + "'" + of);
            }
            if (!last && (f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE)) {
                throw new IllegalArgumentException(where + "field '" + token + "' of " + in.getFullName() + " is "
                        + typeName(f) + ", expected a message: every step but the last of a pointer must be a"
                        + " singular message field" + of);
            }
            if (last && (!f.isRepeated() || (f.getType() != FieldDescriptor.Type.DOUBLE
                    && f.getType() != FieldDescriptor.Type.FLOAT))) {
                throw new IllegalArgumentException(where + "field '" + token + "' of " + in.getFullName() + " is "
                        + typeName(f) + ", expected repeated double or repeated float" + of);
            }
            FieldDescriptor o = out.findFieldByName(token);
            if (o == null) {
                throw new IllegalArgumentException(KEY_OUTPUT_MESSAGE + " " + outputMessageName() + " lacks field '"
                        + token + "' (" + typeName(f) + ", number " + f.getNumber() + ") on the path of "
                        + pointer.text() + ": add it to " + out.getFullName());
            }
            if (o.getNumber() != f.getNumber() || !sameKind(f, o)) {
                throw new IllegalArgumentException(KEY_OUTPUT_MESSAGE + " " + outputMessageName() + ": field '" + token
                        + "' on the path of " + pointer.text() + " is " + typeName(o) + ", number " + o.getNumber()
                        + " in " + out.getFullName() + ", but " + typeName(f) + ", number " + f.getNumber() + " in "
                        + in.getFullName() + ": it must keep its number, type and label");
            }
            if (last) {
                inVector = f;
                outVector = o;
            } else {
                path[i] = o;
                in = f.getMessageType();
                out = o.getMessageType();
            }
        }
        ElementType type = inVector.getType() == FieldDescriptor.Type.DOUBLE ? ElementType.FLOAT64 : ElementType.FLOAT32;
        return new VectorPath(pointer.text(), path, outVector, type,
                added(in, out, field, field.derivative(), inVector, "the derivative, mode both"),
                added(in, out, field, field.alphaGradient(), inVector, "the alpha gradient, alpha-gradient true"),
                added(in, out, field, field.input(), inVector, "the input, " + JsonVectorFields.KEY_INPUT_NAME));
    }

    /** The output field {@code name} next to a vector, checked; null if the job does not write it. */
    @Nullable
    private FieldDescriptor added(Descriptor in, Descriptor out, Field field, @Nullable String name,
            FieldDescriptor vector, String what) {
        if (name == null) {
            return null;
        }
        String pointer = field.pointer().text();
        String expected = "repeated " + scalarName(vector);
        if (outputMessageName == null) {
            throw new IllegalArgumentException(KEY_OUTPUT_MESSAGE + " is not set, so the output is " + KEY_MESSAGE + " "
                    + messageName + ", which cannot hold the field '" + name + "' (" + expected + ") the job writes next"
                    + " to " + pointer + " (" + what + "): set " + KEY_OUTPUT_MESSAGE + " to a message with the fields"
                    + " of " + messageName + " and those the job writes");
        }
        FieldDescriptor inputField = in.findFieldByName(name);
        if (inputField != null) {
            throw new IllegalArgumentException(KEY_MESSAGE + " " + messageName + " has a field '" + name + "' in "
                    + in.getFullName() + ", which the job writes next to " + pointer + " (" + what + "): name the"
                    + " output otherwise (" + JsonVectorFields.KEY_DERIVATIVE_NAME + ", "
                    + JsonVectorFields.KEY_ALPHA_GRADIENT_NAME + ", " + JsonVectorFields.KEY_INPUT_NAME + ")");
        }
        FieldDescriptor f = out.findFieldByName(name);
        if (f == null) {
            throw new IllegalArgumentException(KEY_OUTPUT_MESSAGE + " " + outputMessageName + " lacks field '" + name
                    + "' (" + expected + ") next to " + pointer + ": add it to " + out.getFullName());
        }
        if (!f.isRepeated() || f.getType() != vector.getType()) {
            throw new IllegalArgumentException(KEY_OUTPUT_MESSAGE + " " + outputMessageName + ": field '" + name
                    + "' next to " + pointer + " is " + typeName(f) + ", expected " + expected + " (the element type"
                    + " of " + pointer + ")");
        }
        FieldDescriptor taken = in.findFieldByNumber(f.getNumber());
        if (taken != null) {
            throw new IllegalArgumentException(KEY_OUTPUT_MESSAGE + " " + outputMessageName + ": field '" + name
                    + "' next to " + pointer + " has number " + f.getNumber() + ", which " + in.getFullName()
                    + " uses for '" + taken.getName() + "' (" + typeName(taken) + "): give it a number "
                    + in.getFullName() + " does not use");
        }
        return f;
    }

    /**
     * Checks that every field number of the input message (and of the messages it holds) that the
     * output message has too is of the same type and label there, so that a record of the input reads
     * as the output.
     */
    private void checkSameNumbers(Descriptor in, Descriptor out, Set<String> compared) {
        if (in == out || !compared.add(in.getFullName() + " " + out.getFullName())) {
            return;
        }
        for (FieldDescriptor f : in.getFields()) {
            FieldDescriptor o = out.findFieldByNumber(f.getNumber());
            if (o == null) {
                continue;
            }
            if (!sameKind(f, o)) {
                throw new IllegalArgumentException(KEY_OUTPUT_MESSAGE + " " + outputMessageName() + " does not match "
                        + KEY_MESSAGE + " " + messageName + ": field number " + f.getNumber() + " is '" + f.getName()
                        + "' (" + typeName(f) + ") in " + in.getFullName() + " but '" + o.getName() + "' ("
                        + typeName(o) + ") in " + out.getFullName());
            }
            if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                checkSameNumbers(f.getMessageType(), o.getMessageType(), compared);
            }
        }
    }

    /** Same wire type and label; message types are compared field by field elsewhere, enums are varints. */
    private static boolean sameKind(FieldDescriptor a, FieldDescriptor b) {
        return a.getType() == b.getType() && a.isRepeated() == b.isRepeated() && a.isRequired() == b.isRequired();
    }

    /** A field's type as a .proto file writes it, e.g. {@code repeated float}, {@code map<string, string>}. */
    static String typeName(FieldDescriptor f) {
        if (f.isMapField()) {
            Descriptor entry = f.getMessageType();
            return "map<" + scalarName(entry.findFieldByNumber(1)) + ", " + scalarName(entry.findFieldByNumber(2)) + ">";
        }
        return (f.isRepeated() ? "repeated " : f.isRequired() ? "required " : "") + scalarName(f);
    }

    private static String scalarName(FieldDescriptor f) {
        return switch (f.getType()) {
            case MESSAGE, GROUP -> f.getMessageType().getFullName();
            case ENUM -> f.getEnumType().getFullName();
            default -> f.getType().name().toLowerCase(Locale.ROOT);
        };
    }
}
