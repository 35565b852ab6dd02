package dev.elustream.codec;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A JSON Pointer (RFC 6901) into a record value, e.g. {@code /user/embedding} or {@code /vectors/0}:
 * its reference tokens, unescaped ({@code ~1} is {@code /}, {@code ~0} is {@code ~}). A token
 * applies to an object as a member name and to an array as an index, as the RFC says; the record
 * itself is always an object, so a pointer has at least one token.
 */
public final class JsonPointer implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Deeper than any record a pointer is meant for; bounds the parser's recursion per record. */
    public static final int MAX_TOKENS = 100;

    private final String text;
    private final List<String> tokens;

    private JsonPointer(String text, List<String> tokens) {
        this.text = text;
        this.tokens = tokens;
    }

    /**
     * Parses a pointer.
     *
     * @throws IllegalArgumentException naming the pointer and what is wrong with it
     */
    public static JsonPointer parse(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("'' (the empty pointer) names the whole record, which is an object:"
                    + " name an array inside it, e.g. /features");
        }
        if (text.charAt(0) != '/') {
            throw new IllegalArgumentException("'" + text + "' is not a JSON pointer: it must start with '/',"
                    + " e.g. /" + text);
        }
        List<String> tokens = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        for (int i = 1; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '/';
            if (c == '/') {
                tokens.add(token.toString());
                token.setLength(0);
            } else if (c == '~') {
                char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
                if (next == '0') {
                    token.append('~');
                } else if (next == '1') {
                    token.append('/');
                } else {
                    throw new IllegalArgumentException("'" + text + "' has '~' at position " + i + " not followed by"
                            + " 0 or 1: a JSON pointer writes '~' as ~0 and '/' as ~1");
                }
                i++;
            } else {
                token.append(c);
            }
        }
        if (tokens.size() > MAX_TOKENS) {
            throw new IllegalArgumentException("'" + text + "' has " + tokens.size() + " tokens, more than "
                    + MAX_TOKENS);
        }
        return new JsonPointer(text, Collections.unmodifiableList(tokens));
    }

    /** A pointer of one token, the member {@code name} of the record. */
    public static JsonPointer member(String name) {
        return parse("/" + escape(name));
    }

    /** The token written as a pointer writes it ({@code /} as {@code ~1}, {@code ~} as {@code ~0}). */
    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    /** The pointer as written, e.g. {@code /user/embedding}. */
    public String text() {
        return text;
    }

    /** The unescaped tokens, at least one. */
    public List<String> tokens() {
        return tokens;
    }

    /** Whether {@code other} is this pointer or lies inside what it names. */
    boolean isPrefixOf(List<String> other) {
        return other.size() >= tokens.size() && other.subList(0, tokens.size()).equals(tokens);
    }

    /**
     * The index a token names in an array ({@code 0}, or digits without a leading zero), or -1 if it
     * is not one (or too large for any array).
     */
    static int arrayIndex(String token) {
        int n = token.length();
        if (n == 0 || n > 9 || (n > 1 && token.charAt(0) == '0')) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < n; i++) {
            char c = token.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JsonPointer p && p.tokens.equals(tokens);
    }

    @Override
    public int hashCode() {
        return tokens.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
