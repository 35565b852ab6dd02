package dev.elustream.codec;

import java.io.IOException;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.PrimitivesArrays;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.ResolvingDecoder;

/**
 * Avro's generic reader and writer, except that {@code array<double>} and {@code array<float>} go
 * between the wire and Avro's primitive arrays without boxing each element (Avro's own reader and
 * writer box every element on its way through). Everything else, schema resolution and type
 * promotions included, is Avro's: elements are read with the resolving decoder's {@code readDouble}
 * and {@code readFloat}.
 */
final class AvroPrimitiveArrays {

    private AvroPrimitiveArrays() {}

    /** The length of the value being read, shared by the readers of one transformer. */
    static final class Limit {
        int bytes;
    }

    /** A data model whose readers are {@link Reader}s (for Avro's BinaryMessageDecoder, which makes its own). */
    static GenericData model(Limit limit) {
        return new GenericData() {
            @Override
            @SuppressWarnings("rawtypes")
            public DatumReader createDatumReader(Schema writer, Schema reader) {
                return new Reader(writer, reader, this, limit);
            }
        };
    }

    /**
     * The reader. Avro's bounds an array's allocation by the bytes left; this one by the value's
     * length, set before each read: an array cannot have more elements than its value has bytes.
     */
    static final class Reader extends GenericDatumReader<GenericRecord> {

        private final Limit limit;

        Reader(Schema writer, Schema reader, GenericData model, Limit limit) {
            super(writer, reader, model);
            this.limit = limit;
        }

        @Override
        protected Object readArray(Object old, Schema expected, ResolvingDecoder in) throws IOException {
            Schema element = expected.getElementType();
            if (element.getLogicalType() == null && element.getType() == Schema.Type.DOUBLE) {
                PrimitivesArrays.DoubleArray a = old instanceof PrimitivesArrays.DoubleArray d ? d
                        : new PrimitivesArrays.DoubleArray(0, expected);
                a.clear();
                int n = 0;
                for (long block = in.readArrayStart(); block > 0; block = in.arrayNext()) {
                    check(block, n);
                    for (long i = 0; i < block; i++) {
                        a.add(n++, in.readDouble());
                    }
                }
                return a;
            }
            if (element.getLogicalType() == null && element.getType() == Schema.Type.FLOAT) {
                PrimitivesArrays.FloatArray a = old instanceof PrimitivesArrays.FloatArray f ? f
                        : new PrimitivesArrays.FloatArray(0, expected);
                a.clear();
                int n = 0;
                for (long block = in.readArrayStart(); block > 0; block = in.arrayNext()) {
                    check(block, n);
                    for (long i = 0; i < block; i++) {
                        a.add(n++, in.readFloat());
                    }
                }
                return a;
            }
            return super.readArray(old, expected, in);
        }

        /** Every element takes at least one byte: more elements than the value has bytes is not Avro. */
        private void check(long block, int read) {
            if (block > limit.bytes - read) {
                throw new AvroRuntimeException("an array block of " + block + " elements, after " + read
                        + ", in a value of " + limit.bytes + " bytes");
            }
        }
    }

    /** The writer. */
    static final class Writer extends GenericDatumWriter<GenericRecord> {

        Writer(Schema schema, GenericData model) {
            super(schema, model);
        }

        @Override
        protected void writeArray(Schema schema, Object datum, Encoder out) throws IOException {
            if (datum instanceof PrimitivesArrays.DoubleArray d && schema.getElementType().getLogicalType() == null
                    && schema.getElementType().getType() == Schema.Type.DOUBLE) {
                int n = d.size();
                out.writeArrayStart();
                out.setItemCount(n);
                for (int i = 0; i < n; i++) {
                    out.startItem();
                    out.writeDouble(d.getDouble(i));
                }
                out.writeArrayEnd();
            } else if (datum instanceof PrimitivesArrays.FloatArray f
                    && schema.getElementType().getLogicalType() == null
                    && schema.getElementType().getType() == Schema.Type.FLOAT) {
                int n = f.size();
                out.writeArrayStart();
                out.setItemCount(n);
                for (int i = 0; i < n; i++) {
                    out.startItem();
                    out.writeFloat(f.getFloat(i));
                }
                out.writeArrayEnd();
            } else {
                super.writeArray(schema, datum, out);
            }
        }
    }
}
