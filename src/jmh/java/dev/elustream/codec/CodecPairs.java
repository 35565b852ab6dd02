package dev.elustream.codec;

import dev.elustream.math.KernelBench;
import java.io.File;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import javax.annotation.Nullable;

/**
 * The JSON codec of two builds timed in pairs in one JVM: {@code EluJsonTransformer.transform} (mode
 * both, ELU alpha 1) of a baseline jar against that of a current jar, each jar in a class loader of its
 * own, on the records of {@link JsonCodecBench} (same seed and sizes; numbers LONG and SHORT as there,
 * SIX: with exactly six decimals, as {@code throughput.sh --numbers six} writes them, or SAME: every
 * element -7.25, a record on which every branch of the reader is predicted). Each pair transforms the
 * same records once with each build, back to back, the order drawn at random; the figure is the median
 * over the pairs of the ratio current / baseline, after as many pairs of warm-up. Why pairs: on these
 * shared machines one JMH run's time drifts by 30% from the next, more than most changes; the two halves
 * of a pair run within milliseconds of each other and see the same machine.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/benchmarks.jar dev.elustream.codec.CodecPairs \
 *     BASELINE.jar CURRENT.jar [LONG|SHORT|SIX|SAME] [SIZE] [PAIRS] [float32|parse]
 * </pre>
 *
 * {@code float32}: both builds with {@code precision=float32} (builds since it exists). {@code parse}:
 * only {@code FeatureVectorJsonParser.parse} of each build (package-private, reached by reflection),
 * what reading a record costs without writing it.
 *
 * The jars are benchmark jars ({@code mvn -o -q -Pbench package}, or the ones {@code compare.sh}
 * leaves in {@code target/bench/compare/}): anything with the codec and its dependencies whose
 * {@code EluJsonTransformer} has the public constructor (activation, OutputMode, dimension,
 * maxDimension), which every build since the JSON codec has.
 */
public final class CodecPairs {

    private static final int TOTAL_ELEMENTS = 65_536;
    /** Elements a half of a pair transforms: about 2 ms of work. */
    private static final int ELEMENTS_PER_HALF = 16_384;

    private CodecPairs() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException(
                    "usage: CodecPairs BASELINE.jar CURRENT.jar [LONG|SHORT|SIX|SAME] [SIZE] [PAIRS] [float32|parse]");
        }
        String numbers = args.length > 2 ? args[2] : "LONG";
        int size = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int pairs = args.length > 4 ? Integer.parseInt(args[4]) : 2_000;
        String variant = args.length > 5 ? args[5] : "";
        if (!variant.isEmpty() && !variant.equals("float32") && !variant.equals("parse")) {
            throw new IllegalArgumentException("the sixth argument must be float32 or parse, got '" + variant + "'");
        }
        boolean float32 = variant.equals("float32");
        boolean parseOnly = variant.equals("parse");
        if (!numbers.equals("LONG") && !numbers.equals("SHORT") && !numbers.equals("SIX") && !numbers.equals("SAME")) {
            throw new IllegalArgumentException("numbers must be LONG, SHORT, SIX or SAME, got '" + numbers + "'");
        }
        byte[][] records = records(numbers, size);
        Codec baseline = new Codec(new File(args[0]), float32, parseOnly);
        Codec current = new Codec(new File(args[1]), float32, parseOnly);
        int perHalf = Math.max(1, ELEMENTS_PER_HALF / size);
        long bytesBaseline = 0;
        long bytesCurrent = 0;
        for (byte[] record : records) {
            bytesBaseline += baseline.transform(record).length;
            bytesCurrent += current.transform(record).length;
        }

        double[] b = new double[pairs];
        double[] c = new double[pairs];
        SplittableRandom random = new SplittableRandom(7);
        int next = 0;
        long sink = 0;
        for (int pair = -pairs; pair < pairs; pair++) {
            boolean baselineFirst = random.nextBoolean();
            int from = next;
            next = (next + perHalf) % records.length;
            for (int half = 0; half < 2; half++) {
                Codec codec = (half == 0) == baselineFirst ? baseline : current;
                long start = System.nanoTime();
                for (int r = 0; r < perHalf; r++) {
                    sink += codec.run(records[(from + r) % records.length]);
                }
                double nsPerRecord = (System.nanoTime() - start) / (double) perHalf;
                if (pair >= 0) {
                    (codec == baseline ? b : c)[pair] = nsPerRecord;
                }
            }
        }
        if (sink == 0) {
            throw new IllegalStateException("no bytes written");
        }
        PairedTimes t = PairedTimes.of(c, b);
        System.out.printf(Locale.ROOT, "%s%s size %d, %d pairs of %d records: baseline %.0f ns a record (%d B out),"
                + " current %.0f ns (%d B out), medians; current / baseline of a pair: median %.3f, quartiles %.3f-%.3f%n",
                numbers, variant.isEmpty() ? "" : " " + variant, size, pairs, perHalf, t.secondMedian(), bytesBaseline / records.length,
                t.firstMedian(), bytesCurrent / records.length, t.ratioMedian(), t.ratioLowerQuartile(),
                t.ratioUpperQuartile());
    }

    /** JsonCodecBench's records: its seed, vectors and number forms. */
    private static byte[][] records(String numbers, int size) {
        Random random = new Random(42);
        byte[][] records = new byte[TOTAL_ELEMENTS / size][];
        for (int r = 0; r < records.length; r++) {
            double[] x = KernelBench.mixedSigns(size, random);
            if (numbers.equals("SHORT")) {
                for (int i = 0; i < size; i++) {
                    x[i] = Math.round(x[i] * 4.0) / 4.0;
                }
            } else if (numbers.equals("SAME")) {
                Arrays.fill(x, -7.25);
            }
            StringBuilder json = new StringBuilder("{\"id\":\"sensor-00042\",\"features\":[");
            for (int i = 0; i < size; i++) {
                if (i > 0) {
                    json.append(',');
                }
                if (numbers.equals("SIX")) {
                    json.append(String.format(Locale.ROOT, "%.6f", x[i]));
                } else {
                    json.append(x[i]);
                }
            }
            records[r] = json.append("],\"ts\":1764258000000}").toString().getBytes(StandardCharsets.UTF_8);
        }
        return records;
    }

    /** One build's transformer, loaded from its jar apart from every other class here. */
    private static final class Codec {
        private final Object transformer;
        private final Method transform;
        /** For parse only: a parser of the default field, its parse and its count of numbers read. */
        @Nullable private final Object parser;
        @Nullable private final Method parse;
        @Nullable private final Method length;

        Codec(File jar, boolean float32, boolean parseOnly) throws Exception {
            if (!jar.isFile()) {
                throw new IllegalArgumentException("not a file: " + jar);
            }
            ClassLoader loader = new URLClassLoader(new URL[] {jar.toURI().toURL()}, ClassLoader.getPlatformClassLoader());
            Class<?> kind = loader.loadClass("dev.elustream.math.ActivationKind");
            Class<?> activations = loader.loadClass("dev.elustream.math.Activations");
            Class<?> mode = loader.loadClass("dev.elustream.codec.OutputMode");
            Object elu = activations.getMethod("of", kind, double.class).invoke(null, enumConstant(kind, "ELU"), 1.0);
            Class<?> transformerClass = loader.loadClass("dev.elustream.codec.EluJsonTransformer");
            Object made = null;
            for (Constructor<?> constructor : transformerClass.getConstructors()) {
                Class<?>[] types = constructor.getParameterTypes();
                if (!float32 && types.length == 4 && types[0].isInstance(elu) && types[1] == mode) {
                    made = constructor.newInstance(elu, enumConstant(mode, "BOTH"), 0, 65_536);
                } else if (float32 && types.length == 7 && types[0].isInstance(elu) && types[1] == mode) {
                    Object fields = types[5].getMethod("defaults").invoke(null);
                    made = constructor.newInstance(elu, enumConstant(mode, "BOTH"), false, 0, 65_536, fields,
                            enumConstant(types[6], "FLOAT32"));
                }
            }
            if (made == null) {
                throw new IllegalArgumentException(jar + ": no EluJsonTransformer(activation, OutputMode, int, int)"
                        + (float32 ? " with fields and precision" : ""));
            }
            transformer = made;
            transform = transformerClass.getMethod("transform", byte[].class);
            if (parseOnly) {
                Class<?> parserClass = loader.loadClass("dev.elustream.codec.FeatureVectorJsonParser");
                Constructor<?> constructor = parserClass.getDeclaredConstructor(int.class, int.class);
                constructor.setAccessible(true);
                parser = constructor.newInstance(0, 65_536);
                parse = parserClass.getDeclaredMethod("parse", byte[].class);
                parse.setAccessible(true);
                length = parserClass.getDeclaredMethod("length");
                length.setAccessible(true);
            } else {
                parser = null;
                parse = null;
                length = null;
            }
        }

        /** What a half of a pair times: the transform (its bytes out), or the parse (its numbers read). */
        int run(byte[] record) throws Exception {
            if (parser == null) {
                return transform(record).length;
            }
            parse.invoke(parser, (Object) record);
            return (int) length.invoke(parser);
        }

        byte[] transform(byte[] record) throws Exception {
            return (byte[]) transform.invoke(transformer, (Object) record);
        }

        private static Object enumConstant(Class<?> type, String name) {
            for (Object constant : type.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals(name)) {
                    return constant;
                }
            }
            throw new IllegalArgumentException(type + " has no " + name);
        }
    }
}
