package dev.elustream.codec;

import static dev.elustream.codec.JsonTestSupport.isJsonObject;
import static dev.elustream.codec.JsonTestSupport.text;
import static dev.elustream.codec.JsonTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.math.Elu;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Input crafted to break a parser: only ever a result or a VectorRejectedException, never a hang. */
class EluJsonTransformerHostileInputTest {

    private static final String VALID = "{\"id\":\"k-1\",\"ts\":1700000000123,\"features\":[0.5,-1.25,3,-0,1e-3,"
            + "-7.5E+2],\"meta\":{\"tags\":[\"a\",\"é\\n\"],\"w\":1.50,\"ok\":true,\"none\":null}}";

    private static final String JSON_ALPHABET = "{}[]\",:0123456789-+.eE \n\\ntrulfase\"features\"";

    private final EluJsonTransformer transformer = new EluJsonTransformer(Elu.withAlpha(1.0), OutputMode.BOTH, 0, 64);

    @Test
    void rejects100000NestedArraysAtTheNestingLimit() {
        assertThatThrownBy(() -> transformer.transform(utf8("[".repeat(100_000))))
                .isInstanceOf(VectorRejectedException.class)
                .hasMessage("value is nested deeper than 1000 levels (parser limit) at offset 1001");
        assertThatThrownBy(() -> transformer.transform(utf8("{\"features\":" + "[".repeat(100_000))))
                .hasMessage("value is nested deeper than 1000 levels (parser limit) at offset 1012");
        assertThatThrownBy(() -> transformer.transform(utf8("{\"a\":" + "{\"a\":".repeat(2000) + "1" + "}".repeat(2001))))
                .hasMessage("value is nested deeper than 1000 levels (parser limit) at offset 5001");
    }

    @Test
    void acceptsNestingUpToTheLimitInOtherMembers() throws Exception {
        String deep = "[".repeat(999) + "]".repeat(999);
        assertThat(text(transformer.transform(utf8("{\"deep\":" + deep + ",\"features\":[1]}"))))
                .isEqualTo("{\"deep\":" + deep + ",\"features\":[1.0],\"derivative\":[1.0]}");
    }

    @Test
    void rejectsA10000DigitNumberAtTheNumberLengthLimit() {
        assertThatThrownBy(() -> transformer.transform(utf8("{\"features\":[" + "7".repeat(10_000) + "]}")))
                .isInstanceOf(VectorRejectedException.class)
                .hasMessage("value has a number longer than 1000 characters (parser limit) at offset 10013");
        assertThatThrownBy(() -> transformer.transform(utf8("{\"id\":0." + "7".repeat(10_000) + ",\"features\":[1]}")))
                .hasMessage("value has a number longer than 1000 characters (parser limit) at offset 10008");
    }

    @Test
    void readsAThousandDigitNumber() throws Exception {
        String thousandDigits = "1" + "0".repeat(299) + "." + "0".repeat(699) + "1";
        assertThat(text(transformer.transform(utf8("{\"features\":[" + thousandDigits + "]}"))))
                .isEqualTo("{\"features\":[1.0E299],\"derivative\":[1.0]}");
    }

    @Test
    void carriesAOneMegabyteStringMemberVerbatim() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        StringBuilder s = new StringBuilder(1 << 20);
        String[] pieces = {"a", "é", "中", "😀", "\\\"", "\\\\", "\\n", "\\u0041", " "};
        while (s.length() < (1 << 20)) {
            s.append(pieces[random.nextInt(pieces.length)]);
        }
        String member = "\"blob\":\"" + s + "\"";
        byte[] out = transformer.transform(utf8("{" + member + ",\"features\":[2]}"));
        assertThat(out).isEqualTo(utf8("{" + member + ",\"features\":[2.0],\"derivative\":[1.0]}"));
    }

    @Test
    void rejectsALongMemberName() {
        assertThatThrownBy(() -> transformer.transform(utf8("{\"" + "n".repeat(60_000) + "\":1,\"features\":[1]}")))
                .hasMessage("value has a member name longer than 50000 characters (parser limit) at offset 60003");
    }

    @Test
    void survivesRandomBytes() {
        SplittableRandom random = new SplittableRandom(42);
        int accepted = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] value = new byte[random.nextInt(64)];
            for (int k = 0; k < value.length; k++) {
                // mostly JSON punctuation and ASCII, so that some inputs get past the first byte
                value[k] = random.nextInt(4) == 0
                        ? (byte) random.nextInt(256)
                        : (byte) JSON_ALPHABET.charAt(random.nextInt(JSON_ALPHABET.length()));
            }
            accepted += checkTransformOrReject(value) ? 1 : 0;
        }
        assertThat(accepted).isLessThan(10_000);
    }

    @Test
    void survivesRandomMutationsOfAValidRecord() {
        SplittableRandom random = new SplittableRandom(4242);
        byte[] valid = utf8(VALID);
        assertThat(checkTransformOrReject(valid)).isTrue();
        int accepted = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] value = mutate(valid, random);
            accepted += checkTransformOrReject(value) ? 1 : 0;
        }
        // some mutations (inside strings, digits) leave a valid record: they must be transformed
        assertThat(accepted).isGreaterThan(100).isLessThan(10_000);
    }

    private static byte[] mutate(byte[] valid, SplittableRandom random) {
        byte[] value = valid.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(value.length);
            switch (random.nextInt(5)) {
                case 0 -> value[at] = (byte) random.nextInt(256);
                case 1 -> value[at] = (byte) JSON_ALPHABET.charAt(random.nextInt(JSON_ALPHABET.length()));
                case 2 -> value = Arrays.copyOf(value, at); // truncate
                case 3 -> { // delete one byte
                    byte[] shorter = new byte[value.length - 1];
                    System.arraycopy(value, 0, shorter, 0, at);
                    System.arraycopy(value, at + 1, shorter, at, value.length - at - 1);
                    value = shorter;
                }
                default -> { // duplicate a slice
                    int len = Math.min(value.length - at, 1 + random.nextInt(12));
                    byte[] longer = new byte[value.length + len];
                    System.arraycopy(value, 0, longer, 0, at + len);
                    System.arraycopy(value, at, longer, at + len, value.length - at);
                    value = longer;
                }
            }
            if (value.length == 0) {
                break;
            }
        }
        return value;
    }

    /** Transforms {@code value}: true if accepted (checking the output is one JSON object), false if rejected. */
    private boolean checkTransformOrReject(byte[] value) {
        byte[] out;
        try {
            out = transformer.transform(value);
        } catch (VectorRejectedException e) {
            assertThat(e.reason()).isNotBlank();
            return false;
        }
        assertThat(isJsonObject(out)).as("output of %s is JSON: %s", text(value), text(out)).isTrue();
        assertThat(isJsonObject(value)).as("accepted input is JSON: %s", text(value)).isTrue();
        return true;
    }
}
