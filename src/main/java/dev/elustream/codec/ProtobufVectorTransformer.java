package dev.elustream.codec;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.WireFormat;
import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.codec.ProtobufRecordSchema.VectorPath;
import dev.elustream.math.ArrayActivation;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * Transforms protobuf record values of a {@link ProtobufRecordSchema}: a message of the input type
 * becomes a message of the output type with each selected {@code repeated double}/{@code repeated
 * float} field x replaced by f(x) and the fields with f'(x) (mode both), df/dalpha (if asked for)
 * and x (with input-name) set next to it, in the vector's element type (float results are computed
 * in double and rounded once); every other field, unknown ones included, is written back. A value
 * that cannot be transformed throws {@link VectorRejectedException} with the reason (for the
 * dead-letter topic).
 *
 * <p>The record is transformed on protobuf's wire format, without building a message: the fields
 * that are on no pointer's path are checked as protobuf-java's parser checks them (wire types,
 * lengths, varints, UTF-8 of proto3 strings, nesting depth, nested messages by their type) and
 * copied byte for byte in their order; a message on a pointer's path is transformed recursively
 * and written where it was, with its new length; the vector's elements, packed or not and in any
 * number of chunks, are read without boxing, and f(x) is written as one packed field at the end of
 * its message, followed by the derivative, the alpha gradient and the input, packed. A record the
 * wire path does not take on (a message on a path that comes more than once, which protobuf merges)
 * and every malformed record (for the library's own reason) go to {@link ProtobufDynamicTransformer},
 * whose output means the same; so does every record of a schema the wire path does not cover
 * (message-set wire format, groups or oneofs on a path).
 *
 * <p>Not thread-safe: one instance per thread/operator, which reuses its buffers.
 */
public final class ProtobufVectorTransformer implements VectorTransformer {

    /** Whether {@link ProtobufRecordSchema#transformer} takes the wire path. */
    static final boolean WIRE_BY_DEFAULT = true;

    /** protobuf-java's default recursion limit ({@code CodedInputStream.setRecursionLimit}). */
    static final int RECURSION_LIMIT = 100;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** A record for the DynamicMessage path; thrown without a stack trace, never seen outside. */
    private static final class Fallback extends Exception {
        private static final long serialVersionUID = 1L;
        static final Fallback INSTANCE = new Fallback();

        private Fallback() {
            super(null, null, false, false);
        }
    }

    private final ProtobufDynamicTransformer dynamic;
    /** The message the vectors are in, null if the schema is not for the wire path. */
    @Nullable private final Node root;
    private final Node[] nodes;
    private final Vec[] vectors;
    private final OutputMode mode;
    private final boolean alphaGradient;
    private final int dimension;
    private final int maxDimension;
    private final ActivationPass pass;
    private int lastLength;
    private int lastNonPositiveCount;
    private long fallbacks;

    /**
     * @param schema the schema, checked against the fields and outputs
     * @param activation the activation, e.g. {@code Activations.of(ActivationKind.ELU, 1.0)}
     * @param dimension the required length of every vector, or 0 for any length up to {@code maxDimension}
     * @param maxDimension the longest vector accepted, at least 1
     * @throws IllegalArgumentException if {@code maxDimension < 1} or {@code dimension} is negative or
     *     above {@code maxDimension}
     * @throws NullPointerException if {@code schema} or {@code activation} is null
     */
    public ProtobufVectorTransformer(ProtobufRecordSchema schema, ArrayActivation activation, int dimension,
            int maxDimension) {
        this(schema, activation, dimension, maxDimension, WIRE_BY_DEFAULT);
    }

    /** @param wire whether to take the wire path; if not, every record goes to {@link ProtobufDynamicTransformer} */
    ProtobufVectorTransformer(ProtobufRecordSchema schema, ArrayActivation activation, int dimension,
            int maxDimension, boolean wire) {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(activation, "activation");
        this.dynamic = new ProtobufDynamicTransformer(schema, activation, dimension, maxDimension);
        this.mode = schema.mode();
        this.alphaGradient = schema.alphaGradient();
        this.dimension = dimension;
        this.maxDimension = maxDimension;
        this.pass = new ActivationPass(activation, mode, alphaGradient);
        ProtobufRecordSchema.Resolved resolved = schema.resolved();
        Map<Descriptor, Type> types = new HashMap<>();
        Type rootType = Type.of(resolved.output(), types);
        boolean covered = wire && types.values().stream().noneMatch(t -> t.messageSet);
        List<Node> all = new ArrayList<>();
        Node top = new Node(rootType, 0);
        all.add(top);
        List<VectorPath> paths = resolved.paths();
        this.vectors = new Vec[paths.size()];
        for (int i = 0; i < vectors.length; i++) {
            VectorPath path = paths.get(i);
            Node[] along = new Node[path.path().length + 1];
            along[0] = top;
            for (int d = 0; d < path.path().length; d++) {
                FieldDescriptor f = path.path()[d];
                covered &= f.getType() == FieldDescriptor.Type.MESSAGE && f.getRealContainingOneof() == null;
                along[d + 1] = along[d].child(f.getNumber(), types.get(f.getMessageType()), all);
            }
            vectors[i] = new Vec(new ProtobufDynamicTransformer.Vector(path), i, along);
            along[along.length - 1].addVector(vectors[i]);
        }
        this.root = covered ? top : null;
        this.nodes = all.toArray(new Node[0]);
    }

    @Override
    public byte[] transform(@Nullable byte[] value) throws VectorRejectedException {
        if (root == null || value == null || value.length == 0) {
            return viaDynamic(value);
        }
        try {
            return transformWire(value);
        } catch (Fallback | IOException e) {
            // IOException: a malformed record, which the library rejects with its own reason
            fallbacks++;
            return viaDynamic(value);
        } catch (RuntimeException e) {
            throw new VectorRejectedException(RejectKind.INTERNAL, "value could not be transformed: the protobuf wire"
                    + " path failed with " + e + "; please report it");
        }
    }

    private byte[] viaDynamic(@Nullable byte[] value) throws VectorRejectedException {
        byte[] out = dynamic.transform(value);
        lastLength = dynamic.lastLength();
        lastNonPositiveCount = dynamic.lastNonPositiveCount();
        return out;
    }

    /** Records that went to the DynamicMessage path on the wire path's account (malformed, merged); for tests. */
    long fallbacks() {
        return fallbacks;
    }

    private byte[] transformWire(byte[] value) throws IOException, Fallback, VectorRejectedException {
        for (Node node : nodes) {
            node.reset();
        }
        for (Vec v : vectors) {
            v.reset();
        }
        CodedInputStream in = CodedInputStream.newInstance(value);
        scan(root, in, value, 0);
        // Every field is read before any vector is judged, so that a malformed record is rejected as
        // malformed, as the library's parser does.
        int length = 0;
        int nonPositive = 0;
        for (Vec v : vectors) {
            nonPositive += check(v);
            length += v.n;
        }
        byte[] out = new byte[size(root)];
        int end = emit(root, value, out, 0);
        if (end != out.length) {
            throw new IllegalStateException("wrote " + end + " bytes of " + out.length);
        }
        lastLength = length;
        lastNonPositiveCount = nonPositive;
        return out;
    }

    /**
     * Reads the fields of a message on a path up to the stream's limit: notes the runs of bytes to
     * copy, the messages on paths, the vectors' elements and the outputs a record must not carry.
     */
    private void scan(Node node, CodedInputStream in, byte[] value, int depth) throws IOException, Fallback {
        node.seen = true;
        int runStart = in.getTotalBytesRead();
        while (true) {
            int fieldStart = in.getTotalBytesRead();
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            int wireType = WireFormat.getTagWireType(tag);
            if (wireType == WireFormat.WIRETYPE_END_GROUP) {
                throw Fallback.INSTANCE;
            }
            int role = node.role(WireFormat.getTagFieldNumber(tag));
            if (role < 0) {
                skipField(node.type, tag, in, value, depth);
                continue;
            }
            int index = node.roleIndex[role];
            switch (node.roleKind[role]) {
                case Node.CHILD -> {
                    if (wireType != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        skipField(node.type, tag, in, value, depth);
                        continue;
                    }
                    Node child = node.children.get(index);
                    if (child.seen) {
                        throw Fallback.INSTANCE; // merged by protobuf
                    }
                    node.addRun(runStart, fieldStart);
                    node.addChild(index);
                    int length = in.readRawVarint32();
                    if (depth >= RECURSION_LIMIT) {
                        throw Fallback.INSTANCE;
                    }
                    int limit = in.pushLimit(length);
                    scan(child, in, value, depth + 1);
                    in.popLimit(limit);
                }
                case Node.VECTOR -> {
                    Vec v = vectors[index];
                    if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int length = in.readRawVarint32();
                        int at = in.getTotalBytesRead();
                        in.skipRawBytes(length);
                        if (length % v.width != 0) {
                            throw Fallback.INSTANCE;
                        }
                        v.add(value, at, length / v.width, maxDimension);
                    } else if (wireType == v.elementWireType) {
                        int at = in.getTotalBytesRead();
                        in.skipRawBytes(v.width);
                        v.add(value, at, 1, maxDimension);
                    } else {
                        skipField(node.type, tag, in, value, depth); // an unknown field with the vector's number
                        continue;
                    }
                    node.addRun(runStart, fieldStart);
                }
                default -> {
                    // an output the job writes: with elements or of another wire type, a conflict; an empty
                    // packed one adds nothing
                    Vec v = vectors[index >>> 2];
                    int k = index & 3;
                    if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int length = in.readRawVarint32();
                        in.skipRawBytes(length);
                        if (length % v.width != 0) {
                            throw Fallback.INSTANCE;
                        }
                        v.conflict[k] |= length > 0;
                    } else {
                        skipField(node.type, tag, in, value, depth);
                        v.conflict[k] = true;
                    }
                    node.addRun(runStart, fieldStart);
                }
            }
            runStart = in.getTotalBytesRead();
        }
        node.addRun(runStart, in.getTotalBytesRead());
    }

    /** Skips a field that is copied, checking it as the library's parser does; a malformed one is thrown. */
    private static void skipField(Type type, int tag, CodedInputStream in, byte[] value, int depth)
            throws IOException, Fallback {
        int wireType = WireFormat.getTagWireType(tag);
        int i = type.index(WireFormat.getTagFieldNumber(tag));
        if (i >= 0) {
            if (wireType == type.wireTypes[i]) {
                switch (type.kinds[i]) {
                    case Type.VARINT -> in.readRawVarint64();
                    case Type.FIXED64 -> in.skipRawBytes(8);
                    case Type.FIXED32 -> in.skipRawBytes(4);
                    case Type.BYTES -> in.skipRawBytes(in.readRawVarint32());
                    case Type.UTF8 -> {
                        int length = in.readRawVarint32();
                        int at = in.getTotalBytesRead();
                        in.skipRawBytes(length);
                        if (!Utf8.isValid(value, at, at + length)) {
                            throw Fallback.INSTANCE;
                        }
                    }
                    case Type.MESSAGE -> {
                        int length = in.readRawVarint32();
                        if (depth >= RECURSION_LIMIT) {
                            throw Fallback.INSTANCE;
                        }
                        int limit = in.pushLimit(length);
                        skipFields(type.nested[i], 0, in, value, depth + 1);
                        in.popLimit(limit);
                    }
                    default -> { // GROUP
                        if (depth >= RECURSION_LIMIT) {
                            throw Fallback.INSTANCE;
                        }
                        skipFields(type.nested[i], WireFormat.getTagFieldNumber(tag), in, value, depth + 1);
                    }
                }
                return;
            }
            if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED && type.packable[i]) {
                int length = in.readRawVarint32();
                int limit = in.pushLimit(length);
                switch (type.kinds[i]) {
                    case Type.FIXED64, Type.FIXED32 -> {
                        if (length % (type.kinds[i] == Type.FIXED64 ? 8 : 4) != 0) {
                            throw Fallback.INSTANCE;
                        }
                        in.skipRawBytes(length);
                    }
                    default -> {
                        while (in.getBytesUntilLimit() > 0) {
                            in.readRawVarint64();
                        }
                    }
                }
                in.popLimit(limit);
                return;
            }
        }
        skipUnknown(tag, in, depth);
    }

    /**
     * Skips the fields of a message up to the stream's limit ({@code group} 0), or of a group up to
     * its end-group tag.
     */
    private static void skipFields(@Nullable Type type, int group, CodedInputStream in, byte[] value, int depth)
            throws IOException, Fallback {
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                if (group != 0) {
                    throw Fallback.INSTANCE;
                }
                return;
            }
            if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_END_GROUP) {
                if (group != 0 && WireFormat.getTagFieldNumber(tag) == group) {
                    return;
                }
                throw Fallback.INSTANCE;
            }
            if (type == null) {
                skipUnknown(tag, in, depth);
            } else {
                skipField(type, tag, in, value, depth);
            }
        }
    }

    /** Skips a field the message type does not declare (or of another wire type), as an unknown field is read. */
    private static void skipUnknown(int tag, CodedInputStream in, int depth) throws IOException, Fallback {
        switch (WireFormat.getTagWireType(tag)) {
            case WireFormat.WIRETYPE_VARINT -> in.readRawVarint64();
            case WireFormat.WIRETYPE_FIXED64 -> in.skipRawBytes(8);
            case WireFormat.WIRETYPE_LENGTH_DELIMITED -> in.skipRawBytes(in.readRawVarint32());
            case WireFormat.WIRETYPE_FIXED32 -> in.skipRawBytes(4);
            case WireFormat.WIRETYPE_START_GROUP -> {
                if (depth >= RECURSION_LIMIT) {
                    throw Fallback.INSTANCE;
                }
                skipFields(null, WireFormat.getTagFieldNumber(tag), in, null, depth + 1);
            }
            default -> throw Fallback.INSTANCE; // end group here, or wire types 6 and 7
        }
    }

    /** The DynamicMessage path's checks of one vector, in its order; returns how many elements are {@code <= 0}. */
    private int check(Vec v) throws VectorRejectedException {
        ProtobufDynamicTransformer.Vector r = v.reasons;
        for (int d = 0; d < r.missing.length; d++) {
            if (!v.along[d + 1].seen) {
                throw new VectorRejectedException(RejectKind.FEATURES_MISSING, r.missing[d]);
            }
        }
        for (int k = 0; k < r.conflicts.length; k++) {
            if (v.conflict[k]) {
                throw new VectorRejectedException(RejectKind.MEMBER_CONFLICT, r.conflicts[k]);
            }
        }
        int n = v.n;
        if (n == 0) {
            throw new VectorRejectedException(RejectKind.FEATURES_EMPTY, r.empty);
        }
        if (n > maxDimension) {
            throw new VectorRejectedException(RejectKind.TOO_MANY_ELEMENTS,
                    r.element + " has " + n + " elements, more than " + maxDimension + " (max-dimension)");
        }
        if (dimension != 0 && n != dimension) {
            throw new VectorRejectedException(RejectKind.WRONG_DIMENSION,
                    r.element + " has " + n + " elements, expected " + dimension + " (dimension)");
        }
        double[] x = v.x;
        int nonPositive = 0;
        for (int i = 0; i < n; i++) {
            double e = x[i];
            if (!Double.isFinite(e)) {
                throw ProtobufDynamicTransformer.notFinite(r, i, e);
            }
            nonPositive += e <= 0.0 ? 1 : 0;
        }
        pass.checkFiniteResults(x, n, r.path.elementType(), r.element);
        return nonPositive;
    }

    /** The length of a message on a path as written. */
    private int size(Node node) {
        int size = 0;
        for (int i = 0; i < node.itemCount; i += 2) {
            int start = node.items[i];
            if (start >= 0) {
                size += node.items[i + 1] - start;
            } else {
                Node child = node.children.get(-1 - start);
                child.size = size(child);
                size += CodedOutputStream.computeTagSize(child.number)
                        + CodedOutputStream.computeUInt32SizeNoTag(child.size) + child.size;
            }
        }
        for (Vec v : node.vectors) {
            int bytes = v.n * v.width;
            int field = CodedOutputStream.computeUInt32SizeNoTag(bytes) + bytes;
            size += CodedOutputStream.computeTagSize(v.number) + field;
            for (int number : v.outputNumbers) {
                size += CodedOutputStream.computeTagSize(number) + field;
            }
        }
        return size;
    }

    /** Writes a message on a path at {@code at}; returns the index after it. */
    private int emit(Node node, byte[] value, byte[] out, int at) {
        int pos = at;
        for (int i = 0; i < node.itemCount; i += 2) {
            int start = node.items[i];
            if (start >= 0) {
                int length = node.items[i + 1] - start;
                System.arraycopy(value, start, out, pos, length);
                pos += length;
            } else {
                Node child = node.children.get(-1 - start);
                pos = writeVarint(out, pos, lengthDelimitedTag(child.number));
                pos = writeVarint(out, pos, child.size);
                pos = emit(child, value, out, pos);
            }
        }
        for (Vec v : node.vectors) {
            int n = v.n;
            if (v.reasons.path.input() != null) {
                if (v.input.length < n) {
                    v.input = new double[v.x.length];
                }
                System.arraycopy(v.x, 0, v.input, 0, n);
            }
            pass.apply(v.x, n);
            pos = writePacked(out, pos, v.number, v.x, n, v.float32);
            int k = 0;
            if (mode == OutputMode.BOTH) {
                pos = writePacked(out, pos, v.outputNumbers[k++], pass.derivatives(), n, v.float32);
            }
            if (alphaGradient) {
                pos = writePacked(out, pos, v.outputNumbers[k++], pass.alphaGradients(), n, v.float32);
            }
            if (v.reasons.path.input() != null) {
                pos = writePacked(out, pos, v.outputNumbers[k], v.input, n, v.float32);
            }
        }
        return pos;
    }

    private static int writePacked(byte[] out, int at, int number, double[] values, int n, boolean float32) {
        int pos = writeVarint(out, at, lengthDelimitedTag(number));
        pos = writeVarint(out, pos, n * (float32 ? 4 : 8));
        if (float32) {
            for (int i = 0; i < n; i++, pos += 4) {
                INTS.set(out, pos, Float.floatToRawIntBits((float) values[i]));
            }
        } else {
            for (int i = 0; i < n; i++, pos += 8) {
                LONGS.set(out, pos, Double.doubleToRawLongBits(values[i]));
            }
        }
        return pos;
    }

    /** {@code WireFormat.makeTag}, which is not public. */
    private static int lengthDelimitedTag(int number) {
        return number << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    private static int writeVarint(byte[] out, int at, int value) {
        int pos = at;
        int v = value;
        while ((v & ~0x7F) != 0) {
            out[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[pos++] = (byte) v;
        return pos;
    }

    /** Number of elements of the last successfully transformed record, all its vectors (for metrics); 0 before any. */
    @Override
    public int lastLength() {
        return lastLength;
    }

    /**
     * Number of elements {@code <= 0} (those that take the activation's exponential branch) of the
     * last successfully transformed record, counted on the input (for metrics); 0 before any.
     */
    @Override
    public int lastNonPositiveCount() {
        return lastNonPositiveCount;
    }

    /** How the fields of a message type are read: by number, the wire type, the kind of value, the nested type. */
    private static final class Type {
        static final byte VARINT = 0;
        static final byte FIXED64 = 1;
        static final byte FIXED32 = 2;
        static final byte BYTES = 3;
        static final byte UTF8 = 4;
        static final byte MESSAGE = 5;
        static final byte GROUP = 6;
        /** Field numbers up to this are looked up in a table, the others by binary search. */
        private static final int MAX_TABLE = 512;

        final boolean messageSet;
        final int[] numbers;
        final int[] wireTypes;
        final byte[] kinds;
        final boolean[] packable;
        final Type[] nested;
        @Nullable final int[] table;

        private Type(Descriptor d) {
            this.messageSet = d.getOptions().getMessageSetWireFormat();
            List<FieldDescriptor> fields = new ArrayList<>(d.getFields());
            fields.sort((a, b) -> Integer.compare(a.getNumber(), b.getNumber()));
            int n = fields.size();
            numbers = new int[n];
            wireTypes = new int[n];
            kinds = new byte[n];
            packable = new boolean[n];
            nested = new Type[n];
            for (int i = 0; i < n; i++) {
                FieldDescriptor f = fields.get(i);
                numbers[i] = f.getNumber();
                wireTypes[i] = f.getLiteType().getWireType();
                packable[i] = f.isPackable();
                kinds[i] = switch (f.getType()) {
                    case DOUBLE, FIXED64, SFIXED64 -> FIXED64;
                    case FLOAT, FIXED32, SFIXED32 -> FIXED32;
                    case STRING -> f.needsUtf8Check() ? UTF8 : BYTES;
                    case BYTES -> BYTES;
                    case MESSAGE -> MESSAGE;
                    case GROUP -> GROUP;
                    default -> VARINT;
                };
            }
            int max = n == 0 ? 0 : numbers[n - 1];
            if (max <= MAX_TABLE) {
                table = new int[max + 1];
                Arrays.fill(table, -1);
                for (int i = 0; i < n; i++) {
                    table[numbers[i]] = i;
                }
            } else {
                table = null;
            }
        }

        static Type of(Descriptor d, Map<Descriptor, Type> types) {
            Type t = types.get(d);
            if (t != null) {
                return t;
            }
            t = new Type(d);
            types.put(d, t);
            List<FieldDescriptor> fields = new ArrayList<>(d.getFields());
            fields.sort((a, b) -> Integer.compare(a.getNumber(), b.getNumber()));
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i).getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                    t.nested[i] = of(fields.get(i).getMessageType(), types);
                }
            }
            return t;
        }

        /** The index of a field number, or -1 if the type does not declare it. */
        int index(int number) {
            if (table != null) {
                return number < table.length ? table[number] : -1;
            }
            int i = Arrays.binarySearch(numbers, number);
            return i >= 0 ? i : -1;
        }
    }

    /**
     * A message on the path of a vector (the record itself at the top): its fields the job reads or
     * writes, and, per record, what was read of it.
     */
    private static final class Node {
        static final int CHILD = 0;
        static final int VECTOR = 1;
        static final int OUTPUT = 2;

        final Type type;
        final int number;
        final List<Node> children = new ArrayList<>(1);
        final List<Vec> vectorList = new ArrayList<>(1);
        Vec[] vectors = new Vec[0];
        int[] roleNumbers = new int[0];
        int[] roleKind = new int[0];
        /** CHILD: index in children; VECTOR: the vector's index; OUTPUT: the vector's index * 4 + the output's. */
        int[] roleIndex = new int[0];

        boolean seen;
        /** Pairs: a run of the value to copy (start, end), or (-1 - child index, 0) for a message on a path. */
        int[] items = new int[16];
        int itemCount;
        int size;

        Node(Type type, int number) {
            this.type = type;
            this.number = number;
        }

        Node child(int childNumber, Type childType, List<Node> all) {
            for (Node c : children) {
                if (c.number == childNumber) {
                    return c;
                }
            }
            Node c = new Node(childType, childNumber);
            addRole(childNumber, CHILD, children.size());
            children.add(c);
            all.add(c);
            return c;
        }

        void addVector(Vec v) {
            vectorList.add(v);
            vectors = vectorList.toArray(new Vec[0]);
            addRole(v.number, VECTOR, v.index);
            for (int k = 0; k < v.outputNumbers.length; k++) {
                addRole(v.outputNumbers[k], OUTPUT, v.index * 4 + k);
            }
        }

        private void addRole(int number, int kind, int index) {
            int n = roleNumbers.length;
            roleNumbers = Arrays.copyOf(roleNumbers, n + 1);
            roleKind = Arrays.copyOf(roleKind, n + 1);
            roleIndex = Arrays.copyOf(roleIndex, n + 1);
            roleNumbers[n] = number;
            roleKind[n] = kind;
            roleIndex[n] = index;
        }

        int role(int fieldNumber) {
            for (int i = 0; i < roleNumbers.length; i++) {
                if (roleNumbers[i] == fieldNumber) {
                    return i;
                }
            }
            return -1;
        }

        void reset() {
            seen = false;
            itemCount = 0;
        }

        void addRun(int start, int end) {
            if (end > start) {
                add(start, end);
            }
        }

        void addChild(int index) {
            add(-1 - index, 0);
        }

        private void add(int a, int b) {
            if (itemCount + 2 > items.length) {
                items = Arrays.copyOf(items, 2 * items.length);
            }
            items[itemCount++] = a;
            items[itemCount++] = b;
        }
    }

    /** A vector field: its reasons, numbers, and, per record, the elements read and the outputs found. */
    private static final class Vec {
        final ProtobufDynamicTransformer.Vector reasons;
        final int index;
        final Node[] along;
        final int number;
        final boolean float32;
        final int width;
        final int elementWireType;
        /** derivative, alpha gradient, input: those written, in the order of {@code reasons.conflicts}. */
        final int[] outputNumbers;
        final boolean[] conflict;
        double[] x = new double[16];
        double[] input = new double[0];
        /** Elements read, also beyond max-dimension, of which x holds at most max-dimension. */
        int n;

        Vec(ProtobufDynamicTransformer.Vector reasons, int index, Node[] along) {
            this.reasons = reasons;
            this.index = index;
            this.along = along;
            this.number = reasons.path.vector().getNumber();
            this.float32 = reasons.path.elementType() == ElementType.FLOAT32;
            this.width = float32 ? 4 : 8;
            this.elementWireType = float32 ? WireFormat.WIRETYPE_FIXED32 : WireFormat.WIRETYPE_FIXED64;
            this.outputNumbers = new int[reasons.outputs.length];
            for (int k = 0; k < outputNumbers.length; k++) {
                outputNumbers[k] = reasons.outputs[k].getNumber();
            }
            this.conflict = new boolean[outputNumbers.length];
        }

        void reset() {
            n = 0;
            Arrays.fill(conflict, false);
        }

        /** Reads {@code count} elements at {@code at} of the value, keeping those up to {@code maxDimension}. */
        void add(byte[] value, int at, int count, int maxDimension) {
            int keep = Math.min(count, maxDimension - Math.min(n, maxDimension));
            if (n + keep > x.length) {
                x = Arrays.copyOf(x, Math.max(n + keep, Math.min(2 * x.length, maxDimension)));
            }
            if (float32) {
                for (int i = 0; i < keep; i++) {
                    x[n + i] = Float.intBitsToFloat((int) INTS.get(value, at + 4 * i));
                }
            } else {
                for (int i = 0; i < keep; i++) {
                    x[n + i] = Double.longBitsToDouble((long) LONGS.get(value, at + 8 * i));
                }
            }
            n += count;
        }
    }
}
