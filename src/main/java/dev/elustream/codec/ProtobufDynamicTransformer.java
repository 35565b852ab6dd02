package dev.elustream.codec;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.codec.ProtobufRecordSchema.VectorPath;
import dev.elustream.math.ArrayActivation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * The reference implementation of {@link ProtobufVectorTransformer} on protobuf-java's
 * {@code DynamicMessage}, which the wire-level path falls back to and is tested against: a message of the input type
 * becomes a message of the output type with each selected {@code repeated double}/{@code repeated
 * float} field x replaced by f(x) and the fields with f'(x) (mode both), df/dalpha (if asked for)
 * and x (with input-name) set next to it, in the vector's element type (float results are computed
 * in double and rounded once); every other field, unknown ones included, is written back. A value
 * that cannot be transformed throws {@link VectorRejectedException} with the reason (for the
 * dead-letter topic).
 *
 * <p>Not thread-safe: one instance per thread/operator, which reuses its builder and buffers.
 */
final class ProtobufDynamicTransformer implements VectorTransformer {

    /** How much of a library exception's text a reason quotes. */
    private static final int MAX_MESSAGE_LENGTH = 300;

    private final OutputMode mode;
    private final boolean alphaGradient;
    private final int dimension;
    private final int maxDimension;
    private final ActivationPass pass;
    private final Vector[] vectors;
    private final DynamicMessage.Builder builder;
    private final String emptyReason;
    private final String invalidPrefix;
    /** The elements of one field, boxed as the library holds them; the builder copies it. */
    private final ArrayList<Object> boxed = new ArrayList<>();
    private double[] x = new double[0];
    private int lastLength;
    private int lastNonPositiveCount;

    /** A vector field with the reasons that name it, built once. */
    static final class Vector {
        final VectorPath path;
        final boolean float32;
        final String[] missing;
        final FieldDescriptor[] outputs;
        final String[] conflicts;
        final String empty;
        final String element;

        Vector(VectorPath path) {
            this.path = path;
            this.float32 = path.elementType() == ElementType.FLOAT32;
            String pointer = path.pointer();
            this.missing = new String[path.path().length];
            String prefix = "";
            for (int d = 0; d < missing.length; d++) {
                String name = path.path()[d].getName();
                missing[d] = pointer + " is missing (field '" + name + "'" + (d == 0 ? "" : " of " + prefix)
                        + " is not set)";
                prefix += "/" + name;
            }
            List<FieldDescriptor> out = new ArrayList<>(3);
            List<String> reasons = new ArrayList<>(3);
            String container = prefix;
            addOutput(path.derivative(), "the derivative of " + pointer + ", mode both", container, out, reasons);
            addOutput(path.alphaGradient(), "the alpha gradient of " + pointer + ", alpha-gradient true", container, out,
                    reasons);
            addOutput(path.input(), "the input of " + pointer + ", " + JsonVectorFields.KEY_INPUT_NAME, container, out,
                    reasons);
            this.outputs = out.toArray(new FieldDescriptor[0]);
            this.conflicts = reasons.toArray(new String[0]);
            this.empty = pointer + " is empty";
            this.element = pointer;
        }

        private static void addOutput(@Nullable FieldDescriptor f, String what, String container,
                List<FieldDescriptor> out, List<String> reasons) {
            if (f != null) {
                out.add(f);
                reasons.add("value already has a field " + container + "/" + f.getName() + " (number " + f.getNumber()
                        + "), which this job writes (" + what + "): records must not carry the job's outputs");
            }
        }
    }

    /**
     * @param schema the schema, checked against the fields and outputs
     * @param activation the activation, e.g. {@code Activations.of(ActivationKind.ELU, 1.0)}
     * @param dimension the required length of every vector, or 0 for any length up to {@code maxDimension}
     * @param maxDimension the longest vector accepted, at least 1
     * @throws IllegalArgumentException if {@code maxDimension < 1} or {@code dimension} is negative or
     *     above {@code maxDimension}
     * @throws NullPointerException if {@code schema} or {@code activation} is null
     */
    ProtobufDynamicTransformer(ProtobufRecordSchema schema, ArrayActivation activation, int dimension,
            int maxDimension) {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(activation, "activation");
        if (maxDimension < 1) {
            throw new IllegalArgumentException("maxDimension must be >= 1, got " + maxDimension);
        }
        if (dimension < 0 || dimension > maxDimension) {
            throw new IllegalArgumentException("dimension must be 0 (any) or between 1 and maxDimension ("
                    + maxDimension + "), got " + dimension);
        }
        this.mode = schema.mode();
        this.alphaGradient = schema.alphaGradient();
        this.dimension = dimension;
        this.maxDimension = maxDimension;
        this.pass = new ActivationPass(activation, mode, alphaGradient);
        ProtobufRecordSchema.Resolved resolved = schema.resolved();
        this.vectors = new Vector[resolved.paths().size()];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = new Vector(resolved.paths().get(i));
        }
        this.builder = DynamicMessage.newBuilder(resolved.output());
        this.emptyReason = "value is empty: expected a protobuf " + schema.messageName();
        this.invalidPrefix = "value is not a valid protobuf " + schema.messageName() + ": ";
    }

    @Override
    public byte[] transform(@Nullable byte[] value) throws VectorRejectedException {
        if (value == null || value.length == 0) {
            // An empty value is a valid message with every field unset; but a tombstone, not a record.
            throw new VectorRejectedException(RejectKind.EMPTY, emptyReason);
        }
        try {
            return transformMessage(value);
        } catch (RuntimeException e) {
            // The library must not fail on any input; if it does, the record goes to the dead letters
            // with the cause instead of stopping the job.
            throw new VectorRejectedException(RejectKind.INTERNAL, "value could not be transformed: the protobuf"
                    + " library failed with " + truncate(String.valueOf(e)) + "; please report it");
        }
    }

    private byte[] transformMessage(byte[] value) throws VectorRejectedException {
        builder.clear();
        try {
            // Read as the output type: its fields have the input's numbers; the others stay unknown fields.
            builder.mergeFrom(value, ExtensionRegistryLite.getEmptyRegistry());
        } catch (InvalidProtocolBufferException e) {
            throw new VectorRejectedException(RejectKind.INVALID_ENCODING,
                    invalidPrefix + truncate(String.valueOf(e.getMessage())));
        }
        int length = 0;
        int nonPositive = 0;
        for (Vector v : vectors) {
            Message.Builder container = builder;
            FieldDescriptor[] path = v.path.path();
            for (int d = 0; d < path.length; d++) {
                if (!container.hasField(path[d])) {
                    throw new VectorRejectedException(RejectKind.FEATURES_MISSING, v.missing[d]);
                }
                container = container.getFieldBuilder(path[d]);
            }
            for (int k = 0; k < v.outputs.length; k++) {
                FieldDescriptor output = v.outputs[k];
                if (container.getRepeatedFieldCount(output) > 0
                        || container.getUnknownFields().hasField(output.getNumber())) {
                    throw new VectorRejectedException(RejectKind.MEMBER_CONFLICT, v.conflicts[k]);
                }
            }
            FieldDescriptor field = v.path.vector();
            int n = container.getRepeatedFieldCount(field);
            if (n == 0) {
                throw new VectorRejectedException(RejectKind.FEATURES_EMPTY, v.empty);
            }
            if (n > maxDimension) {
                throw new VectorRejectedException(RejectKind.TOO_MANY_ELEMENTS,
                        v.element + " has " + n + " elements, more than " + maxDimension + " (max-dimension)");
            }
            if (dimension != 0 && n != dimension) {
                throw new VectorRejectedException(RejectKind.WRONG_DIMENSION,
                        v.element + " has " + n + " elements, expected " + dimension + " (dimension)");
            }
            if (x.length < n) {
                x = new double[Math.max(n, Math.min(2 * x.length, maxDimension))];
            }
            nonPositive += read(container, field, v, n);
            if (v.path.input() != null) {
                container.setField(v.path.input(), box(x, n, v.float32));
            }
            pass.checkFiniteResults(x, n, v.path.elementType(), v.element);
            pass.apply(x, n);
            container.setField(field, box(x, n, v.float32));
            if (mode == OutputMode.BOTH) {
                container.setField(v.path.derivative(), box(pass.derivatives(), n, v.float32));
            }
            if (alphaGradient) {
                container.setField(v.path.alphaGradient(), box(pass.alphaGradients(), n, v.float32));
            }
            length += n;
        }
        byte[] out = builder.buildPartial().toByteArray();
        lastLength = length;
        lastNonPositiveCount = nonPositive;
        return out;
    }

    /** Reads the n elements of a vector field into x (floats widened exactly); returns how many are {@code <= 0}. */
    private int read(Message.Builder container, FieldDescriptor field, Vector v, int n) throws VectorRejectedException {
        int nonPositive = 0;
        for (int i = 0; i < n; i++) {
            Object element = container.getRepeatedField(field, i);
            double e = v.float32 ? (double) (Float) element : (Double) element;
            if (!Double.isFinite(e)) {
                throw notFinite(v, i, e);
            }
            x[i] = e;
            nonPositive += e <= 0.0 ? 1 : 0;
        }
        return nonPositive;
    }

    static VectorRejectedException notFinite(Vector v, int i, double e) {
        return new VectorRejectedException(RejectKind.NUMBER_NOT_FINITE, v.element + "[" + i + "] = "
                + (v.float32 ? Float.toString((float) e) : Double.toString(e)) + " is not finite: protobuf values must be"
                + " finite " + v.path.elementType().label() + " numbers");
    }

    /** The values as the library holds a repeated double or float field (float: each rounded once). */
    private List<Object> box(double[] values, int n, boolean float32) {
        boxed.clear();
        boxed.ensureCapacity(n);
        if (float32) {
            for (int i = 0; i < n; i++) {
                boxed.add((float) values[i]);
            }
        } else {
            for (int i = 0; i < n; i++) {
                boxed.add(values[i]);
            }
        }
        return boxed;
    }

    private static String truncate(String text) {
        return text.length() <= MAX_MESSAGE_LENGTH ? text : text.substring(0, MAX_MESSAGE_LENGTH) + "...";
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
}
