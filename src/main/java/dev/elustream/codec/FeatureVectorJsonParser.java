package dev.elustream.codec;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import javax.annotation.Nullable;

/**
 * Reads one JSON record value: the numbers of its {@code features} array, and where every top-level
 * member lies in the input bytes (so that the writer can copy them verbatim); or rejects it with the
 * first problem in the order the job documents. Not thread-safe: it reuses its buffers.
 */
final class FeatureVectorJsonParser {

    static final String FEATURES = "features";
    static final String DERIVATIVE = "derivative";
    static final String ALPHA_GRADIENT = "alpha_gradient";

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
     * How many bytes of records that brought new member names a factory's symbol table may have seen
     * before it is replaced by an empty one (see {@link #boundSymbolTable}).
     */
    static final int MAX_NEW_NAME_BYTES = 1 << 20;

    /**
     * A factory for one parser instance. Everything not enabled here is off, as JSON wants it:
     * NaN/Infinity, leading zeros or plus signs, comments, single quotes, unquoted control characters,
     * trailing commas.
     * Duplicate member detection stays off: it costs a hash set per object at every depth, and the two
     * duplicates that matter here ('features', and 'derivative' in mode both) are caught by hand.
     * Names are canonicalized (without it Jackson reads bytes through a Reader and reports no byte
     * offsets) but not interned: they come from untrusted records, and {@link #boundSymbolTable}
     * bounds what the symbol table keeps of them.
     * No maximum document length or token count: the value is already in memory, bounded by the
     * Kafka record size.
     */
    private static NameCountingJsonFactory newJsonFactory() {
        return new NameCountingJsonFactory(new JsonFactoryBuilder()
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
                        .build()));
    }

    /** A JsonFactory that tells how many member names its symbol table holds. */
    static final class NameCountingJsonFactory extends JsonFactory {

        NameCountingJsonFactory(JsonFactoryBuilder builder) {
            super(builder);
        }

        /** Distinct member names in the symbol table the parsers of this factory share. */
        int canonicalNames() {
            return _byteSymbolCanonicalizer.size();
        }
    }

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

    private NameCountingJsonFactory json = newJsonFactory();
    /** Bytes of the records that added names to json's symbol table. */
    private long newNameBytes;

    private double[] features = new double[64];
    private int length;
    /** Elements read that are <= 0 (-0.0 included): those that take the activation's exponential branch. */
    private int nonPositive;
    /** Start and end offset of each top-level member, in input order. */
    private int[] members = new int[32];
    private int memberCount;
    private int featuresMember;
    private boolean hasDerivative;
    private boolean hasAlphaGradient;
    private int problemRank;
    private RejectKind problemKind = RejectKind.INTERNAL;
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
        nonPositive = 0;
        memberCount = 0;
        featuresMember = -1;
        hasDerivative = false;
        hasAlphaGradient = false;
        problemRank = NONE;
        problem = null;

        if (value == null || value.length == 0) {
            throw new VectorRejectedException(
                    RejectKind.EMPTY, "value is empty: expected a JSON object with a 'features' array");
        }
        Utf8.check(value);
        if (value.length >= 3 && (value[0] & 0xFF) == 0xEF && (value[1] & 0xFF) == 0xBB && (value[2] & 0xFF) == 0xBF) {
            throw new VectorRejectedException(
                    RejectKind.BYTE_ORDER_MARK, "value starts with a UTF-8 byte-order mark; JSON values must not have one");
        }
        // Jackson guesses UTF-16/32 from NUL bytes among the first four, and would then read valid
        // UTF-8 as something else. A NUL byte is never valid JSON (raw control characters are not
        // allowed even in strings), so reject it here and keep Jackson on its UTF-8 path.
        for (int i = 0; i < Math.min(4, value.length); i++) {
            if (value[i] == 0) {
                throw new VectorRejectedException(
                        RejectKind.INVALID_JSON, "value is not valid JSON: NUL byte (0x00) at offset " + i);
            }
        }
        int namesBefore = json.canonicalNames();
        try {
            scan(value);
        } finally {
            boundSymbolTable(namesBefore, value.length);
        }
        if (featuresMember < 0) {
            throw new VectorRejectedException(RejectKind.FEATURES_MISSING, "'features' is missing");
        }
        if (problem != null) {
            throw new VectorRejectedException(problemKind, problem);
        }
        if (dimension != 0 && length != dimension) {
            throw new VectorRejectedException(RejectKind.WRONG_DIMENSION,
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

    /** How many of the numbers read are {@code <= 0} ({@code -0.0} included). */
    int nonPositiveCount() {
        return nonPositive;
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

    /** Whether the object has a top-level 'alpha_gradient' member. */
    boolean hasAlphaGradient() {
        return hasAlphaGradient;
    }

    private void scan(byte[] value) throws VectorRejectedException {
        try (JsonParser p = json.createParser(value)) {
            try {
                JsonToken t = p.nextToken();
                if (t == null) {
                    throw new VectorRejectedException(
                            RejectKind.INVALID_JSON, "value is not valid JSON: only whitespace, no JSON value");
                }
                if (t != JsonToken.START_OBJECT) {
                    // Still read it all: a syntax error is reported before the type.
                    p.skipChildren();
                    expectEnd(p);
                    throw new VectorRejectedException(RejectKind.NOT_AN_OBJECT,
                            "value is " + topLevelName(t) + ", expected a JSON object with a 'features' array");
                }
                readMembers(p, value);
                expectEnd(p);
            } catch (StreamConstraintsException e) {
                throw new VectorRejectedException(RejectKind.PARSER_LIMIT, limitReason(e, p.currentLocation()));
            } catch (JsonProcessingException e) {
                throw new VectorRejectedException(
                        RejectKind.INVALID_JSON, syntaxReason(e, p.currentLocation(), value));
            }
        } catch (IOException e) {
            // Only createParser and close can get here, and a byte[] source does no I/O.
            throw new VectorRejectedException(RejectKind.INTERNAL, "value could not be read: " + e);
        } catch (RuntimeException e) {
            // Jackson must not fail on any input; if it does, the record goes to the dead letters
            // with the cause instead of stopping the job.
            throw new VectorRejectedException(RejectKind.INTERNAL,
                    "value could not be parsed: the JSON parser failed with "
                    + truncate(String.valueOf(e), MAX_JACKSON_MESSAGE_LENGTH) + "; please report it");
        }
    }

    /**
     * Jackson keeps each distinct member name it reads in its factory's symbol table, up to 6000
     * names of any length (50,000 characters each here), and a parser copies that table on the first
     * name it adds: records that keep bringing new long names would grow it to hundreds of MB and make
     * each of them cost a copy. Records with the same names (the steady state) add nothing; once the
     * records that did add names reach {@link #MAX_NEW_NAME_BYTES}, start again with an empty table.
     */
    private void boundSymbolTable(int namesBefore, int valueLength) {
        if (json.canonicalNames() != namesBefore) {
            newNameBytes += valueLength;
            if (newNameBytes > MAX_NEW_NAME_BYTES) {
                json = newJsonFactory();
                newNameBytes = 0;
            }
        }
    }

    /** Distinct member names the symbol table holds now (for tests). */
    int canonicalNames() {
        return json.canonicalNames();
    }

    private void readMembers(JsonParser p, byte[] value) throws IOException {
        JsonToken t = p.nextToken();
        while (t == JsonToken.FIELD_NAME) {
            int start = (int) p.currentTokenLocation().getByteOffset();
            String name = p.currentName();
            JsonToken valueToken = p.nextToken();
            if (FEATURES.equals(name)) {
                if (featuresMember >= 0) {
                    report(FEATURES_TWICE, RejectKind.FEATURES_DUPLICATE, "'features' appears twice");
                    p.skipChildren();
                } else {
                    featuresMember = memberCount;
                    readFeatures(p, valueToken);
                }
            } else {
                if (DERIVATIVE.equals(name)) {
                    hasDerivative = true;
                } else if (ALPHA_GRADIENT.equals(name)) {
                    hasAlphaGradient = true;
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
            report(FEATURES_NOT_ARRAY, RejectKind.FEATURES_NOT_AN_ARRAY,
                    "'features' is " + typeName(token) + ", expected an array of numbers");
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
                    report(BAD_ELEMENT, RejectKind.NUMBER_NOT_FINITE,
                            "features[" + n + "] = " + truncate(p.getText(), MAX_QUOTE_LENGTH)
                            + " does not fit a finite double");
                }
                if (n == features.length) {
                    features = Arrays.copyOf(features, (int) Math.min(maxDimension, 2L * n));
                }
                features[n] = d;
                if (d <= 0.0) {
                    nonPositive++;
                }
            } else {
                report(BAD_ELEMENT, RejectKind.ELEMENT_NOT_A_NUMBER,
                        "features[" + n + "] is " + typeName(t) + ", expected a number");
                p.skipChildren();
            }
            n++;
        }
        if (tooLong) {
            report(FEATURES_TOO_LONG, RejectKind.TOO_MANY_ELEMENTS,
                    "'features' has more than " + maxDimension + " elements (max-dimension)");
        } else if (n == 0) {
            report(FEATURES_EMPTY, RejectKind.FEATURES_EMPTY, "'features' is empty");
        }
        length = n;
    }

    private static void expectEnd(JsonParser p) throws IOException, VectorRejectedException {
        if (p.nextToken() != null) {
            throw new VectorRejectedException(RejectKind.INVALID_JSON,
                    "value is not valid JSON: trailing content after the JSON value at offset "
                    + p.currentTokenLocation().getByteOffset());
        }
    }

    /** Keeps the first problem of the lowest rank. */
    private void report(int rank, RejectKind kind, String reason) {
        if (rank < problemRank) {
            problemRank = rank;
            problemKind = kind;
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

    private static String syntaxReason(JsonProcessingException e, JsonLocation current, byte[] value) {
        JsonLocation at = e.getLocation() != null && e.getLocation().getByteOffset() >= 0 ? e.getLocation() : current;
        String message = e.getOriginalMessage();
        if (message.startsWith("Unexpected character") || message.startsWith("Invalid UTF-8")) {
            // Jackson reads a non-ASCII character outside strings byte by byte: it names its first
            // byte as a Latin-1 character, or calls its second an invalid UTF-8 start byte (the value
            // is valid UTF-8, checked before), with an offset past it.
            int nonAscii = firstNonAsciiOutsideStrings(value, at.getByteOffset());
            if (nonAscii >= 0) {
                return "value is not valid JSON: Unexpected character " + describe(value, nonAscii)
                        + ": outside strings JSON allows only ASCII at offset " + nonAscii;
            }
        }
        // EOF messages embed the start marker's location, with a placeholder for the (excluded) source.
        int marker = message.indexOf(" (start marker at ");
        if (marker >= 0) {
            message = message.substring(0, marker);
        }
        return "value is not valid JSON: " + truncate(message, MAX_JACKSON_MESSAGE_LENGTH)
                + " at offset " + at.getByteOffset();
    }

    /**
     * Offset of the first byte of a non-ASCII character outside strings, at or before {@code until},
     * or -1. Only meaningful when the value is valid JSON up to {@code until}, as it is up to where the
     * parser failed: then quotes and backslashes tell where strings are.
     */
    static int firstNonAsciiOutsideStrings(byte[] value, long until) {
        boolean inString = false;
        for (int i = 0; i < value.length && i <= until; i++) {
            byte b = value[i];
            if (inString) {
                if (b == '\\') {
                    i++;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b < 0) {
                return i;
            }
        }
        return -1;
    }

    /** {@code ('é' (U+00E9))} for the character at {@code offset} of valid UTF-8, or {@code (U+00A0)} if invisible. */
    private static String describe(byte[] value, int offset) {
        int end = offset + 1;
        while (end < value.length && (value[end] & 0xC0) == 0x80) {
            end++;
        }
        String text = new String(value, offset, end - offset, StandardCharsets.UTF_8);
        int codePoint = text.codePointAt(0);
        String code = String.format(Locale.ROOT, "U+%04X", codePoint);
        switch (Character.getType(codePoint)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.SPACE_SEPARATOR:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
            case Character.PRIVATE_USE:
            case Character.UNASSIGNED:
                return "(" + code + ")";
            default:
                return "('" + text + "' (" + code + "))";
        }
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
