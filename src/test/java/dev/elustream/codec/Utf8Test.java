package dev.elustream.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class Utf8Test {

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "00 7F 41",
        "C2 80", "DF BF",                          // U+0080, U+07FF
        "E0 A0 80", "E1 80 80", "EC BF BF",        // U+0800, U+1000, U+CFFF
        "ED 80 80", "ED 9F BF",                    // U+D000, U+D7FF: just below the surrogates
        "EE 80 80", "EF BF BF",                    // U+E000, U+FFFF
        "F0 90 80 80", "F3 BF BF BF", "F4 8F BF BF", // U+10000, U+FFFFF, U+10FFFF
        "41 42 43 44 45 46 47 48 C3 A9 41 42 43 44 45 46 47 48 49", // multi-byte between ASCII words
    })
    void acceptsWellFormedUtf8(String bytes) {
        assertThatCode(() -> Utf8.check(hex(bytes))).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            80                | invalid byte 0x80 at offset 0 (it cannot start a character)
            41 BF             | invalid byte 0xBF at offset 1 (it cannot start a character)
            C0 AF             | invalid byte 0xC0 at offset 0 (it cannot start a character)
            C1 BF             | invalid byte 0xC1 at offset 0 (it cannot start a character)
            E0 80 AF          | invalid byte 0xE0 at offset 0 (followed by 0x80)
            E0 9F BF          | invalid byte 0xE0 at offset 0 (followed by 0x9F)
            F0 80 80 AF       | invalid byte 0xF0 at offset 0 (followed by 0x80)
            F0 8F BF BF       | invalid byte 0xF0 at offset 0 (followed by 0x8F)
            ED A0 80          | invalid byte 0xED at offset 0 (followed by 0xA0)
            ED BF BF          | invalid byte 0xED at offset 0 (followed by 0xBF)
            F4 90 80 80       | invalid byte 0xF4 at offset 0 (followed by 0x90)
            F5 80 80 80       | invalid byte 0xF5 at offset 0 (it cannot start a character)
            FF                | invalid byte 0xFF at offset 0 (it cannot start a character)
            FE FF 00 41       | invalid byte 0xFE at offset 0 (it cannot start a character)
            C3 28             | invalid byte 0xC3 at offset 0 (followed by 0x28)
            41 E2 82 41       | invalid byte 0xE2 at offset 1 (followed by 0x82 0x41)
            F0 9F 98 20       | invalid byte 0xF0 at offset 0 (followed by 0x9F 0x98 0x20)
            C3                | invalid byte 0xC3 at offset 0 (its 2-byte sequence is cut off by the end of the value)
            41 41 E2 82       | invalid byte 0xE2 at offset 2 (its 3-byte sequence is cut off by the end of the value)
            F0 9F 98          | invalid byte 0xF0 at offset 0 (its 4-byte sequence is cut off by the end of the value)
            41 42 43 44 45 46 47 48 49 4A 4B 4C 4D 4E 4F 50 51 C3 | invalid byte 0xC3 at offset 17 (its 2-byte sequence is cut off by the end of the value)
            """)
    void rejectsMalformedUtf8NamingTheOffsetAndTheByte(String bytes, String reason) {
        assertThatThrownBy(() -> Utf8.check(hex(bytes)))
                .isInstanceOf(VectorRejectedException.class)
                .hasMessage("value is not valid UTF-8: " + reason);
    }

    @Test
    void agreesWithTheJdkDecoderOnRandomBytes() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            byte[] bytes = new byte[random.nextInt(24)];
            for (int k = 0; k < bytes.length; k++) {
                // biased towards lead and continuation bytes so that many sequences are almost right
                bytes[k] = (byte) (random.nextBoolean() ? 0x80 + random.nextInt(0x80) : random.nextInt(256));
            }
            boolean jdk = jdkAccepts(bytes);
            boolean ours;
            try {
                Utf8.check(bytes);
                ours = true;
            } catch (VectorRejectedException e) {
                ours = false;
            }
            assertThat(ours).as("%s", HexFormat.of().formatHex(bytes)).isEqualTo(jdk);
        }
    }

    @Test
    void acceptsEveryCodePoint() throws Exception {
        StringBuilder all = new StringBuilder();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) {
                all.appendCodePoint(cp);
            }
        }
        Utf8.check(all.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static boolean jdkAccepts(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
