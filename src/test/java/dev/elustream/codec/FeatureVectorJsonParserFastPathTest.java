package dev.elustream.codec;

import static dev.elustream.codec.JsonTestSupport.text;
import static dev.elustream.codec.JsonTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.codec.HostileCorpusTest.Case;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The parser's byte scanner (its fast path) against its Jackson scan, which defines every reason:
 * for each input, a parser with the fast path and one without must give the same outcome, the same
 * reason for a reject, and for an accepted value the same numbers (bit for bit), counts and written
 * record. The fast path must also be taken where it should (the valid records), or these tests would
 * compare Jackson with itself; and it must never throw (its failures are counted, and must stay 0).
 */
class FeatureVectorJsonParserFastPathTest {

    /** Field configurations the inputs run under: the default, a dimension, pointers into nested records. */
    private enum Config {
        DEFAULT("/features", 0, 65_536, true, true, null),
        DIMENSION_4("/features", 4, 8, true, false, null),
        NESTED("/user/embedding,/batch,/rows/1/emb", 0, 64, true, false, null),
        KEEP_INPUT("/v", 0, 64, false, false, "{name}_in");

        final String vectorFields;
        final int dimension;
        final int maxDimension;
        final boolean derivative;
        final boolean alphaGradient;
        final String inputName;

        Config(String vectorFields, int dimension, int maxDimension, boolean derivative, boolean alphaGradient,
                String inputName) {
            this.vectorFields = vectorFields;
            this.dimension = dimension;
            this.maxDimension = maxDimension;
            this.derivative = derivative;
            this.alphaGradient = alphaGradient;
            this.inputName = inputName;
        }

        FeatureVectorJsonParser parser(boolean fastPath) {
            JsonVectorFields fields = JsonVectorFields.of(vectorFields, null, null, inputName, Map.of());
            return new FeatureVectorJsonParser(fields.fields(derivative, alphaGradient), dimension, maxDimension, fastPath);
        }
    }

    private static final String JSON_ALPHABET = "{}[]\",:0123456789-+.eE \n\\ntrulfase\"features\"";

    /** Valid records of each configuration, to mutate. */
    private static final Map<Config, List<String>> SEEDS = Map.of(
            Config.DEFAULT, List.of(
                    "{\"id\":\"k-1\",\"ts\":1700000000123,\"features\":[0.5,-1.25,3,-0,1e-3,-7.5E+2],"
                            + "\"meta\":{\"tags\":[\"a\",\"é\\n\"],\"w\":1.50,\"ok\":true,\"none\":null}}",
                    "{ \"features\" : [ -3.5818388934731496 , 0.12345678901234567 , 1.0E-300 , 123456789012345678901 ] ,"
                            + " \"x\" : [ { } , [ ] , \"\\u00e9\\\"\" ] }",
                    "{\"features\":[[1,2],[3,4]],\"derivative_old\":1}"),
            Config.DIMENSION_4, List.of(
                    "{\"features\":[1.5,-2.5,0.000001,-0.0]}",
                    "{\"features\":[[1,2,3,4],[5,6,7,8]],\"k\":\"v\"}"),
            Config.NESTED, List.of(
                    "{\"user\":{\"id\":7,\"embedding\":[0.25,-0.75]},\"batch\":[[1,2],[-3,-4]],"
                            + "\"rows\":[{\"emb\":[9]},{\"emb\":[-1.5,2.5,-3.5]}],\"t\":false}",
                    "{\"rows\":[0,{\"emb\":[1e5]}],\"batch\":[1],\"user\":{\"embedding\":[2]}}"),
            Config.KEEP_INPUT, List.of(
                    "{\"v\":[ 1.0 , -2.0e0 ],\"v_im\":0}",
                    "{\"a\":\"\\\\\",\"v\":[-0.123456,0.654321]}"));

    @Test
    void givesTheSameOutcomeAsJacksonForEveryCaseOfTheHostileCorpus() {
        int fast = 0;
        for (Case c : HostileCorpusTest.Corpus.load()) {
            FeatureVectorJsonParser withFastPath = corpusParser(c, true);
            FeatureVectorJsonParser jacksonOnly = corpusParser(c, false);
            assertThat(outcome(withFastPath, c.value())).as(c.name()).isEqualTo(outcome(jacksonOnly, c.value()));
            assertThat(withFastPath.fastFailures()).as(c.name()).isZero();
            fast += (int) withFastPath.fastRecords();
        }
        // the corpus's accepted cases are mostly plain records: the comparison above must include the fast path
        assertThat(fast).isGreaterThanOrEqualTo(20);
    }

    static Stream<Arguments> configs() {
        return Arrays.stream(Config.values()).map(Arguments::of);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void givesTheSameOutcomeAsJacksonForRandomMutationsOfValidRecords(Config config) {
        FeatureVectorJsonParser withFastPath = config.parser(true);
        FeatureVectorJsonParser jacksonOnly = config.parser(false);
        SplittableRandom random = new SplittableRandom(config.ordinal() * 1000 + 17);
        int accepted = 0;
        for (String seed : SEEDS.get(config)) {
            byte[] valid = utf8(seed);
            String expected = outcome(jacksonOnly, valid);
            assertThat(expected).as("seed %s", seed).startsWith("accept");
            long before = withFastPath.fastRecords();
            assertThat(outcome(withFastPath, valid)).isEqualTo(expected);
            assertThat(withFastPath.fastRecords()).as("the fast path reads the seed %s", seed).isEqualTo(before + 1);
            for (int i = 0; i < 20_000; i++) {
                byte[] value = mutate(valid, random);
                String outcome = outcome(jacksonOnly, value);
                assertThat(outcome(withFastPath, value)).as("%s", text(value)).isEqualTo(outcome);
                accepted += outcome.startsWith("accept") ? 1 : 0;
            }
        }
        assertThat(withFastPath.fastFailures()).isZero();
        // many mutations keep the record valid (digits, string contents): the fast path reads those
        assertThat(withFastPath.fastRecords()).isGreaterThan(accepted / 2);
    }

    @Test
    void readsEveryFormOfNumberAsJavaDoes() {
        FeatureVectorJsonParser withFastPath = Config.DEFAULT.parser(true);
        FeatureVectorJsonParser jacksonOnly = Config.DEFAULT.parser(false);
        SplittableRandom random = new SplittableRandom(99);
        for (int r = 0; r < 2_000; r++) {
            List<String> numbers = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                numbers.add(randomNumber(random));
            }
            byte[] value = utf8("{\"features\":[" + String.join(",", numbers) + "]}");
            long before = withFastPath.fastRecords();
            String outcome = outcome(jacksonOnly, value);
            assertThat(outcome(withFastPath, value)).as("%s", text(value)).isEqualTo(outcome);
            if (outcome.startsWith("accept")) {
                assertThat(withFastPath.fastRecords()).as("fast path for %s", text(value)).isEqualTo(before + 1);
                for (int i = 0; i < numbers.size(); i++) {
                    double expected = expectedValue(numbers.get(i));
                    assertThat(Double.doubleToRawLongBits(withFastPath.features()[i]))
                            .as("%s", numbers.get(i)).isEqualTo(Double.doubleToRawLongBits(expected));
                }
            } else {
                // only an infinite number makes a valid record of numbers a reject
                assertThat(outcome).contains("does not fit a finite double");
            }
        }
        assertThat(withFastPath.fastFailures()).isZero();
    }

    @Test
    void readsWellFormedUtf8InStringsAndLeavesEveryMalformedSequenceToTheWholeValueCheck() {
        FeatureVectorJsonParser withFastPath = Config.DEFAULT.parser(true);
        FeatureVectorJsonParser jacksonOnly = Config.DEFAULT.parser(false);
        // two-, three- and four-byte characters, the first and last of each length, in a value and a name
        int[][] wellFormed = {{0xC2, 0x80}, {0xDF, 0xBF}, {0xE0, 0xA0, 0x80}, {0xED, 0x9F, 0xBF}, {0xEF, 0xBF, 0xBF},
            {0xF0, 0x90, 0x80, 0x80}, {0xF4, 0x8F, 0xBF, 0xBF}};
        for (int[] sequence : wellFormed) {
            for (String template : List.of("{\"s\":\"a%sb\",\"features\":[1,-2]}", "{\"%s\":0,\"features\":[1,-2]}")) {
                byte[] value = withSequence(template, sequence);
                long before = withFastPath.fastRecords();
                assertThat(outcome(withFastPath, value)).as(text(value)).isEqualTo(outcome(jacksonOnly, value))
                        .startsWith("accept");
                assertThat(withFastPath.fastRecords()).as("fast path for %s", text(value)).isEqualTo(before + 1);
            }
        }
        // overlong, surrogate, above U+10FFFF, stray continuation, C0/C1, F5+, cut off by the quote, by the end
        int[][] malformed = {{0xC0, 0x80}, {0xC1, 0xBF}, {0xE0, 0x9F, 0xBF}, {0xED, 0xA0, 0x80}, {0xF0, 0x8F, 0xBF, 0xBF},
            {0xF4, 0x90, 0x80, 0x80}, {0x80}, {0xBF}, {0xF5, 0x80, 0x80, 0x80}, {0xFF}, {0xE2, 0x82}, {0xF0, 0x9F, 0x98}};
        for (int[] sequence : malformed) {
            for (String template : List.of("{\"s\":\"a%s\",\"features\":[1,-2]}", "{\"features\":[1,-2],\"s\":\"%s")) {
                byte[] value = withSequence(template, sequence);
                String outcome = outcome(jacksonOnly, value);
                assertThat(outcome).as(text(value)).startsWith("reject INVALID_UTF8: value is not valid UTF-8");
                assertThat(outcome(withFastPath, value)).as(text(value)).isEqualTo(outcome);
            }
        }
        assertThat(withFastPath.fastFailures()).isZero();
    }

    /** The template's UTF-8 bytes with the sequence's bytes in place of its one %s. */
    private static byte[] withSequence(String template, int[] sequence) {
        byte[] before = utf8(template.substring(0, template.indexOf("%s")));
        byte[] after = utf8(template.substring(template.indexOf("%s") + 2));
        byte[] value = Arrays.copyOf(before, before.length + sequence.length + after.length);
        for (int k = 0; k < sequence.length; k++) {
            value[before.length + k] = (byte) sequence[k];
        }
        System.arraycopy(after, 0, value, before.length + sequence.length, after.length);
        return value;
    }

    @Test
    void leavesEscapedNamesAndSurrogateEscapesToJackson() {
        FeatureVectorJsonParser withFastPath = Config.DEFAULT.parser(true);
        FeatureVectorJsonParser jacksonOnly = Config.DEFAULT.parser(false);
        for (String json : List.of("{\"feat\\u0075res\":[1]}", "{\"features\":[1],\"s\":\"\\ud83d\\ude00\"}",
                "{\"features\":[1],\"s\":\"\\udc00\"}", "{\"features\":[1],\"deriv\\u0061tive\":0}")) {
            byte[] value = utf8(json);
            assertThat(outcome(withFastPath, value)).as(json).isEqualTo(outcome(jacksonOnly, value));
        }
        assertThat(withFastPath.fastRecords()).isZero();
        assertThat(outcome(withFastPath, utf8("{\"feat\\u0075res\":[1],\"derivative\":2}")))
                .startsWith("reject MEMBER_CONFLICT");
    }

    @Test
    void readsWhatAJobThatNamesAnUnpairedSurrogateSelectsThroughJacksonOnly() {
        JsonVectorFields fields = JsonVectorFields.of("/a\ud800", null, null, null, Map.of());
        FeatureVectorJsonParser parser = new FeatureVectorJsonParser(fields.fields(false, false), 0, 64, true);
        assertThat(outcome(parser, utf8("{\"a?\":[1]}"))).startsWith("reject FEATURES_MISSING");
        assertThat(parser.fastRecords()).isZero();
    }

    /** Numbers of many forms: doubles as Java writes them, six decimals, integers, exponents, long mantissas. */
    private static String randomNumber(SplittableRandom random) {
        switch (random.nextInt(10)) {
            case 0:
                double any;
                do {
                    any = Double.longBitsToDouble(random.nextLong());
                } while (!Double.isFinite(any));
                return Double.toString(any);
            case 1:
                return String.format(Locale.ROOT, "%.6f", random.nextDouble(-10, 10));
            case 2:
                return Long.toString(random.nextLong() >> random.nextInt(64));
            case 3:
                return (random.nextBoolean() ? "-" : "") + random.nextInt(1000) + "e" + (random.nextInt(700) - 350);
            case 4:
                StringBuilder digits = new StringBuilder(random.nextBoolean() ? "-0." : "");
                int n = 1 + random.nextInt(40);
                for (int i = 0; i < n; i++) {
                    digits.append((char) ('0' + (i == 0 && digits.length() == 0 ? 1 + random.nextInt(9) : random.nextInt(10))));
                }
                return digits.toString();
            case 5:
                return List.of("0", "-0", "0.0", "-0.0", "0e0", "-0E-5", "4.9E-324", "2.2250738585072014E-308",
                        "1.7976931348623157E308", "9007199254740993", "9007199254740992.5", "1e22", "1e23",
                        "0.1", "123456789012345678", "1234567890123456789", "12345678901234567890").get(random.nextInt(17));
            case 6:
                return Double.toString(random.nextDouble(-10, 10));
            case 7:
                return String.format(Locale.ROOT, "%.3e", random.nextDouble(-1e10, 1e10)).replace("e+", "E");
            case 8:
                return String.format(Locale.ROOT, "%.17f", random.nextDouble(-1, 1));
            default:
                return Float.toString((float) random.nextDouble(-100, 100));
        }
    }

    /** Java's own reading, with -0 for an integer -0 as the job documents. */
    private static double expectedValue(String number) {
        return new java.math.BigDecimal(number).signum() == 0
                ? (number.startsWith("-") ? -0.0 : 0.0)
                : Double.parseDouble(number);
    }

    private static FeatureVectorJsonParser corpusParser(Case c, boolean fastPath) {
        Map<String, String> names = new HashMap<>();
        c.keys().forEach((key, value) -> {
            if (key.startsWith(JsonVectorFields.KEY_VECTOR_NAME_PREFIX)) {
                names.put(key.substring(JsonVectorFields.KEY_VECTOR_NAME_PREFIX.length()), value);
            }
        });
        JsonVectorFields fields = JsonVectorFields.of(
                c.keys().getOrDefault(JsonVectorFields.KEY_VECTOR_FIELDS, JsonVectorFields.DEFAULT_VECTOR_FIELDS),
                null, null, null, names);
        return new FeatureVectorJsonParser(fields.fields(true, false), 0, HostileCorpusTest.MAX_DIMENSION, fastPath);
    }

    /**
     * What the parser makes of a value: the reject's kind and reason, or the numbers (as bits), the
     * counts, the layout and the record written back with the numbers (and their negations as the
     * derivatives, and their halves as the alpha gradients, so that each output is told apart).
     */
    private static String outcome(FeatureVectorJsonParser parser, byte[] value) {
        try {
            parser.parse(value);
            parser.checkOutputsAbsent();
        } catch (VectorRejectedException e) {
            return "reject " + e.kind() + ": " + e.reason();
        }
        int n = parser.length();
        double[] x = Arrays.copyOf(parser.features(), n);
        double[] negated = new double[n];
        double[] doubled = new double[n];
        long[] bits = new long[n];
        for (int i = 0; i < n; i++) {
            negated[i] = -x[i];
            doubled[i] = x[i] / 2;
            bits[i] = Double.doubleToRawLongBits(x[i]);
        }
        OutputBuffer out = new OutputBuffer(16);
        try {
            out.reserve(value.length + parser.fixedOverhead() + parser.inputCopyBytes() + 6L * parser.rows()
                    + 3L * n * (OutputBuffer.MAX_DOUBLE_LENGTH + 1));
            parser.write(out, value, x, negated, doubled, true, false);
        } catch (VectorRejectedException e) {
            return "too large";
        }
        StringBuilder leaves = new StringBuilder();
        for (FeatureVectorJsonParser.Leaf leaf : parser.leaves()) {
            leaves.append(leaf.offset).append('+').append(leaf.count).append(" rows ").append(leaf.rows).append('x')
                    .append(leaf.rowLength).append(';');
        }
        return "accept " + Arrays.toString(bits) + " nonPositive " + parser.nonPositiveCount() + " rows " + parser.rows()
                + " leaves " + leaves + " out " + text(Arrays.copyOf(out.toByteArray(), out.size()));
    }

    private static byte[] mutate(byte[] valid, SplittableRandom random) {
        byte[] value = valid.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && value.length > 0; e++) {
            int at = random.nextInt(value.length);
            switch (random.nextInt(6)) {
                case 0 -> value[at] = (byte) random.nextInt(256);
                case 1, 2 -> value[at] = (byte) JSON_ALPHABET.charAt(random.nextInt(JSON_ALPHABET.length()));
                case 3 -> value = Arrays.copyOf(value, at);
                case 4 -> {
                    byte[] shorter = new byte[value.length - 1];
                    System.arraycopy(value, 0, shorter, 0, at);
                    System.arraycopy(value, at + 1, shorter, at, value.length - at - 1);
                    value = shorter;
                }
                default -> {
                    int len = Math.min(value.length - at, 1 + random.nextInt(12));
                    byte[] longer = new byte[value.length + len];
                    System.arraycopy(value, 0, longer, 0, at + len);
                    System.arraycopy(value, at, longer, at + len, value.length - at);
                    value = longer;
                }
            }
        }
        return value;
    }
}
