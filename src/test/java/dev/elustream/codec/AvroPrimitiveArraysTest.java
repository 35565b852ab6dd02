package dev.elustream.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.PrimitivesArrays;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/** The unboxed array reader and writer agree with Avro's own, promotions included. */
class AvroPrimitiveArraysTest {

    private static Schema record(String items) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"v\",\"type\":"
                + "{\"type\":\"array\",\"items\":\"" + items + "\"}},{\"name\":\"w\",\"type\":{\"type\":\"array\","
                + "\"items\":\"double\"}}]}");
    }

    private static byte[] write(GenericDatumWriter<GenericRecord> writer, GenericRecord r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        writer.write(r, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static GenericRecord read(Schema writer, Schema reader, byte[] value) throws Exception {
        AvroPrimitiveArrays.Limit limit = new AvroPrimitiveArrays.Limit();
        limit.bytes = value.length;
        return new AvroPrimitiveArrays.Reader(writer, reader, AvroPrimitiveArrays.model(limit), limit).read(null,
                DecoderFactory.get().binaryDecoder(value, null));
    }

    @Test
    void readsPromotedElementsAsAvroResolvesThem() throws Exception {
        for (String items : new String[] {"int", "long", "float", "double"}) {
            Schema writer = record(items);
            GenericRecord r = new GenericData.Record(writer);
            r.put("v", switch (items) {
                case "int" -> List.of(1, -2, 3);
                case "long" -> List.of(1L, -2L, 3L);
                case "float" -> List.of(1f, -2f, 3f);
                default -> List.of(1.0, -2.0, 3.0);
            });
            r.put("w", List.of(-0.0, 0.5));
            GenericRecord got = read(writer, record("double"), write(new GenericDatumWriter<>(writer), r));
            assertThat(got.get("v")).as(items).isInstanceOf(PrimitivesArrays.DoubleArray.class);
            assertThat(((PrimitivesArrays.DoubleArray) got.get("v")).getDouble(1)).as(items).isEqualTo(-2.0);
            assertThat(List.copyOf((List<?>) got.get("v"))).as(items).isEqualTo(List.of(1.0, -2.0, 3.0));
            assertThat(List.copyOf((List<?>) got.get("w"))).isEqualTo(List.of(-0.0, 0.5));
        }
    }

    @Test
    void writesTheBytesAvrosOwnWriterWrites() throws Exception {
        for (String items : new String[] {"float", "double"}) {
            Schema schema = record(items);
            byte[] original = write(new GenericDatumWriter<>(schema), record(schema, items));
            GenericRecord read = read(schema, schema, original);
            assertThat(read.get("v")).isInstanceOf(items.equals("float") ? PrimitivesArrays.FloatArray.class
                    : PrimitivesArrays.DoubleArray.class);
            assertThat(write(new AvroPrimitiveArrays.Writer(schema, GenericData.get()), read)).as(items)
                    .isEqualTo(original);
        }
    }

    private static GenericRecord record(Schema schema, String items) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("v", items.equals("float") ? List.of(Float.MIN_VALUE, -0.0f, Float.MAX_VALUE)
                : List.of(Double.MIN_VALUE, -0.0, Double.MAX_VALUE));
        r.put("w", List.of());
        return r;
    }

    @Test
    void refusesMoreElementsThanTheValueHasBytes() throws Exception {
        Schema schema = record("double");
        // v: a block of 1,000,000 doubles in a 6-byte value
        byte[] value = {(byte) 0x80, (byte) 0x89, 0x7A, 0, 0, 0};
        assertThatThrownBy(() -> read(schema, schema, value)).isInstanceOf(AvroRuntimeException.class)
                .hasMessage("an array block of 1000000 elements, after 0, in a value of 6 bytes");
    }
}
