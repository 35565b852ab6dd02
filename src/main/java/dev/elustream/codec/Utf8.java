package dev.elustream.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Strict UTF-8 validation (Unicode Table 3-7): no overlong forms, no encoded UTF-16 surrogates, nothing
 * above U+10FFFF, no stray continuation bytes, no sequence cut off by the end of the value.
 */
final class Utf8 {

    /** Reads 8 bytes at once for the ASCII fast path; byte order does not matter for the high-bit test. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {}

    /**
     * Checks that {@code bytes} is well-formed UTF-8.
     *
     * @throws VectorRejectedException naming the offset and the byte where the first malformed sequence starts
     */
    static void check(byte[] bytes) throws VectorRejectedException {
        check(bytes, 0, bytes.length);
    }

    /**
     * Whether {@code bytes[from, to)} is well-formed UTF-8, by the same rules as {@link #check}: for
     * hot paths that only need the answer (protobuf's proto3 strings); the reason is built only for
     * a malformed value.
     */
    static boolean isValid(byte[] bytes, int from, int to) {
        try {
            check(bytes, from, to);
            return true;
        } catch (VectorRejectedException e) {
            return false;
        }
    }

    /**
     * The index after the well-formed multi-byte sequence that starts at {@code start} (a byte with its
     * high bit set) and ends before {@code to}, or -1 if it is malformed: for scanners that pass over
     * strings byte by byte and leave the reason to {@link #check}.
     */
    static int sequenceEnd(byte[] bytes, int start, int to) {
        try {
            return checkSequence(bytes, start, to);
        } catch (VectorRejectedException e) {
            return -1;
        }
    }

    private static void check(byte[] bytes, int from, int to) throws VectorRejectedException {
        int i = from;
        while (i < to) {
            if (i <= to - 8 && ((long) LONGS.get(bytes, i) & HIGH_BITS) == 0) {
                i += 8;
            } else if (bytes[i] >= 0) {
                i++;
            } else {
                i = checkSequence(bytes, i, to);
            }
        }
    }

    /**
     * Checks the multi-byte sequence starting at {@code start}, which must end before {@code to}, and
     * returns the index after it.
     */
    private static int checkSequence(byte[] bytes, int start, int to) throws VectorRejectedException {
        int lead = bytes[start] & 0xFF;
        int length;
        // The range of the second byte is narrower after some lead bytes: that is what excludes
        // overlong forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
        int secondMin = 0x80;
        int secondMax = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead == 0xE0) {
            length = 3;
            secondMin = 0xA0;
        } else if (lead == 0xED) {
            length = 3;
            secondMax = 0x9F;
        } else if (lead >= 0xE1 && lead <= 0xEF) {
            length = 3;
        } else if (lead == 0xF0) {
            length = 4;
            secondMin = 0x90;
        } else if (lead == 0xF4) {
            length = 4;
            secondMax = 0x8F;
        } else if (lead >= 0xF1 && lead <= 0xF3) {
            length = 4;
        } else {
            // 80..BF (a continuation byte with no lead), C0/C1 (always overlong), F5..FF (beyond U+10FFFF)
            throw new VectorRejectedException(
                    RejectKind.INVALID_UTF8, invalidByte(lead, start) + " (it cannot start a character)");
        }
        for (int k = 1; k < length; k++) {
            int at = start + k;
            if (at >= to) {
                throw new VectorRejectedException(RejectKind.INVALID_UTF8,
                        invalidByte(lead, start) + " (its " + length + "-byte sequence is cut off by the end of the value)");
            }
            int b = bytes[at] & 0xFF;
            int min = k == 1 ? secondMin : 0x80;
            int max = k == 1 ? secondMax : 0xBF;
            if (b < min || b > max) {
                StringBuilder followers = new StringBuilder();
                for (int j = start + 1; j <= at; j++) {
                    followers.append(' ').append(hex(bytes[j] & 0xFF));
                }
                throw new VectorRejectedException(
                        RejectKind.INVALID_UTF8, invalidByte(lead, start) + " (followed by" + followers + ")");
            }
        }
        return start + length;
    }

    private static String invalidByte(int b, int offset) {
        return "value is not valid UTF-8: invalid byte " + hex(b) + " at offset " + offset;
    }

    static String hex(int b) {
        return String.format("0x%02X", b);
    }
}
