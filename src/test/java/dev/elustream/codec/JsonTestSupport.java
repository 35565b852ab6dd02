package dev.elustream.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Helpers for the codec tests: an independent strict JSON check and a reader of output arrays. */
final class JsonTestSupport {

    /** A plain strict factory, independent of the one under test (the limits only allow what it allows). */
    private static final JsonFactory STRICT = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(FeatureVectorJsonParser.MAX_NESTING_DEPTH + 1)
                    .maxStringLength(FeatureVectorJsonParser.MAX_STRING_LENGTH)
                    .build())
            .build();

    private JsonTestSupport() {}

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Whether {@code bytes} is exactly one JSON object, reading every token (and every string). */
    static boolean isJsonObject(byte[] bytes) {
        try (JsonParser p = STRICT.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            JsonToken t;
            int depth = 1;
            while (depth > 0 && (t = p.nextToken()) != null) {
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    depth++;
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                } else if (t.isScalarValue()) {
                    p.getText();
                }
            }
            return depth == 0 && p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The numbers of the top-level array member {@code name} of {@code json}, each read with
     * {@link Double#parseDouble} from its text (not with the parser under test); checks they are finite.
     * A batch's rows come one after the other.
     */
    static double[] numbers(byte[] json, String name) throws IOException {
        try (JsonParser p = STRICT.createParser(json)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String member = p.currentName();
                p.nextToken();
                if (!member.equals(name)) {
                    p.skipChildren();
                    continue;
                }
                assertThat(p.currentToken()).as(name).isEqualTo(JsonToken.START_ARRAY);
                double[] out = new double[16];
                int n = 0;
                int depth = 0;
                while (p.nextToken() != JsonToken.END_ARRAY || depth-- > 0) {
                    if (p.currentToken() == JsonToken.START_ARRAY || p.currentToken() == JsonToken.END_ARRAY) {
                        // a batch: its rows, flattened
                        depth += p.currentToken() == JsonToken.START_ARRAY ? 1 : 0;
                        continue;
                    }
                    assertThat(p.currentToken().isNumeric()).as("%s[%s] is a number", name, n).isTrue();
                    double d = Double.parseDouble(p.getText());
                    assertThat(Double.isFinite(d)).as("%s[%s] = %s is finite", name, n, p.getText()).isTrue();
                    if (n == out.length) {
                        out = Arrays.copyOf(out, 2 * n);
                    }
                    out[n++] = d;
                }
                return Arrays.copyOf(out, n);
            }
        }
        throw new AssertionError("no member " + name + " in " + text(json));
    }

    /** Bit patterns, so that -0.0 differs from 0.0 and the comparison is exact. */
    static long[] bits(double[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Double.doubleToRawLongBits(values[i]);
        }
        return out;
    }
}
