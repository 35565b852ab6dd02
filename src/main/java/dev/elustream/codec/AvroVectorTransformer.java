package dev.elustream.codec;

import dev.elustream.codec.AvroRecordSchema.VectorPath;
import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ArrayActivation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.generic.GenericArray;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.PrimitivesArrays;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;

/**
 * Transforms Avro records ({@link AvroRecordSchema}): each selected {@code array<double>} or
 * {@code array<float>} becomes f(x), and the derivative (mode both), alpha-gradient and input arrays
 * are set in the fields the output schema adds next to it; every other field is written back as read.
 * A value that cannot be transformed throws {@link VectorRejectedException} with the reason.
 *
 * <p>Values are read with Avro's own readers, resolving the input schema to the output schema (the
 * added fields take their default, then the job's arrays): plain binary with a
 * {@link GenericDatumReader}, single-object with a {@link BinaryMessageDecoder} that knows the input
 * schema alone. The record, the decoders and the arrays are reused across records; float arrays keep
 * their floats (results rounded once).
 *
 * <p>Not thread-safe: one instance per thread/operator.
 */
final class AvroVectorTransformer implements VectorTransformer {

    /** Avro's single-object marker and the length of its header (marker and fingerprint). */
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = 0x01;
    private static final int SINGLE_OBJECT_HEADER = 10;
    private static final VarHandle INT64_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT32_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    /** The Confluent wire format's header: the magic byte 0 and a 4-byte schema id. */
    private static final int CONFLUENT_HEADER = 5;
    /** Writer schemas (and unknown ids) remembered per transformer; ids beyond it are looked up each time. */
    private static final int MAX_CACHED_IDS = 1000;

    private final AvroRecordSchema schema;
    private final String schemaName;
    private final AvroEncoding encoding;
    private final int dimension;
    private final int maxDimension;
    private final List<VectorPath> paths;
    private final ActivationPass pass;
    private final long fingerprint;
    private final GenericDatumReader<GenericRecord> reader;
    private final BinaryMessageDecoder<GenericRecord> messageDecoder;
    private final GenericDatumWriter<GenericRecord> writer;
    /** Single-object output: the marker and the output schema's fingerprint, little-endian. */
    private final byte[] singleObjectHeader = new byte[SINGLE_OBJECT_HEADER];
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    private final SchemaRegistryClient registry;
    private final int outputSchemaId;
    /** Per writer schema id: its reader into the output schema, or the reason its records are rejected. */
    private final java.util.Map<Integer, Object> byId = new java.util.HashMap<>();
    private int lastId;
    @Nullable private Object lastKnown;
    private final AvroPrimitiveArrays.Limit limit = new AvroPrimitiveArrays.Limit();
    private BinaryDecoder decoder;
    private BinaryEncoder encoder;
    private GenericRecord record;
    private double[] x = new double[0];
    private double[] input = new double[0];
    private int lastLength;
    private int lastNonPositiveCount;

    AvroVectorTransformer(AvroRecordSchema schema, ArrayActivation activation, OutputMode mode, boolean alphaGradient,
            int dimension, int maxDimension) {
        if (maxDimension < 1) {
            throw new IllegalArgumentException("maxDimension must be >= 1, got " + maxDimension);
        }
        if (dimension < 0 || dimension > maxDimension) {
            throw new IllegalArgumentException("dimension must be 0 (any) or between 1 and maxDimension ("
                    + maxDimension + "), got " + dimension);
        }
        this.schema = schema;
        this.schemaName = schema.inputSchema().getFullName();
        this.encoding = schema.encoding();
        this.dimension = dimension;
        this.maxDimension = maxDimension;
        this.paths = schema.vectorPaths();
        this.pass = new ActivationPass(activation, mode, alphaGradient);
        this.fingerprint = schema.inputFingerprint();
        singleObjectHeader[0] = MARKER_0;
        singleObjectHeader[1] = MARKER_1;
        INT64_LE.set(singleObjectHeader, 2, org.apache.avro.SchemaNormalization.parsingFingerprint64(schema.outputSchema()));
        GenericData model = AvroPrimitiveArrays.model(limit);
        if (encoding == AvroEncoding.CONFLUENT) {
            AvroRecordSchema.Registry r = schema.registry();
            if (r == null || r.subject() == null) {
                throw new IllegalStateException("avro-encoding confluent needs a registry and a subject, got " + r);
            }
            registry = r.client();
            // the output schema's id: registered (or found) once per operator, when it opens
            outputSchemaId = registry.register(r.subject(), schema.outputSchema().toString());
        } else {
            registry = null;
            outputSchemaId = -1;
        }
        if (encoding == AvroEncoding.BINARY || encoding == AvroEncoding.CONFLUENT) {
            reader = new AvroPrimitiveArrays.Reader(schema.inputSchema(), schema.outputSchema(), model, limit);
            messageDecoder = null;
            writer = new AvroPrimitiveArrays.Writer(schema.outputSchema(), model);
        } else {
            reader = null;
            // The read schema is the output schema, which the decoder would also accept as a writer
            // schema: the fingerprint is checked first, so that only the input schema's values get here.
            messageDecoder = new BinaryMessageDecoder<>(model, schema.outputSchema());
            messageDecoder.addSchema(schema.inputSchema());
            // Written as BinaryMessageEncoder writes it (its output is read back with Avro's
            // BinaryMessageDecoder in the tests), with the buffered encoder of the binary encoding:
            // BinaryMessageEncoder's direct encoder took 1.6x the time per record in SchemaCodecBench.
            writer = new AvroPrimitiveArrays.Writer(schema.outputSchema(), model);
        }
    }

    @Override
    public byte[] transform(@Nullable byte[] value) throws VectorRejectedException {
        if (value == null || value.length == 0) {
            throw new VectorRejectedException(RejectKind.EMPTY, "value is empty");
        }
        GenericRecord r = decode(value);
        int total = 0;
        int nonPositive = 0;
        for (VectorPath p : paths) {
            GenericRecord container = r;
            for (int i = 0; i < p.path().length; i++) {
                Object next = container.get(p.path()[i]);
                if (next == null) {
                    throw new VectorRejectedException(RejectKind.FEATURES_MISSING, p.pointer() + " is missing: field '"
                            + p.pathNames().get(i) + "' is null");
                }
                container = (GenericRecord) next;
            }
            Object vector = container.get(p.vector());
            if (vector == null) {
                throw new VectorRejectedException(RejectKind.FEATURES_MISSING, p.pointer() + " is missing: it is null");
            }
            GenericArray<?> array = (GenericArray<?>) vector;
            int n = array.size();
            if (n == 0) {
                throw new VectorRejectedException(RejectKind.FEATURES_EMPTY, p.pointer() + " is empty");
            }
            if (n > maxDimension) {
                throw new VectorRejectedException(RejectKind.TOO_MANY_ELEMENTS, p.pointer() + " has " + n
                        + " elements, more than " + maxDimension + " (max-dimension)");
            }
            if (dimension != 0 && n != dimension) {
                throw new VectorRejectedException(RejectKind.WRONG_DIMENSION, p.pointer() + " has " + n
                        + " elements, expected " + dimension + " (dimension)");
            }
            nonPositive += read(array, n, p);
            if (p.input() >= 0) {
                if (input.length < n) {
                    input = new double[x.length];
                }
                System.arraycopy(x, 0, input, 0, n);
            }
            pass.checkFiniteResults(x, n, p.type(), p.pointer());
            pass.apply(x, n);
            write(array, x, n, p.type());
            if (p.derivative() >= 0) {
                container.put(p.derivative(), fill(container.get(p.derivative()), pass.derivatives(), n, p));
            }
            if (p.alphaGradient() >= 0) {
                container.put(p.alphaGradient(), fill(container.get(p.alphaGradient()), pass.alphaGradients(), n, p));
            }
            if (p.input() >= 0) {
                container.put(p.input(), fill(container.get(p.input()), input, n, p));
            }
            total += n;
        }
        byte[] result = encode(r);
        lastLength = total;
        lastNonPositiveCount = nonPositive;
        return result;
    }

    private GenericRecord decode(byte[] value) throws VectorRejectedException {
        limit.bytes = value.length;
        try {
            if (encoding == AvroEncoding.CONFLUENT) {
                GenericDatumReader<GenericRecord> writerReader = confluentReader(value);
                decoder = DecoderFactory.get().binaryDecoder(value, CONFLUENT_HEADER, value.length - CONFLUENT_HEADER,
                        decoder);
                record = writerReader.read(record, decoder);
                if (!decoder.isEnd()) {
                    int left = decoder.inputStream().available();
                    throw invalid("value has " + left + " byte" + (left == 1 ? "" : "s") + " after the record");
                }
                return record;
            }
            if (encoding == AvroEncoding.BINARY) {
                decoder = DecoderFactory.get().binaryDecoder(value, decoder);
                record = reader.read(record, decoder);
                if (!decoder.isEnd()) {
                    int left = decoder.inputStream().available();
                    throw invalid("value has " + left + " byte" + (left == 1 ? "" : "s") + " after the record");
                }
                return record;
            }
            if (value.length < 2 || value[0] != MARKER_0 || value[1] != MARKER_1) {
                throw new VectorRejectedException(RejectKind.UNKNOWN_SCHEMA, "value does not start with Avro's"
                        + " single-object marker C3 01 (it starts with " + HexFormat.ofDelimiter(" ").withUpperCase()
                        .formatHex(value, 0, Math.min(2, value.length)) + ")");
            }
            if (value.length < SINGLE_OBJECT_HEADER) {
                throw invalid("value is " + value.length + " bytes, shorter than the 10-byte single-object header");
            }
            long found = (long) INT64_LE.get(value, 2);
            if (found != fingerprint) {
                throw new VectorRejectedException(RejectKind.UNKNOWN_SCHEMA, "value has the schema fingerprint "
                        + hex(found) + ", not " + hex(fingerprint) + ", the CRC-64-AVRO of " + schema.describe());
            }
            ByteArrayInputStream in = new ByteArrayInputStream(value);
            record = messageDecoder.decode(in, record);
            if (in.available() > 0) {
                int left = in.available();
                throw invalid("value has " + left + " byte" + (left == 1 ? "" : "s") + " after the record");
            }
            return record;
        } catch (ServiceUnavailableException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            record = null; // a half-read record is not reused
            Throwable cause = e instanceof AvroRuntimeException && e.getCause() != null ? e.getCause() : e;
            throw invalid(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        } catch (VectorRejectedException e) {
            record = null;
            throw e;
        }
    }

    /**
     * The reader of a Confluent value's writer schema into the output schema, by the id in its header:
     * fetched from the registry once per id.
     */
    @SuppressWarnings("unchecked")
    private GenericDatumReader<GenericRecord> confluentReader(byte[] value) throws VectorRejectedException {
        if (value[0] != 0) {
            throw new VectorRejectedException(RejectKind.UNKNOWN_SCHEMA, "value does not start with the Confluent wire"
                    + " format's magic byte 0 (it starts with " + HexFormat.of().withUpperCase().toHexDigits(value[0])
                    + ")");
        }
        if (value.length < CONFLUENT_HEADER) {
            throw invalid("value is " + value.length + " bytes, shorter than the 5-byte Confluent header");
        }
        int id = (int) INT32_BE.get(value, 1);
        // Consecutive values mostly name the same id: no boxed key, no map lookup for them.
        Object known = id == lastId ? lastKnown : null;
        if (known == null) {
            known = byId.get(id);
            if (known == null) {
                known = lookUp(id);
                if (byId.size() < MAX_CACHED_IDS) {
                    byId.put(id, known);
                }
            }
            lastId = id;
            lastKnown = known;
        }
        if (known instanceof String reason) {
            throw new VectorRejectedException(RejectKind.UNKNOWN_SCHEMA, reason);
        }
        return (GenericDatumReader<GenericRecord>) known;
    }

    /** A reader for the writer schema of this id, or the reason its values are rejected. */
    private Object lookUp(int id) {
        java.util.Optional<String> text = registry.schema(id);
        String where = "schema id " + id + " of the registry at " + registry.baseUrl();
        if (text.isEmpty()) {
            return "value names " + where + ", which does not exist";
        }
        org.apache.avro.Schema writer;
        try {
            writer = new org.apache.avro.Schema.Parser().parse(text.get());
        } catch (RuntimeException e) {
            return "value names " + where + ", which is not an Avro schema: " + e.getMessage();
        }
        org.apache.avro.SchemaCompatibility.SchemaPairCompatibility c = org.apache.avro.SchemaCompatibility
                .checkReaderWriterCompatibility(schema.outputSchema(), writer);
        if (c.getType() != org.apache.avro.SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return "value names " + where + " (" + writer.getFullName() + "), which cannot be read as " + schemaName
                    + " of avro-schema: " + c.getDescription();
        }
        return new AvroPrimitiveArrays.Reader(writer, schema.outputSchema(), AvroPrimitiveArrays.model(limit), limit);
    }

    private VectorRejectedException invalid(String why) {
        return new VectorRejectedException(RejectKind.INVALID_ENCODING, "value is not a valid Avro " + encoding.id()
                + " record of " + schemaName + ": " + why);
    }

    private static String hex(long fingerprint) {
        return "0x" + HexFormat.of().withUpperCase().toHexDigits(fingerprint);
    }

    /** Reads the elements into {@link #x}; returns how many are {@code <= 0}. */
    private int read(GenericArray<?> array, int n, VectorPath p) throws VectorRejectedException {
        if (x.length < n) {
            x = new double[Math.max(n, 2 * x.length)];
        }
        int nonPositive = 0;
        for (int i = 0; i < n; i++) {
            double v;
            if (array instanceof PrimitivesArrays.DoubleArray d) {
                v = d.getDouble(i);
            } else if (array instanceof PrimitivesArrays.FloatArray f) {
                v = f.getFloat(i);
            } else {
                v = ((Number) array.get(i)).doubleValue();
            }
            if (!Double.isFinite(v)) {
                throw new VectorRejectedException(RejectKind.NUMBER_NOT_FINITE, p.pointer() + "[" + i + "] = "
                        + (p.type() == ElementType.FLOAT32 ? Float.toString((float) v) : Double.toString(v))
                        + " is not finite: avro values must be finite " + p.type().label() + " numbers");
            }
            x[i] = v;
            if (v <= 0.0) {
                nonPositive++;
            }
        }
        return nonPositive;
    }

    @SuppressWarnings("unchecked")
    private static void write(GenericArray<?> array, double[] values, int n, ElementType type) {
        if (array instanceof PrimitivesArrays.DoubleArray d) {
            for (int i = 0; i < n; i++) {
                d.set(i, values[i]);
            }
        } else if (array instanceof PrimitivesArrays.FloatArray f) {
            for (int i = 0; i < n; i++) {
                f.set(i, (float) values[i]);
            }
        } else if (type == ElementType.FLOAT32) {
            GenericArray<Float> f = (GenericArray<Float>) array;
            for (int i = 0; i < n; i++) {
                f.set(i, (float) values[i]);
            }
        } else {
            GenericArray<Double> d = (GenericArray<Double>) array;
            for (int i = 0; i < n; i++) {
                d.set(i, values[i]);
            }
        }
    }

    /** The array for an added field, reusing the one already in the record (the field's default, []). */
    private static GenericArray<?> fill(@Nullable Object old, double[] values, int n, VectorPath p) {
        if (p.type() == ElementType.FLOAT32) {
            PrimitivesArrays.FloatArray f = old instanceof PrimitivesArrays.FloatArray a ? a
                    : new PrimitivesArrays.FloatArray(n, p.arraySchema());
            f.clear();
            for (int i = 0; i < n; i++) {
                f.add(i, (float) values[i]);
            }
            return f;
        }
        PrimitivesArrays.DoubleArray d = old instanceof PrimitivesArrays.DoubleArray a ? a
                : new PrimitivesArrays.DoubleArray(n, p.arraySchema());
        d.clear();
        for (int i = 0; i < n; i++) {
            d.add(i, values[i]);
        }
        return d;
    }

    private byte[] encode(GenericRecord r) throws VectorRejectedException {
        out.reset();
        try {
            if (encoding == AvroEncoding.CONFLUENT) {
                out.write(0);
                out.write(outputSchemaId >>> 24);
                out.write(outputSchemaId >>> 16);
                out.write(outputSchemaId >>> 8);
                out.write(outputSchemaId);
            }
            if (encoding == AvroEncoding.SINGLE_OBJECT) {
                out.write(singleObjectHeader);
            }
            encoder = EncoderFactory.get().binaryEncoder(out, encoder);
            writer.write(r, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new VectorRejectedException(RejectKind.INTERNAL, "the Avro record could not be written: " + e);
        }
        return out.toByteArray();
    }

    @Override
    public int lastLength() {
        return lastLength;
    }

    @Override
    public int lastNonPositiveCount() {
        return lastNonPositiveCount;
    }
}
