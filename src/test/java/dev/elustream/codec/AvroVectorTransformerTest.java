package dev.elustream.codec;

import static dev.elustream.codec.AvroTestSupport.decode;
import static dev.elustream.codec.AvroTestSupport.encode;
import static dev.elustream.codec.AvroTestSupport.schema;
import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.elustream.codec.RawTensorTransformerTest.Row;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.Elu;
import dev.elustream.math.Selu;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Avro codec on records written and read by Avro's own library: every reference row within 2 ulp
 * in double and float arrays, nested and top level, both encodings; passthrough fields kept; every
 * reject with its kind and reason, and no allocation beyond the record for hostile lengths.
 */
class AvroVectorTransformerTest {

    private static final String BOTH_VECTORS = "/features,/user/embedding";

    private static GenericRecord record(Schema schema, String id, double[] features, long userId,
            float[] embedding) {
        Schema userSchema = AvroRecordSchema.nonNull(schema.getField("user").schema());
        GenericRecord user = null;
        if (embedding != null || userId >= 0) {
            List<Float> e = null;
            if (embedding != null) {
                e = new ArrayList<>();
                for (float f : embedding) {
                    e.add(f);
                }
            }
            user = new GenericRecordBuilder(userSchema).set("id", userId).set("embedding", e).build();
        }
        List<Double> fs = new ArrayList<>();
        for (double d : features) {
            fs.add(d);
        }
        return new GenericRecordBuilder(schema).set("id", id).set("features", fs).set("user", user)
                .set("tags", Map.of("source", "test-" + id)).set("event_time", 1_700_000_000_000L).build();
    }

    private static VectorRejectedException reject(VectorTransformer t, byte[] value) {
        VectorRejectedException e = catchThrowableOfType(VectorRejectedException.class, () -> t.transform(value));
        assertThat(e).as("rejected").isNotNull();
        assertThat(RejectKindTest.kindOf(e.reason())).as("the README pairs '%s' with", e.reason()).isEqualTo(e.kind());
        return e;
    }

    static Stream<Arguments> kindsAndEncodings() {
        List<Arguments> out = new ArrayList<>();
        for (ActivationKind kind : ActivationKind.values()) {
            for (AvroEncoding encoding : new AvroEncoding[] {AvroEncoding.BINARY, AvroEncoding.SINGLE_OBJECT}) {
                out.add(Arguments.of(kind, encoding));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kindsAndEncodings")
    void matchesEveryReferenceRowWithin2UlpInDoubleAndFloatArrays(ActivationKind kind, AvroEncoding encoding)
            throws Exception {
        AvroRecordSchema schema = schema(encoding, BOTH_VECTORS, OutputMode.BOTH, true);
        Map<Double, List<Row>> byAlpha = new LinkedHashMap<>();
        for (Row row : RawTensorTransformerTest.reference(kind)) {
            if (Double.isFinite(row.value())) {
                byAlpha.computeIfAbsent(row.alpha(), a -> new ArrayList<>()).add(row);
            }
        }
        int checked = 0;
        for (Map.Entry<Double, List<Row>> e : byAlpha.entrySet()) {
            VectorTransformer t = schema.transformer(Activations.of(kind, e.getKey()), 0, 65536);
            List<Row> rows = e.getValue();
            // the float array holds the rows whose x a float holds exactly and whose results fit a float
            List<Row> floatRows = rows.stream().filter(r -> (double) (float) r.x() == r.x()
                    && Float.isFinite((float) r.value())).toList();
            double[] x = rows.stream().mapToDouble(Row::x).toArray();
            float[] xf = new float[floatRows.size()];
            for (int i = 0; i < xf.length; i++) {
                xf[i] = (float) floatRows.get(i).x();
            }
            GenericRecord in = record(schema.inputSchema(), "r" + checked, x, 42, xf);
            GenericRecord out = decode(t.transform(encode(in, encoding)), schema.outputSchema(), schema.outputSchema(),
                    encoding);
            GenericRecord user = (GenericRecord) out.get("user");
            for (int i = 0; i < x.length; i++) {
                Row r = rows.get(i);
                String what = kind.id() + " alpha=" + e.getKey() + " x=" + x[i];
                assertWithin2Ulp(doubles(out, "features")[i], r.value(), "f " + what);
                assertWithin2Ulp(doubles(out, "derivative")[i], r.derivative(), "f' " + what);
                assertWithin2Ulp(doubles(out, "alpha_gradient")[i], r.alphaGradient(), "df/dalpha " + what);
                checked++;
            }
            for (int i = 0; i < xf.length; i++) {
                Row r = floatRows.get(i);
                String what = kind.id() + " float alpha=" + e.getKey() + " x=" + xf[i];
                assertWithin2Ulp(floats(user, "embedding")[i], (float) r.value(), "f " + what);
                assertWithin2Ulp(floats(user, "embedding_derivative")[i], (float) r.derivative(), "f' " + what);
                assertWithin2Ulp(floats(user, "embedding_alpha_gradient")[i], (float) r.alphaGradient(),
                        "df/dalpha " + what);
                checked++;
            }
            assertThat(out.get("id")).hasToString(in.get("id").toString());
            assertThat(user.get("id")).isEqualTo(42L);
            assertThat(out.get("tags")).isEqualTo(Map.of(new Utf8("source"), new Utf8("test-" + in.get("id"))));
            assertThat(out.get("event_time")).isEqualTo(1_700_000_000_000L);
        }
        assertThat(checked).isGreaterThan(100);
    }

    static double[] doubles(GenericRecord r, String field) {
        return ((List<?>) r.get(field)).stream().mapToDouble(o -> (Double) o).toArray();
    }

    static float[] floats(GenericRecord r, String field) {
        List<?> list = (List<?>) r.get(field);
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Float) list.get(i);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = AvroEncoding.class, names = {"BINARY", "SINGLE_OBJECT"})
    void keepsSignedZerosAndTheExactValuesAtZero(AvroEncoding encoding) throws Exception {
        AvroRecordSchema schema = schema(encoding, BOTH_VECTORS, OutputMode.BOTH, false);
        VectorTransformer t = schema.transformer(Elu.withAlpha(0.5), 0, 8);
        GenericRecord out = decode(t.transform(encode(record(schema.inputSchema(), "z", new double[] {-0.0, 0.0, 2.5},
                7, new float[] {-0.0f, 0.0f}), encoding)), schema.outputSchema(), schema.outputSchema(), encoding);
        double[] f = doubles(out, "features");
        assertThat(Double.doubleToRawLongBits(f[0])).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(Double.doubleToRawLongBits(f[1])).isZero();
        assertThat(f[2]).isEqualTo(2.5);
        assertThat(doubles(out, "derivative")).containsExactly(0.5, 0.5, 1.0);
        float[] e = floats((GenericRecord) out.get("user"), "embedding");
        assertThat(Float.floatToRawIntBits(e[0])).isEqualTo(Float.floatToRawIntBits(-0.0f));
        assertThat(Float.floatToRawIntBits(e[1])).isZero();
        assertThat(floats((GenericRecord) out.get("user"), "embedding_derivative")).containsExactly(0.5f, 0.5f);
        assertThat(t.lastLength()).isEqualTo(5);
        assertThat(t.lastNonPositiveCount()).isEqualTo(4);
    }

    @Test
    void writesWhatAConsumerOfTheInputSchemaStillReads() throws Exception {
        AvroRecordSchema schema = schema(AvroEncoding.BINARY, "/features", OutputMode.BOTH, true);
        VectorTransformer t = schema.transformer(Elu.withAlpha(1.0), 0, 8);
        byte[] out = t.transform(encode(record(schema.inputSchema(), "a", new double[] {-1.0, 3.0}, 5,
                new float[] {-2f}), AvroEncoding.BINARY));
        // an old consumer: the output schema as writer, the input schema as its reader
        GenericRecord old = decode(out, schema.outputSchema(), schema.inputSchema(), AvroEncoding.BINARY);
        assertThat(old.getSchema().getFields()).extracting(Schema.Field::name)
                .containsExactly("id", "features", "user", "tags", "event_time");
        assertWithin2Ulp(doubles(old, "features")[0], Math.expm1(-1.0), "f(-1)");
        assertThat(doubles(old, "features")[1]).isEqualTo(3.0);
        // the embedding was not selected: it passes through as it was
        assertThat(floats((GenericRecord) old.get("user"), "embedding")).containsExactly(-2f);
    }

    @Test
    void reusesItsRecordAcrossRecordsOfOtherLengths() throws Exception {
        AvroRecordSchema schema = schema(AvroEncoding.BINARY, BOTH_VECTORS, OutputMode.BOTH, true);
        VectorTransformer t = schema.transformer(Elu.withAlpha(1.0), 0, 8);
        Schema in = schema.inputSchema();
        Schema out = schema.outputSchema();
        GenericRecord first = decode(t.transform(encode(record(in, "1", new double[] {-1, -2, -3}, 1,
                new float[] {-1, -2, -3}), AvroEncoding.BINARY)), out, out, AvroEncoding.BINARY);
        GenericRecord second = decode(t.transform(encode(record(in, "2", new double[] {4}, 2, new float[] {-4}),
                AvroEncoding.BINARY)), out, out, AvroEncoding.BINARY);
        assertThat(doubles(first, "derivative")).hasSize(3);
        assertThat(doubles(second, "features")).containsExactly(4.0);
        assertThat(doubles(second, "derivative")).containsExactly(1.0);
        assertThat(doubles(second, "alpha_gradient")).containsExactly(0.0);
        assertThat(floats((GenericRecord) second.get("user"), "embedding_derivative")).hasSize(1);
        assertThat(second.get("id")).hasToString("2");
        assertThat(((GenericRecord) second.get("user")).get("id")).isEqualTo(2L);
    }

    @Test
    void keepsTheInputWhenAskedTo() throws Exception {
        AvroRecordSchema schema = AvroRecordSchema.load(AvroTestSupport.FEATURES_AVSC, AvroEncoding.BINARY,
                JsonVectorFields.of("/features", null, null, "{name}_input", Map.of()), OutputMode.ACTIVATION, false);
        VectorTransformer t = schema.transformer(Elu.withAlpha(1.0), 0, 8);
        GenericRecord out = decode(t.transform(encode(record(schema.inputSchema(), "k", new double[] {-1.0, 2.0}, 1,
                null), AvroEncoding.BINARY)), schema.outputSchema(), schema.outputSchema(), AvroEncoding.BINARY);
        assertThat(doubles(out, "features_input")).containsExactly(-1.0, 2.0);
        assertThat(out.getSchema().getField("derivative")).isNull();
    }

    @Test
    void rejectsEachKindOfBadRecordWithItsReason() throws Exception {
        AvroRecordSchema schema = schema(AvroEncoding.BINARY, BOTH_VECTORS, OutputMode.BOTH, false);
        Schema in = schema.inputSchema();
        VectorTransformer t = schema.transformer(Elu.withAlpha(1.0), 0, 4);
        VectorTransformer dim2 = schema.transformer(Elu.withAlpha(1.0), 2, 4);
        byte[] good = encode(record(in, "g", new double[] {-1, 2}, 3, new float[] {1, 2}), AvroEncoding.BINARY);

        assertThat(reject(t, new byte[0]).reason()).isEqualTo("value is empty");
        assertThat(reject(t, null).kind()).isEqualTo(RejectKind.EMPTY);

        VectorRejectedException truncated = reject(t, Arrays.copyOf(good, good.length - 3));
        assertThat(truncated.kind()).isEqualTo(RejectKind.INVALID_ENCODING);
        assertThat(truncated.reason()).startsWith("value is not a valid Avro binary record of example.Features: ");

        byte[] trailing = Arrays.copyOf(good, good.length + 2);
        assertThat(reject(t, trailing).reason())
                .isEqualTo("value is not a valid Avro binary record of example.Features: value has 2 bytes after the record");

        // the union index of 'user' (after id and features) set to 5: there are two branches
        byte[] badUnion = good.clone();
        int userAt = 2 + 1 + 2 * 8 + 1; // id: length, "g"; features: count 2, two doubles, end 0
        assertThat(badUnion[userAt]).as("the union index of user, branch 1 zig-zagged").isEqualTo((byte) 2);
        badUnion[userAt] = 10;
        assertThat(reject(t, badUnion).kind()).isEqualTo(RejectKind.INVALID_ENCODING);

        GenericRecord noUser = record(in, "n", new double[] {1}, -1, null);
        assertThat(reject(t, encode(noUser, AvroEncoding.BINARY)).reason())
                .isEqualTo("/user/embedding is missing: field 'user' is null");
        GenericRecord noEmbedding = record(in, "n", new double[] {1}, 9, null);
        assertThat(reject(t, encode(noEmbedding, AvroEncoding.BINARY)).reason())
                .isEqualTo("/user/embedding is missing: it is null");
        assertThat(reject(t, encode(record(in, "e", new double[0], 1, new float[] {1}), AvroEncoding.BINARY)).reason())
                .isEqualTo("/features is empty");
        assertThat(reject(t, encode(record(in, "x", new double[] {1, Double.NaN}, 1, new float[] {1}),
                AvroEncoding.BINARY)).reason())
                .isEqualTo("/features[1] = NaN is not finite: avro values must be finite float64 numbers");
        assertThat(reject(t, encode(record(in, "x", new double[] {1}, 1, new float[] {Float.NEGATIVE_INFINITY}),
                AvroEncoding.BINARY)).reason())
                .isEqualTo("/user/embedding[0] = -Infinity is not finite: avro values must be finite float32 numbers");
        assertThat(reject(t, encode(record(in, "x", new double[5], 1, new float[] {1}), AvroEncoding.BINARY)).reason())
                .isEqualTo("/features has 5 elements, more than 4 (max-dimension)");
        assertThat(reject(dim2, encode(record(in, "x", new double[2], 1, new float[] {1}), AvroEncoding.BINARY))
                .reason()).isEqualTo("/user/embedding has 1 elements, expected 2 (dimension)");
        VectorTransformer selu = schema.transformer(Selu.instance(), 0, 4);
        assertThat(reject(selu, encode(record(in, "x", new double[] {1}, 1, new float[] {Float.MAX_VALUE}),
                AvroEncoding.BINARY)).reason()).startsWith("/user/embedding[0] = 3.4028235E38 is too large for"
                        + " activation selu: f(x) would not fit a finite float32");
        // and after all that, a good record still comes out right
        GenericRecord out = decode(t.transform(good), schema.outputSchema(), schema.outputSchema(), AvroEncoding.BINARY);
        assertWithin2Ulp(doubles(out, "features")[0], Math.expm1(-1.0), "f(-1)");
    }

    @Test
    void rejectsSingleObjectValuesOfAnotherSchemaNamingTheFingerprint() throws Exception {
        AvroRecordSchema schema = schema(AvroEncoding.SINGLE_OBJECT, "/features", OutputMode.BOTH, false);
        VectorTransformer t = schema.transformer(Elu.withAlpha(1.0), 0, 8);
        byte[] plain = encode(record(schema.inputSchema(), "p", new double[] {1}, 1, null), AvroEncoding.BINARY);
        assertThat(reject(t, plain).reason()).startsWith("value does not start with Avro's single-object marker C3 01"
                + " (it starts with ");
        assertThat(reject(t, plain).kind()).isEqualTo(RejectKind.UNKNOWN_SCHEMA);

        Schema other = SchemaBuilder.record("Features").namespace("example").fields()
                .name("features").type().array().items().doubleType().noDefault().endRecord();
        GenericRecord o = new GenericData.Record(other);
        o.put("features", List.of(1.0));
        VectorRejectedException wrong = reject(t, encode(o, AvroEncoding.SINGLE_OBJECT));
        assertThat(wrong.kind()).isEqualTo(RejectKind.UNKNOWN_SCHEMA);
        assertThat(wrong.reason()).isEqualTo("value has the schema fingerprint 0x" + hex(
                org.apache.avro.SchemaNormalization.parsingFingerprint64(other)) + ", not 0x"
                + hex(schema.inputFingerprint()) + ", the CRC-64-AVRO of avro single-object example.Features"
                + " (features.avsc)");
        // the output's own fingerprint is not accepted either: its values already carry the job's fields
        GenericRecord already = decode(t.transform(encode(record(schema.inputSchema(), "p", new double[] {1}, 1, null),
                AvroEncoding.SINGLE_OBJECT)), schema.outputSchema(), schema.outputSchema(), AvroEncoding.SINGLE_OBJECT);
        assertThat(reject(t, encode(already, AvroEncoding.SINGLE_OBJECT)).kind()).isEqualTo(RejectKind.UNKNOWN_SCHEMA);

        byte[] header = {(byte) 0xC3, 0x01, 1, 2};
        assertThat(reject(t, header).reason()).isEqualTo("value is not a valid Avro single-object record of"
                + " example.Features: value is 4 bytes, shorter than the 10-byte single-object header");
        byte[] good = encode(record(schema.inputSchema(), "p", new double[] {1}, 1, null), AvroEncoding.SINGLE_OBJECT);
        assertThat(reject(t, Arrays.copyOf(good, good.length - 1)).kind()).isEqualTo(RejectKind.INVALID_ENCODING);
        assertThat(reject(t, Arrays.copyOf(good, good.length + 1)).reason()).endsWith("value has 1 byte after the record");
    }

    private static String hex(long v) {
        return java.util.HexFormat.of().withUpperCase().toHexDigits(v);
    }

    /** A declared length far beyond the value: rejected without allocating anywhere near it. */
    @Test
    void rejectsHugeDeclaredLengthsWithoutAllocatingThem() throws Exception {
        AvroRecordSchema schema = schema(AvroEncoding.BINARY, "/features", OutputMode.BOTH, false);
        VectorTransformer t = schema.transformer(Elu.withAlpha(1.0), 0, 65536);
        byte[][] hostile = {
            // id: a string of 1,000,000,000 bytes
            {(byte) 0x80, (byte) 0xA8, (byte) 0xD6, (byte) 0xB9, 0x07, 'a'},
            // id "a", then features: an array block of 1,000,000,000 doubles
            {0x02, 'a', (byte) 0x80, (byte) 0xA8, (byte) 0xD6, (byte) 0xB9, 0x07, 0, 0, 0, 0, 0, 0, (byte) 0xF0, 0x3F},
            // id "a", then features: a block count of Long.MIN_VALUE's zig-zag (a negative count with a size)
            {0x02, 'a', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, 0x01},
        };
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (byte[] value : hostile) {
            reject(t, value); // warm up: class loading allocates too
            long before = threads.getCurrentThreadAllocatedBytes();
            VectorRejectedException e = reject(t, value);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(e.kind()).as(e.reason()).isEqualTo(RejectKind.INVALID_ENCODING);
            assertThat(allocated).as("bytes allocated for %s", e.reason()).isLessThan(256 * 1024);
        }
    }

    @Test
    void survivesJavaSerializationAsTheJobGraphCarriesIt() throws Exception {
        AvroRecordSchema schema = schema(AvroEncoding.SINGLE_OBJECT, BOTH_VECTORS, OutputMode.BOTH, true);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(schema);
        }
        AvroRecordSchema copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (AvroRecordSchema) in.readObject();
        }
        assertThat(copy).isEqualTo(schema);
        assertThat(copy.outputSchema()).isEqualTo(schema.outputSchema());
        VectorTransformer t = copy.transformer(Elu.withAlpha(1.0), 0, 8);
        GenericRecord out = decode(t.transform(encode(record(schema.inputSchema(), "s", new double[] {-1}, 1,
                new float[] {-1}), AvroEncoding.SINGLE_OBJECT)), schema.outputSchema(), schema.outputSchema(),
                AvroEncoding.SINGLE_OBJECT);
        assertWithin2Ulp(doubles(out, "derivative")[0], Math.exp(-1.0), "f'(-1)");
    }
}
