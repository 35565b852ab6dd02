package dev.elustream.codec;

import static dev.elustream.codec.HostileCorpusTest.Outcome.ACCEPT;
import static dev.elustream.codec.HostileCorpusTest.Outcome.REJECT;
import static dev.elustream.codec.HostileCorpusTest.Outcome.TOO_LARGE_OUTPUT;
import static dev.elustream.codec.JsonTestSupport.bits;
import static dev.elustream.codec.JsonTestSupport.isJsonObject;
import static dev.elustream.codec.JsonTestSupport.numbers;
import static dev.elustream.codec.JsonTestSupport.text;
import static dev.elustream.codec.JsonTestSupport.utf8;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.elustream.math.Elu;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile-input corpus ({@code src/test/resources/hostile/cases.tsv}) through the codec with the
 * job's defaults: every case gets exactly its listed reason or output, nothing but
 * VectorRejectedException is ever thrown, and the pathological cases run in a small stack with
 * bounded allocation. {@link Corpus} loads the corpus for the job's HostileInputITCase too.
 */
public class HostileCorpusTest {

    /** The job's default max-dimension. */
    static final int MAX_DIMENSION = 65536;

    /** Cases that a parser without read constraints would recurse or buffer without bound on. */
    private static final List<String> PATHOLOGICAL = List.of("nesting-100000-arrays", "nesting-100000-objects",
            "nesting-100000-in-features", "nesting-100000-top-level", "number-10000-digits",
            "number-10000-digits-elsewhere", "nesting-100000-under-pointer");

    private static final List<Case> CASES = Corpus.load();

    static Stream<Case> cases() {
        return CASES.stream();
    }

    /** The transformed cases of the job's default fields, whose output is read back as 'features'. */
    static Stream<Case> transformedCases() {
        return CASES.stream().filter(c -> c.outcome() != REJECT && c.keys().isEmpty());
    }

    private static EluJsonTransformer newTransformer() {
        return new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, 0, MAX_DIMENSION);
    }

    /** A transformer with the job keys of the case (vector-fields, vector-name.*), the job's defaults else. */
    static EluJsonTransformer newTransformer(Case c) {
        Map<String, String> names = new HashMap<>();
        c.keys().forEach((key, value) -> {
            if (key.startsWith(JsonVectorFields.KEY_VECTOR_NAME_PREFIX)) {
                names.put(key.substring(JsonVectorFields.KEY_VECTOR_NAME_PREFIX.length()), value);
            } else if (!key.equals(JsonVectorFields.KEY_VECTOR_FIELDS)) {
                throw new IllegalStateException(c.name() + ": a key the corpus does not set: " + key);
            }
        });
        return new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, false, 0, MAX_DIMENSION, JsonVectorFields.of(
                c.keys().getOrDefault(JsonVectorFields.KEY_VECTOR_FIELDS, JsonVectorFields.DEFAULT_VECTOR_FIELDS), null,
                null, null, names));
    }

    @Test
    void coversEveryKindOfHostileInputTheIssueNames() {
        assertThat(CASES).hasSizeGreaterThanOrEqualTo(40);
        assertThat(CASES).extracting(Case::name).doesNotHaveDuplicates().contains(
                "one-megabyte-record", "one-megabyte-output-too-large", "max-dimension", "max-dimension-plus-one",
                "nesting-100000-arrays", "nesting-100000-objects", "number-10000-digits", "duplicate-features",
                "bom-before-object", "overlong-2-byte-slash", "encoded-high-surrogate", "encoded-surrogate-pair",
                "raw-control-char-in-string", "nan-literal", "infinity-literal", "negative-zero-integer",
                "overflow-1e400", "min-subnormal", "hex-number", "empty", "whitespace-only", "top-level-array",
                "truncated-in-features", "lone-high-surrogate-escape", "escaped-features-name", "emoji-in-string",
                "underflow-to-zero", "largest-subnormal", "max-double-rounding-to-infinity");
        assertThat(CASES).extracting(Case::outcome).contains(REJECT, ACCEPT, TOO_LARGE_OUTPUT);
        assertThat(CASES.stream().filter(c -> c.name().equals("one-megabyte-record")).findFirst().orElseThrow().value())
                .hasSize(1_000_000);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void givesEachCaseExactlyItsListedReasonOrOutput(Case c) {
        assertOutcome(newTransformer(c), c);
    }

    @Test
    void givesTheSameOutcomesWhenOneTransformerReadsTheWholeCorpusForwardsThenBackwards() {
        // One instance reuses its buffers and symbol table across records: a large record must not
        // leave anything behind that changes the next one.
        Map<Map<String, String>, EluJsonTransformer> transformers = new HashMap<>();
        List<Case> all = new ArrayList<>(CASES);
        all.forEach(c -> assertOutcome(transformers.computeIfAbsent(c.keys(), k -> newTransformer(c)), c));
        Collections.reverse(all);
        all.forEach(c -> assertOutcome(transformers.computeIfAbsent(c.keys(), k -> newTransformer(c)), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transformedCases")
    void writesTheEluOfEachNumberAsAnIndependentParserReadsTheInput(Case c) throws IOException {
        byte[] out = c.output();
        assertThat(isJsonObject(out)).as("output is one JSON object").isTrue();
        double[] x = numbers(c.value(), "features");
        double[] f = new double[x.length];
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = x[i] > 0 ? x[i] : Math.expm1(x[i]);
            d[i] = x[i] > 0 ? 1.0 : Math.exp(x[i]);
        }
        assertThat(bits(numbers(out, "features"))).as("f(x)").isEqualTo(bits(f));
        assertThat(bits(numbers(out, "derivative"))).as("f'(x)").isEqualTo(bits(d));
    }

    @Test
    void readsThePathologicalCasesAThousandTimesEachOnA256KiBStackWithBoundedAllocation() throws Exception {
        List<Case> pathological = CASES.stream().filter(c -> PATHOLOGICAL.contains(c.name())).toList();
        assertThat(pathological).hasSameSizeAs(PATHOLOGICAL);
        Map<String, Long> allocatedPerRecord = new HashMap<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // A recursive parser needs far more than 256 KiB for 100,000 levels, and one that buffered
        // them would allocate megabytes per record: both would show here.
        Thread small = new Thread(null, () -> {
            try {
                for (Case c : pathological) {
                    EluJsonTransformer transformer = newTransformer(c);
                    long before = allocatedBytes();
                    for (int i = 0; i < 1000; i++) {
                        assertOutcome(transformer, c);
                    }
                    allocatedPerRecord.put(c.name(), (allocatedBytes() - before) / 1000);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "hostile-small-stack", 256 * 1024);
        small.start();
        small.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(small.isAlive()).as("still running after 60 s").isFalse();
        assertThat(failure.get()).as("what was thrown (a StackOverflowError, an OutOfMemoryError, ...)").isNull();
        assertThat(allocatedPerRecord).hasSize(pathological.size())
                .allSatisfy((name, bytes) -> assertThat(bytes).as("bytes allocated per record of %s", name)
                        .isLessThan(256 * 1024));
    }

    /**
     * A bug this corpus found: Jackson keeps every distinct member name in its factory's symbol table
     * (up to 6000, of up to 50,000 characters each) and copies the table for each record that adds
     * one, so records with ever-new long names made it grow to hundreds of MB, each costing a copy.
     */
    @Test
    void keepsTheMemberNameTableSmallWhenEveryRecordBringsANewLongName() throws Exception {
        FeatureVectorJsonParser parser = new FeatureVectorJsonParser(0, MAX_DIMENSION);
        int nameLength = 49_000;
        long lastRecordAllocation = 0;
        for (int i = 0; i < 400; i++) {
            byte[] value = utf8("{\"" + String.format(Locale.ROOT, "%06d", i) + "n".repeat(nameLength - 6)
                    + "\":1,\"features\":[-1]}");
            long before = allocatedBytes();
            parser.parse(value);
            lastRecordAllocation = allocatedBytes() - before;
            assertThat(parser.length()).isEqualTo(1);
            assertThat(parser.canonicalNames()).as("names kept after record %d", i)
                    .isLessThanOrEqualTo(FeatureVectorJsonParser.MAX_NEW_NAME_BYTES / nameLength + 2);
        }
        // Before the fix: 39 MB for the 400th record, growing with every one.
        assertThat(lastRecordAllocation).as("bytes allocated for the 400th record").isLessThan(4L << 20);
    }

    static Stream<Arguments> nonAsciiCharacters() {
        return Stream.of(
                Arguments.of("\u00e9", "('\u00e9' (U+00E9))"),
                Arguments.of("\u4e2d", "('\u4e2d' (U+4E2D))"),
                Arguments.of("\ud83d\ude00", "('\ud83d\ude00' (U+1F600))"),
                Arguments.of("\u2212", "('\u2212' (U+2212))"),
                Arguments.of("\u00a0", "(U+00A0)"),
                Arguments.of("\ufeff", "(U+FEFF)"),
                Arguments.of("\u2028", "(U+2028)"));
    }

    /**
     * A bug this corpus found: Jackson reads a non-ASCII character outside strings byte by byte, so the
     * reason named its first byte as a Latin-1 character ({@code 'Ã' (code 195)} for é) or called
     * its second byte an invalid UTF-8 start byte, of a value that is valid UTF-8.
     */
    @ParameterizedTest(name = "{1}")
    @MethodSource("nonAsciiCharacters")
    void namesANonAsciiCharacterOutsideStringsByItsCodePointWhereverItIs(String character, String described) {
        byte[] valid = utf8("{\"id\":\"x\\\"y\",\"features\":[1,-2.5e3, 0.25E+1],\"m\":{\"k\":[0,{}]}}");
        byte[] inserted = utf8(character);
        EluJsonTransformer transformer = newTransformer();
        int checked = 0;
        boolean inString = false;
        for (int at = 0; at <= valid.length; at++) {
            if (!inString && !(at == 0 && character.equals("\ufeff"))) { // a leading U+FEFF is a byte-order mark
                byte[] value = new byte[valid.length + inserted.length];
                System.arraycopy(valid, 0, value, 0, at);
                System.arraycopy(inserted, 0, value, at, inserted.length);
                System.arraycopy(valid, at, value, at + inserted.length, valid.length - at);
                assertThat(reason(transformer, value)).as(text(value)).isEqualTo("value is not valid JSON: Unexpected"
                        + " character " + described + ": outside strings JSON allows only ASCII at offset " + at);
                checked++;
            }
            if (at < valid.length) {
                if (inString && valid[at] == '\\') {
                    at++;
                } else if (valid[at] == '"') {
                    inString = !inString;
                }
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(40);
    }

    private static String reason(EluJsonTransformer transformer, byte[] value) {
        try {
            byte[] out = transformer.transform(value);
            return fail("accepted %s as %s", text(value), text(out));
        } catch (VectorRejectedException e) {
            return e.reason();
        }
    }

    private static void assertOutcome(EluJsonTransformer transformer, Case c) {
        byte[] out;
        try {
            out = transformer.transform(c.value());
        } catch (VectorRejectedException e) {
            assertThat(c.outcome()).as("%s was rejected: %s", c.name(), e.reason()).isEqualTo(REJECT);
            assertThat(e.reason()).as("reason for %s", c.name()).isEqualTo(c.reason());
            return;
        } catch (Throwable t) {
            throw new AssertionError(c.name() + ": only VectorRejectedException may be thrown, got " + t, t);
        }
        assertThat(c.outcome()).as("%s was transformed to %s", c.name(), abbreviate(out)).isNotEqualTo(REJECT);
        if (!Arrays.equals(out, c.output())) {
            fail("output of %s (%d bytes):%n  %s%nexpected (%d bytes):%n  %s", c.name(), out.length, abbreviate(out),
                    c.output().length, abbreviate(c.output()));
        }
    }

    private static String abbreviate(byte[] bytes) {
        String s = text(bytes);
        return s.length() <= 300 ? s : s.substring(0, 150) + " ... " + s.substring(s.length() - 150);
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** What the job must make of a case. */
    public enum Outcome {
        /** Dead-lettered with the listed reason. */
        REJECT,
        /** Written to the output topic with the listed bytes. */
        ACCEPT,
        /**
         * Transformed by the codec to the listed bytes, which are larger than the output producer's
         * max.request.size: the job dead-letters it with "output record would be N bytes, ...".
         */
        TOO_LARGE_OUTPUT
    }

    /**
     * One case of the corpus.
     *
     * @param name its name, also the record key in the ITCase
     * @param value the record value
     * @param outcome what the job must make of it
     * @param reason the exact reason for {@link Outcome#REJECT}, else null
     * @param output the exact output for {@link Outcome#ACCEPT} and {@link Outcome#TOO_LARGE_OUTPUT}, else null
     * @param note what the case is
     * @param keys the job keys it runs with (vector-fields, vector-name.*), empty for the job's defaults
     */
    public record Case(String name, byte[] value, Outcome outcome, @Nullable String reason, @Nullable byte[] output,
            String note, Map<String, String> keys) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Reads the corpus from the test class path ({@code /hostile/}): its manifest, value files and generators. */
    public static final class Corpus {

        private static final String ROOT = "/hostile/";

        private Corpus() {}

        /** Every case, in the manifest's order; fails on a malformed manifest or a value of the wrong length. */
        public static List<Case> load() {
            List<Case> cases = new ArrayList<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(open("cases.tsv"), UTF_8))) {
                String line;
                int lineNumber = 0;
                while ((line = in.readLine()) != null) {
                    lineNumber++;
                    if (line.isBlank() || line.startsWith("#")) {
                        continue;
                    }
                    String[] column = line.split("\t", -1);
                    if (column.length != 6 && column.length != 7) {
                        throw new IllegalStateException("cases.tsv line " + lineNumber + " has " + column.length
                                + " columns, expected 6 or 7: " + line);
                    }
                    Map<String, String> keys = new java.util.TreeMap<>();
                    if (column.length == 7) {
                        for (String pair : column[6].split(";")) {
                            int eq = pair.indexOf('=');
                            keys.put(pair.substring(0, eq), pair.substring(eq + 1));
                        }
                    }
                    byte[] value = read(column[1]);
                    if (value.length != Integer.parseInt(column[2])) {
                        throw new IllegalStateException(column[1] + " holds " + value.length + " bytes, cases.tsv says "
                                + column[2] + " (an editor may have changed it)");
                    }
                    Outcome outcome = Outcome.valueOf(column[3].toUpperCase(Locale.ROOT).replace('-', '_'));
                    String expected = column[4];
                    if (outcome == REJECT) {
                        cases.add(new Case(column[0], value, outcome, expected, null, column[5], keys));
                    } else {
                        byte[] output = expected.startsWith("@") ? read(expected.substring(1)) : expected.getBytes(UTF_8);
                        cases.add(new Case(column[0], value, outcome, null, output, column[5], keys));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return cases;
        }

        /** The bytes of a file under the corpus root; a {@code .gen} file is expanded. */
        static byte[] read(String path) throws IOException {
            try (InputStream in = open(path)) {
                byte[] bytes = in.readAllBytes();
                return path.endsWith(".gen") ? generate(path, new String(bytes, UTF_8)) : bytes;
            }
        }

        /**
         * Expands a generator spec, line by line: {@code text LITERAL} (UTF-8, the rest of the line),
         * {@code hex HEX}, {@code repeat N LITERAL}, {@code repeat-hex N HEX}; {@code #} starts a comment.
         */
        static byte[] generate(String path, String spec) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (String line : spec.split("\r?\n", -1)) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int space = line.indexOf(' ');
                String op = space < 0 ? line : line.substring(0, space);
                String rest = space < 0 ? "" : line.substring(space + 1);
                switch (op) {
                    case "text" -> out.writeBytes(rest.getBytes(UTF_8));
                    case "hex" -> out.writeBytes(hex(rest));
                    case "repeat", "repeat-hex" -> {
                        int countEnd = rest.indexOf(' ');
                        int count = Integer.parseInt(rest.substring(0, countEnd));
                        String unit = rest.substring(countEnd + 1);
                        byte[] bytes = op.equals("repeat") ? unit.getBytes(UTF_8) : hex(unit);
                        for (int i = 0; i < count; i++) {
                            out.writeBytes(bytes);
                        }
                    }
                    default -> throw new IllegalStateException(path + ": unknown generator line: " + line);
                }
            }
            return out.toByteArray();
        }

        private static byte[] hex(String text) {
            String digits = text.replace(" ", "");
            byte[] bytes = new byte[digits.length() / 2];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
            }
            return bytes;
        }

        private static InputStream open(String path) {
            InputStream in = HostileCorpusTest.class.getResourceAsStream(ROOT + path);
            if (in == null) {
                throw new IllegalStateException("no " + ROOT + path + " on the test class path");
            }
            return in;
        }
    }
}
