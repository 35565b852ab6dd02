package dev.elustream.codec;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.KernelBench;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Every format's codec on the same record: an id and a vector of 64 or 1024 float64 elements, ELU
 * (alpha 1), mode both. {@link #json} ({@code {"id":"r..","features":[...]}}), {@link #binary} (EV,
 * the vector alone), {@link #avroBinary} and {@link #avroSingleObject} ({@code jobs/features.avsc},
 * {@code /features}), {@link #protobuf} ({@code jobs/features.desc}, {@code example.Features} to
 * {@code example.FeaturesOut}, on the wire level) and {@link #protobufDynamic} (the same through
 * DynamicMessage); {@link #copy} an array copy of the JSON record, the least a job does.
 * One op is one record; with {@code -prof gc}, {@code gc.alloc.rate.norm} is bytes per record. Run
 * from the repository root (the schemas are read from {@code jobs/}).
 *
 * <p>Inputs: 65,536 / size distinct vectors used in turn, from {@link KernelBench#mixedSigns}; every
 * format's encoder writes the same doubles.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SchemaCodecBench {

    private static final int TOTAL_ELEMENTS = 65_536;

    @Param({"64", "1024"})
    public int size;

    private byte[][] jsonRecords;
    private byte[][] binaryRecords;
    private byte[][] avroRecords;
    private byte[][] avroSingleObjectRecords;
    private byte[][] protobufRecords;
    private VectorTransformer json;
    private VectorTransformer binary;
    private VectorTransformer avro;
    private VectorTransformer avroSingleObject;
    private VectorTransformer protobuf;
    private VectorTransformer protobufDynamic;
    private int next;

    @Setup
    public void setUp() throws Exception {
        ActivationFunction elu = Activations.of(ActivationKind.ELU, 1.0);
        JsonVectorFields features = JsonVectorFields.defaults();
        json = new EluJsonTransformer(elu, OutputMode.BOTH, 0, 65_536);
        binary = new EluBinaryTransformer(elu, OutputMode.BOTH, false, 0, 65_536);
        Path avsc = Path.of("jobs", "features.avsc");
        AvroRecordSchema avroSchema = AvroRecordSchema.load(avsc, AvroEncoding.BINARY, features, OutputMode.BOTH, false);
        AvroRecordSchema avroSingleObjectSchema = AvroRecordSchema.load(avsc, AvroEncoding.SINGLE_OBJECT, features,
                OutputMode.BOTH, false);
        avro = avroSchema.transformer(elu, 0, 65_536);
        avroSingleObject = avroSingleObjectSchema.transformer(elu, 0, 65_536);
        Path desc = Path.of("jobs", "features.desc");
        ProtobufRecordSchema protobufSchema = ProtobufRecordSchema.load(desc, "example.Features", "example.FeaturesOut",
                features, OutputMode.BOTH, false);
        protobuf = protobufSchema.transformer(elu, 0, 65_536);
        protobufDynamic = new ProtobufDynamicTransformer(protobufSchema, elu, 0, 65_536);
        Descriptor message = message(Files.readAllBytes(desc), "Features");

        Schema in = avroSchema.inputSchema();
        GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(in);
        BinaryMessageEncoder<GenericRecord> messageEncoder = new BinaryMessageEncoder<>(GenericData.get(), in);
        Random random = new Random(42);
        int count = TOTAL_ELEMENTS / size;
        jsonRecords = new byte[count][];
        binaryRecords = new byte[count][];
        avroRecords = new byte[count][];
        avroSingleObjectRecords = new byte[count][];
        protobufRecords = new byte[count][];
        for (int r = 0; r < count; r++) {
            double[] x = KernelBench.mixedSigns(size, random);
            String id = "r" + r;
            StringBuilder sb = new StringBuilder("{\"id\":\"").append(id).append("\",\"features\":[");
            List<Double> list = new ArrayList<>(size);
            DynamicMessage.Builder pb = DynamicMessage.newBuilder(message).setField(message.findFieldByName("id"), id);
            for (int i = 0; i < size; i++) {
                sb.append(i == 0 ? "" : ",").append(x[i]);
                list.add(x[i]);
                pb.addRepeatedField(message.findFieldByName("features"), x[i]);
            }
            jsonRecords[r] = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            binaryRecords[r] = BinaryVectors.encode(x);
            GenericRecord record = new GenericData.Record(in);
            record.put("id", id);
            record.put("features", list);
            record.put("tags", Map.of());
            record.put("event_time", 1_700_000_000_000L);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            writer.write(record, encoder);
            encoder.flush();
            avroRecords[r] = out.toByteArray();
            avroSingleObjectRecords[r] = messageEncoder.encode(record).array();
            protobufRecords[r] = pb.build().toByteArray();
        }
        // every codec accepts its records
        for (int r = 0; r < count; r++) {
            json.transform(jsonRecords[r]);
            binary.transform(binaryRecords[r]);
            avro.transform(avroRecords[r]);
            avroSingleObject.transform(avroSingleObjectRecords[r]);
            protobuf.transform(protobufRecords[r]);
            protobufDynamic.transform(protobufRecords[r]);
        }
        if (((ProtobufVectorTransformer) protobuf).fallbacks() != 0) {
            throw new IllegalStateException("the protobuf records went to the DynamicMessage path");
        }
    }

    private static Descriptor message(byte[] descriptorSet, String name) throws Exception {
        Map<String, FileDescriptor> built = new HashMap<>();
        for (FileDescriptorProto proto : FileDescriptorSet.parseFrom(descriptorSet).getFileList()) {
            FileDescriptor file = FileDescriptor.buildFrom(proto, proto.getDependencyList().stream().map(built::get)
                    .toArray(FileDescriptor[]::new));
            built.put(proto.getName(), file);
            if (file.findMessageTypeByName(name) != null) {
                return file.findMessageTypeByName(name);
            }
        }
        throw new IllegalArgumentException(name + " is not in the descriptor set");
    }

    private int advance() {
        int i = next;
        next = i + 1 == jsonRecords.length ? 0 : i + 1;
        return i;
    }

    @Benchmark
    public byte[] copy() {
        byte[] r = jsonRecords[advance()];
        return Arrays.copyOf(r, r.length);
    }

    @Benchmark
    public byte[] json() throws VectorRejectedException {
        return json.transform(jsonRecords[advance()]);
    }

    @Benchmark
    public byte[] binary() throws VectorRejectedException {
        return binary.transform(binaryRecords[advance()]);
    }

    @Benchmark
    public byte[] avroBinary() throws VectorRejectedException {
        return avro.transform(avroRecords[advance()]);
    }

    @Benchmark
    public byte[] avroSingleObject() throws VectorRejectedException {
        return avroSingleObject.transform(avroSingleObjectRecords[advance()]);
    }

    @Benchmark
    public byte[] protobuf() throws VectorRejectedException {
        return protobuf.transform(protobufRecords[advance()]);
    }

    /** The DynamicMessage path that {@link #protobuf}'s wire-level path replaces, on the same records. */
    @Benchmark
    public byte[] protobufDynamic() throws VectorRejectedException {
        return protobufDynamic.transform(protobufRecords[advance()]);
    }
}
