package dev.elustream.codec;

import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.KernelBench;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
 * The JSON codec (mode both, ELU alpha 1) on the same 2 * size numbers in four record shapes, so that
 * what a shape costs beyond its numbers shows: {@code features}, all of them in the top-level
 * {@code features} array (the default job); {@code twoTopLevel}, two top-level arrays
 * ({@code vector-fields=/a,/b}); {@code twoNested}, {@code {"id":..,"user":{"name":..,"embedding":[..]},
 * "item":{"vec":[..],"price":..},"ts":..}} ({@code /user/embedding,/item/vec}); {@code batch}, a
 * top-level {@code batch} of two rows ({@code /batch}). Numbers as {@link JsonCodecBench}'s
 * {@code LONG} ones; records used in turn. One op is one record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class JsonShapesBench {

    private static final int TOTAL_ELEMENTS = 65_536;

    /** Elements per vector; each record has two vectors' worth. */
    @Param({"64", "1024"})
    public int size;

    @Param({"features", "twoTopLevel", "twoNested", "batch"})
    public String shape;

    private byte[][] records;
    private int next;
    private EluJsonTransformer transformer;

    @Setup
    public void setUp() throws VectorRejectedException {
        String pointers = switch (shape) {
            case "features" -> "/features";
            case "twoTopLevel" -> "/a,/b";
            case "twoNested" -> "/user/embedding,/item/vec";
            case "batch" -> "/batch";
            default -> throw new IllegalArgumentException("unknown shape '" + shape + "'");
        };
        ActivationFunction elu = Activations.of(ActivationKind.ELU, 1.0);
        transformer = new EluJsonTransformer(elu, OutputMode.BOTH, false, 0, 65_536,
                JsonVectorFields.of(pointers, null, null, null, Map.of()));
        Random random = new Random(42);
        int count = TOTAL_ELEMENTS / (2 * size);
        records = new byte[count][];
        long bytesIn = 0;
        long bytesOut = 0;
        for (int r = 0; r < count; r++) {
            String a = array(KernelBench.mixedSigns(size, random));
            String b = array(KernelBench.mixedSigns(size, random));
            String json = switch (shape) {
                case "features" -> "{\"id\":\"sensor-00042\",\"features\":[" + a + "," + b + "],\"ts\":1764258000000}";
                case "twoTopLevel" -> "{\"id\":\"sensor-00042\",\"a\":[" + a + "],\"b\":[" + b + "],\"ts\":1764258000000}";
                case "twoNested" -> "{\"id\":\"sensor-00042\",\"user\":{\"name\":\"ann\",\"embedding\":[" + a
                        + "]},\"item\":{\"vec\":[" + b + "],\"price\":9.9},\"ts\":1764258000000}";
                default -> "{\"id\":\"sensor-00042\",\"batch\":[[" + a + "],[" + b + "]],\"ts\":1764258000000}";
            };
            records[r] = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            bytesIn += records[r].length;
            bytesOut += transformer.transform(records[r]).length;
        }
        System.out.printf("%n%s: %d records, on average %d bytes in, %d bytes out%n", shape, count, bytesIn / count,
                bytesOut / count);
    }

    @Benchmark
    public byte[] transform() throws VectorRejectedException {
        int r = next;
        next = (r + 1) % records.length;
        return transformer.transform(records[r]);
    }

    private static String array(double[] x) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            sb.append(i > 0 ? "," : "").append(x[i]);
        }
        return sb.toString();
    }
}
