package dev.elustream.codec;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.util.Arrays;
import javax.annotation.Nullable;

/**
 * Reads one JSON record value: the numbers of its {@code features} array, and where every top-level
 * member lies in the input bytes (so that the writer can copy them verbatim); or rejects it with the
 * first problem in the order the job documents. Not thread-safe: it reuses its buffers.
 */
final class FeatureVectorJsonParser {

    static final String FEATURES = "features";
    static final String DERIVATIVE = "derivative";

    /** Deeper nesting than any sane record member; bounds the parser's context chain per record. */
    static final int MAX_NESTING_DEPTH = 1000;
    /**
     * Room for the exact decimal expansion of any double in exponent form (at most 767 significant
     * digits), while the BigInteger/BigDecimal conversion of the longest number stays cheap.
     */
    static final int MAX_NUMBER_LENGTH = 1000;
    /**
     * String values are copied as raw bytes and never decoded, so this only bounds what Jackson might
     * buffer; it is above any record a broker carries (message.max.bytes is 1 MB by default).
     */
    static final int MAX_STRING_LENGTH = 50_000_000;
    /** Member names are decoded (to find 'features'): bound them, at Jackson's default. */
    static final int MAX_NAME_LENGTH = 50_000;
    /** How much of the input a reason quotes. */
    static final int MAX_QUOTE_LENGTH = 40;

    /**
     * Shared by all instances (a JsonFactory is thread-safe and holds the name canonicalizer).
     * Everything not enabled here is off, as JSON wants it: NaN/Infinity, leading zeros or plus signs,
     * comments, single quotes, unquoted control characters, trailing commas.
     * Duplicate member detection stays off: it costs a hash set per object at every depth, and the two
     * duplicates that matter here ('features', and 'derivative' in mode both) are caught by hand.
     * Names are canonicalized but not interned: they come from untrusted records.
     * No maximum document length or token count: the value is already in memory, bounded by the
     * Kafka record size.
     */
    static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .maxStringLength(MAX_STRING_LENGTH)
                    .maxNameLength(MAX_NAME_LENGTH)
                    .build())
            .errorReportConfiguration(ErrorReportConfiguration.builder()
                    .maxErrorTokenLength(MAX_QUOTE_LENGTH)
                    .maxRawContentLength(0)
                    .build())
            .build();

    // Ranks of the problems found while scanning: the lowest is reported, once the whole value is
    // known to be valid JSON (a syntax error anywhere comes first).
    private static final int NONE = Integer.MAX_VALUE;
    private static final int FEATURES_NOT_ARRAY = 1;
    private static final int FEATURES_EMPTY = 2;
    private static final int FEATURES_TWICE = 3;
    private static final int FEATURES_TOO_LONG = 4;
    private static final int BAD_ELEMENT = 5;

    private static final int MAX_JACKSON_MESSAGE_LENGTH = 200;

    private final int dimension;
    private final int maxDimension;

    private double[] features = new double[64];
    private int length;
    /** Start and end offset of each top-level member, in input order. */
    private int[] members = new int[32];
    private int memberCount;
    private int featuresMember;
    private boolean hasDerivative;
    private int problemRank;
    @Nullable
    private String problem;

    /**
     * @param dimension the required vector length, or 0 for any
     * @param maxDimension the longest vector read, at least 1
     */
    FeatureVectorJsonParser(int dimension, int maxDimension) {
        this.dimension = dimension;
        this.maxDimension = maxDimension;
    }

    /**
     * Reads {@code value}; on return {@link #features()} and the member accessors describe it.
     *
     * @throws VectorRejectedException with the first problem, in the documented order
     */
    void parse(@Nullable byte[] value) throws VectorRejectedException {
        length = 0;
        memberCount = 0;
        featuresMember = -1;
        hasDerivative = false;
        problemRank = NONE;
        problem = null;

        if (value == null || value.length == 0) {
            throw new VectorRejectedException("value is empty: expected a JSON object with a 'features' array");
        }
        Utf8.check(value);
        if (value.length >= 3 && (value[0] & 0xFF) == 0xEF && (value[1] & 0xFF) == 0xBB && (value[2] & 0xFF) == 0xBF) {
            throw new VectorRejectedException("value starts with a UTF-8 byte-order mark; JSON values must not have one");
        }
        // Jackson guesses UTF-16/32 from NUL bytes among the first four, and would then read valid
        // UTF-8 as something else. A NUL byte is never valid JSON (raw control characters are not
        // allowed even in strings), so reject it here and keep Jackson on its UTF-8 path.
        for (int i = 0; i < Math.min(4, value.length); i++) {
            if (value[i] == 0) {
                throw new VectorRejectedException("value is not valid JSON: NUL byte (0x00) at offset " + i);
            }
        }
        scan(value);
        if (featuresMember < 0) {
            throw new VectorRejectedException("'features' is missing");
        }
        if (problem != null) {
            throw new VectorRejectedException(problem);
        }
        if (dimension != 0 && length != dimension) {
            throw new VectorRejectedException(
                    "'features' has " + length + " elements, expected " + dimension + " (dimension)");
        }
    }

    /** The numbers read, in {@code [0, length())}; the caller may overwrite them. */
    double[] features() {
        return features;
    }

    int length() {
        return length;
    }

    int memberCount() {
        return memberCount;
    }

    /** Offset of the opening quote of member {@code i}'s name. */
    int memberStart(int i) {
        return members[2 * i];
    }

    /** Offset just after the last byte of member {@code i}'s value. */
    int memberEnd(int i) {
        return members[2 * i + 1];
    }

    /** Index of the 'features' member. */
    int featuresMember() {
        return featuresMember;
    }

    /** Whether the object has a top-level 'derivative' member. */
    boolean hasDerivative() {
        return hasDerivative;
    }

    private void scan(byte[] value) throws VectorRejectedException {
        try (JsonParser p = JSON.createParser(value)) {
            try {
                JsonToken t = p.nextToken();
                if (t == null) {
                    throw new VectorRejectedException("value is not valid JSON: only whitespace, no JSON value");
                }
                if (t != JsonToken.START_OBJECT) {
                    // Still read it all: a syntax error is reported before the type.
                    p.skipChildren();
                    expectEnd(p);
                    throw new VectorRejectedException(
                            "value is " + topLevelName(t) + ", expected a JSON object with a 'features' array");
                }
                readMembers(p, value);
                expectEnd(p);
            } catch (StreamConstraintsException e) {
                throw new VectorRejectedException(limitReason(e, p.currentLocation()));
            } catch (JsonProcessingException e) {
                throw new VectorRejectedException(syntaxReason(e, p.currentLocation()));
            }
        } catch (IOException e) {
            // Only createParser and close can get here, and a byte[] source does no I/O.
            throw new VectorRejectedException("value could not be read: " + e);
        } catch (RuntimeException e) {
            // Jackson must not fail on any input; if it does, the record goes to the dead letters
            // with the cause instead of stopping the job.
            throw new VectorRejectedException("value could not be parsed: the JSON parser failed with "
                    + truncate(String.valueOf(e), MAX_JACKSON_MESSAGE_LENGTH) + "; please report it");
        }
    }

    private void readMembers(JsonParser p, byte[] value) throws IOException {
        JsonToken t = p.nextToken();
        while (t == JsonToken.FIELD_NAME) {
            int start = (int) p.currentTokenLocation().getByteOffset();
            String name = p.currentName();
            JsonToken valueToken = p.nextToken();
            if (FEATURES.equals(name)) {
                if (featuresMember >= 0) {
                    report(FEATURES_TWICE, "'features' appears twice");
                    p.skipChildren();
                } else {
                    featuresMember = memberCount;
                    readFeatures(p, valueToken);
                }
            } else {
                if (DERIVATIVE.equals(name)) {
                    hasDerivative = true;
                }
                p.skipChildren();
            }
            t = p.nextToken();
            // The member ends where the next token starts, less the whitespace and the comma between.
            addMember(start, trimEnd(value, start, (int) p.currentTokenLocation().getByteOffset()));
        }
        if (t != JsonToken.END_OBJECT) {
            // Jackson reports any other token inside an object as an error itself.
            throw new IllegalStateException("expected a member name or '}' but got " + t);
        }
    }

    private void readFeatures(JsonParser p, JsonToken token) throws IOException {
        if (token != JsonToken.START_ARRAY) {
            report(FEATURES_NOT_ARRAY, "'features' is " + typeName(token) + ", expected an array of numbers");
            p.skipChildren();
            return;
        }
        int n = 0;
        boolean tooLong = false;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IllegalStateException("end of input inside 'features'"); // Jackson reports it first
            }
            if (n == maxDimension) {
                // Not buffered any further; the rest is only checked for syntax.
                tooLong = true;
                p.skipChildren();
                continue;
            }
            if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
                double d = p.getDoubleValue();
                if (d == 0.0 && t == JsonToken.VALUE_NUMBER_INT && p.getTextCharacters()[p.getTextOffset()] == '-') {
                    d = -0.0; // an integer token has no sign of zero: -0 is read as 0
                } else if (!Double.isFinite(d)) {
                    report(BAD_ELEMENT, "features[" + n + "] = " + truncate(p.getText(), MAX_QUOTE_LENGTH)
                            + " does not fit a finite double");
                }
                if (n == features.length) {
                    features = Arrays.copyOf(features, (int) Math.min(maxDimension, 2L * n));
                }
                features[n] = d;
            } else {
                report(BAD_ELEMENT, "features[" + n + "] is " + typeName(t) + ", expected a number");
                p.skipChildren();
            }
            n++;
        }
        if (tooLong) {
            report(FEATURES_TOO_LONG, "'features' has more than " + maxDimension + " elements (max-dimension)");
        } else if (n == 0) {
            report(FEATURES_EMPTY, "'features' is empty");
        }
        length = n;
    }

    private static void expectEnd(JsonParser p) throws IOException, VectorRejectedException {
        if (p.nextToken() != null) {
            throw new VectorRejectedException("value is not valid JSON: trailing content after the JSON value at offset "
                    + p.currentTokenLocation().getByteOffset());
        }
    }

    /** Keeps the first problem of the lowest rank. */
    private void report(int rank, String reason) {
        if (rank < problemRank) {
            problemRank = rank;
            problem = reason;
        }
    }

    private void addMember(int start, int end) {
        if (2 * memberCount + 2 > members.length) {
            members = Arrays.copyOf(members, 2 * members.length);
        }
        members[2 * memberCount] = start;
        members[2 * memberCount + 1] = end;
        memberCount++;
    }

    private static int trimEnd(byte[] value, int start, int next) {
        int end = next;
        while (end > start && isWhitespace(value[end - 1])) {
            end--;
        }
        if (end > start && value[end - 1] == ',') {
            end--;
            while (end > start && isWhitespace(value[end - 1])) {
                end--;
            }
        }
        return end;
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    static String typeName(JsonToken t) {
        switch (t) {
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_STRING:
                return "a string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case VALUE_NULL:
                return "null";
            default:
                return String.valueOf(t);
        }
    }

    private static String topLevelName(JsonToken t) {
        switch (t) {
            case START_ARRAY:
                return "a JSON array";
            case VALUE_STRING:
                return "a JSON string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a JSON number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a JSON boolean";
            case VALUE_NULL:
                return "JSON null";
            default:
                return "a JSON " + t;
        }
    }

    private static String syntaxReason(JsonProcessingException e, JsonLocation current) {
        String message = e.getOriginalMessage();
        // EOF messages embed the start marker's location, with a placeholder for the (excluded) source.
        int marker = message.indexOf(" (start marker at ");
        if (marker >= 0) {
            message = message.substring(0, marker);
        }
        JsonLocation at = e.getLocation() != null && e.getLocation().getByteOffset() >= 0 ? e.getLocation() : current;
        return "value is not valid JSON: " + truncate(message, MAX_JACKSON_MESSAGE_LENGTH)
                + " at offset " + at.getByteOffset();
    }

    private static String limitReason(StreamConstraintsException e, JsonLocation current) {
        // Jackson names the limit only in its message.
        String message = e.getOriginalMessage();
        String what;
        if (message.startsWith("Document nesting depth")) {
            what = "value is nested deeper than " + MAX_NESTING_DEPTH + " levels";
        } else if (message.startsWith("Number value length")) {
            what = "value has a number longer than " + MAX_NUMBER_LENGTH + " characters";
        } else if (message.startsWith("String value length")) {
            what = "value has a string longer than " + MAX_STRING_LENGTH + " characters";
        } else if (message.startsWith("Name length")) {
            what = "value has a member name longer than " + MAX_NAME_LENGTH + " characters";
        } else {
            int from = message.indexOf(", from `");
            what = "value exceeds a JSON parser limit: " + truncate(from >= 0 ? message.substring(0, from) : message,
                    MAX_JACKSON_MESSAGE_LENGTH);
        }
        return what + " (parser limit) at offset " + current.getByteOffset();
    }

    /** {@code text}, or its first {@code max} characters and how long it is. */
    static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "... (" + text.length() + " characters)";
    }
}
