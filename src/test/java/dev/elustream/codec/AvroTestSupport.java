package dev.elustream.codec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;

/** Avro records for tests, encoded and decoded with Avro's own library only. */
public final class AvroTestSupport {

    /** The shipped example schema, jobs/features.avsc. */
    public static final Path FEATURES_AVSC = Path.of("jobs", "features.avsc");

    private AvroTestSupport() {
    }

    public static AvroRecordSchema schema(AvroEncoding encoding, String vectorFields, OutputMode mode,
            boolean alphaGradient) {
        return AvroRecordSchema.load(FEATURES_AVSC, encoding, JsonVectorFields.of(vectorFields, null, null, null,
                Map.of()), mode, alphaGradient);
    }

    public static byte[] encode(GenericRecord record, AvroEncoding encoding) {
        try {
            if (encoding == AvroEncoding.SINGLE_OBJECT) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), record.getSchema()).encode(record, out);
                return out.toByteArray();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a value written with {@code writer} as a record of {@code reader} (the same, or an older schema). */
    public static GenericRecord decode(byte[] value, Schema writer, Schema reader, AvroEncoding encoding) {
        try {
            if (encoding == AvroEncoding.SINGLE_OBJECT) {
                BinaryMessageDecoder<GenericRecord> decoder = new BinaryMessageDecoder<>(GenericData.get(), reader);
                decoder.addSchema(writer);
                return decoder.decode(value);
            }
            return new GenericDatumReader<GenericRecord>(writer, reader).read(null,
                    DecoderFactory.get().binaryDecoder(value, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
