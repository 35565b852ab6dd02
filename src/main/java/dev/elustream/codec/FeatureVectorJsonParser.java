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
import ch.randelshofer.fastdoubleparser.JsonDoubleParser;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.annotation.Nullable;

/**
 * Reads one JSON record value: the numbers of the arrays its pointers select ({@link JsonVectorFields};
 * by default the top-level {@code features}), vectors or batches of rows, and where every member of
 * the objects and arrays on the pointers' paths lies in the input bytes (so that the writer can copy
 * them verbatim); or rejects it with the first problem in the order the job documents. Writes the
 * result too ({@link #write}). Not thread-safe: it reuses its buffers.
 */
final class FeatureVectorJsonParser {

    /** Deeper nesting than any sane record member; bounds the parser's context chain per record. */
    static final int MAX_NESTING_DEPTH = 1000;
    /**
     * Room for the exact decimal expansion of any double in exponent form (at most 767 significant
     * digits), while the BigInteger/BigDecimal conversion of the longest number stays cheap.
     */
    static final int MAX_NUMBER_LENGTH = 1000;
    /**
     * The longest number written back as it came (an integer's ".0" included): what the writer's own
     * form takes at most, so that a copied number is never longer than a formatted one can be, and a
     * 1000-digit input (the exact decimal of a double, say) is written in its shortest form instead.
     */
    static final int MAX_COPIED_TOKEN = DoubleWriter.MAX_LENGTH;
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
    // known to be valid JSON (a syntax error anywhere comes first), and every selected array found
    // (a missing one comes before these).
    private static final int NONE = Integer.MAX_VALUE;
    private static final int NOT_ARRAY = 1;
    private static final int EMPTY = 2;
    private static final int TWICE = 3;
    private static final int TOO_LONG = 4;
    private static final int BAD_ELEMENT = 5;
    private static final int DIMENSION = 6;
    private static final int RAGGED = 7;

    private static final int MAX_JACKSON_MESSAGE_LENGTH = 200;

    // What a node of the pointer tree was found to be in the record at hand.
    private static final int NOT_REACHED = 0;
    private static final int OBJECT = 1;
    private static final int ARRAY = 2;
    private static final int OTHER = 3;

    private final int dimension;
    private final int maxDimension;
    /** The record: the root of the tree of the pointers' tokens. */
    private final Node root;
    /** The selected arrays, in the order of vector-fields. */
    private final Leaf[] leaves;
    /** Every node of the tree, to reset them per record. */
    private final Node[] nodes;

    /** Whether records go through {@link #fastScan} before Jackson. */
    private final boolean fastPath;
    /** Records the fast path read, and those on which it threw (for tests). */
    private long fastRecords;
    private long fastFailures;

    private NameCountingJsonFactory json = newJsonFactory();
    /** Bytes of the records that added names to json's symbol table. */
    private long newNameBytes;

    /** The numbers of all selected arrays, one after the other in document order. */
    private double[] features = new double[64];
    /**
     * Where the token of each positive number is in the record (for the writer to copy): its first
     * byte at [2 i], the index after it at [2 i + 1], bit-complemented for an integer token (one
     * without fraction or exponent, written with ".0"); -1 at [2 i] for a token that would be
     * written longer than {@link #MAX_COPIED_TOKEN}, or one not found.
     */
    private int[] tokens = new int[128];
    /** The derivatives' arrays, written alongside the values (see write). */
    private final OutputBuffer derivativeScratch = new OutputBuffer(1024);
    private int length;
    /** Elements read that are <= 0 (-0.0 included): those that take the activation's exponential branch. */
    private int nonPositive;
    /** Rows of batches read (for the writer's room). */
    private int rows;
    private int problemRank;
    private RejectKind problemKind = RejectKind.INTERNAL;
    @Nullable
    private String problem;

    /**
     * A parser of the default field, {@code /features}, which writes nothing but the activation.
     *
     * @param dimension the required vector length, or 0 for any
     * @param maxDimension the longest vector read, at least 1
     */
    FeatureVectorJsonParser(int dimension, int maxDimension) {
        this(JsonVectorFields.defaults().fields(false, false), dimension, maxDimension);
    }

    /**
     * @param fields the arrays to read, with the names of the members written next to them (checked
     *     for collisions: {@link JsonVectorFields#fields})
     * @param dimension the required vector length, or 0 for any
     * @param maxDimension the longest vector read, at least 1
     */
    FeatureVectorJsonParser(List<JsonVectorFields.Field> fields, int dimension, int maxDimension) {
        this(fields, dimension, maxDimension, true);
    }

    /**
     * @param fastPath whether records go through the byte scanner first ({@link #fastScan}); off only
     *     in tests, which compare the two paths
     */
    FeatureVectorJsonParser(List<JsonVectorFields.Field> fields, int dimension, int maxDimension, boolean fastPath) {
        this.dimension = dimension;
        this.maxDimension = maxDimension;
        List<Node> all = new ArrayList<>();
        this.root = new Node("", -1, null);
        all.add(root);
        this.leaves = new Leaf[fields.size()];
        for (int i = 0; i < leaves.length; i++) {
            JsonVectorFields.Field field = fields.get(i);
            List<String> tokens = field.pointer().tokens();
            Node node = root;
            Node container = root;
            for (int t = 0; t < tokens.size(); t++) {
                node = node.child(tokens.get(t), all);
                if (t == field.anchor() - 1) {
                    container = node;
                }
            }
            Leaf leaf = new Leaf(field, node);
            node.leaf = leaf;
            leaves[i] = leaf;
            Node anchor = container.child(tokens.get(field.anchor()), all);
            anchor.anchored = append(anchor.anchored, leaf);
            for (String name : field.outputs()) {
                leaf.containerSlots = appendInt(leaf.containerSlots, container.reserved.length);
                container.reserved = append(container.reserved, name);
            }
            leaf.container = container;
        }
        boolean encodable = true;
        for (Node n : all) {
            n.present = new boolean[n.reserved.length];
            n.reservedBytes = new byte[n.reserved.length][];
            for (int r = 0; r < n.reserved.length; r++) {
                n.reservedBytes[r] = n.reserved[r].getBytes(StandardCharsets.UTF_8);
                encodable &= roundTrips(n.reserved[r]);
            }
            encodable &= n.token == null || roundTrips(n.token);
        }
        this.nodes = all.toArray(new Node[0]);
        // The scanner compares names as UTF-8 bytes: a name with an unpaired surrogate has none that
        // stand for it, so such a job leaves every record to Jackson, which compares decoded names.
        this.fastPath = fastPath && encodable;
    }

    /** A node of the tree of pointer tokens, and what the record at hand has there. */
    private static final class Node {
        /** The token, null for the record. */
        @Nullable final String token;
        /** The token as an array index, or -1. */
        final int index;
        /** The pointer to this node, e.g. {@code /user}. */
        final String label;
        /** {@code "token":}, how the member is written. */
        final byte[] memberOpen;
        /** The token in UTF-8, as the scanner compares member names. */
        final byte[] tokenBytes;
        Node[] children = new Node[0];
        /** Set when a pointer ends here. */
        @Nullable Leaf leaf;
        /** The names of the members that selected arrays write into this object. */
        String[] reserved = new String[0];
        /** The same in UTF-8. */
        byte[][] reservedBytes = new byte[0][];
        /** Leaves whose members are written right after this node's member, in its parent object. */
        Leaf[] anchored = new Leaf[0];

        // Per record.
        int kind;
        /** What the record has here, when it is neither an object nor an array with a child. */
        @Nullable JsonToken found;
        /** Members (elements) of this object (array): start and end offset of each. */
        int[] spans = new int[32];
        /** For each member (element), the index of the child it holds, or -1. */
        int[] matched = new int[16];
        int count;
        /** Whether the record has a member named reserved[i] here. */
        boolean[] present;

        Node(String label, int index, @Nullable String token) {
            this.token = token;
            this.index = index;
            this.label = label;
            this.memberOpen = token == null ? new byte[0] : memberOpen(token);
            this.tokenBytes = token == null ? new byte[0] : token.getBytes(StandardCharsets.UTF_8);
            this.present = new boolean[0];
        }

        Node child(String token, List<Node> all) {
            for (Node c : children) {
                if (c.token.equals(token)) {
                    return c;
                }
            }
            Node c = new Node(label + "/" + JsonPointer.escape(token), JsonPointer.arrayIndex(token), token);
            children = append(children, c);
            all.add(c);
            return c;
        }

        void reset() {
            kind = NOT_REACHED;
            found = null;
            count = 0;
            Arrays.fill(present, false);
        }

        void add(int start, int end, int child) {
            if (2 * count + 2 > spans.length) {
                spans = Arrays.copyOf(spans, 2 * spans.length);
                matched = Arrays.copyOf(matched, spans.length / 2);
            }
            spans[2 * count] = start;
            spans[2 * count + 1] = end;
            matched[count] = child;
            count++;
        }

        int childNamed(String name) {
            Node[] c = children;
            for (int i = 0; i < c.length; i++) {
                if (c[i].token.equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        int childAt(int index) {
            Node[] c = children;
            for (int i = 0; i < c.length; i++) {
                if (c[i].index == index) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** A selected array: where its outputs go, and what the record at hand has there. */
    static final class Leaf {
        final JsonVectorFields.Field field;
        final Node node;
        /** {@code /features} with today's names: today's reasons. */
        final boolean legacy;
        /** How reasons name the array: {@code 'features'}, {@code /user/embedding}. */
        final String label;
        /** How reasons name its elements, before the index: {@code features}, {@code /user/embedding}. */
        final String elements;
        /** {@code ,"name":} of each output, null where the job writes none. */
        @Nullable final byte[] derivativeOpen;
        @Nullable final byte[] alphaGradientOpen;
        @Nullable final byte[] inputOpen;
        Node container;
        /** For each output, its index in the container's reserved names. */
        int[] containerSlots = new int[0];

        // Per record.
        boolean reached;
        /** Where its numbers start in features(), and how many. */
        int offset;
        int count;
        /** Rows of a batch, or -1 for a vector. */
        int rows;
        int rowLength;
        /** Offsets of its '[' and just after its ']'. */
        int start;
        int end;
        /**
         * Where its derivatives' array is in the scratch buffer, written with its values: always before
         * the outputs are, since its anchor is its own node or one that contains it.
         */
        int derivativeFrom;
        int derivativeTo;

        Leaf(JsonVectorFields.Field field, Node node) {
            this.field = field;
            this.node = node;
            this.legacy = field.pointer().tokens().equals(List.of(JsonVectorFields.LEGACY_MEMBER));
            this.label = legacy ? "'" + JsonVectorFields.LEGACY_MEMBER + "'" : field.pointer().text();
            this.elements = legacy ? JsonVectorFields.LEGACY_MEMBER : field.pointer().text();
            this.derivativeOpen = field.derivative() == null ? null : nextMemberOpen(field.derivative());
            this.alphaGradientOpen = field.alphaGradient() == null ? null : nextMemberOpen(field.alphaGradient());
            this.inputOpen = field.input() == null ? null : nextMemberOpen(field.input());
        }

        /** How a reason names element k of this array, e.g. {@code features[3]}, {@code /batch[1][2]}. */
        String element(int k) {
            return rows < 0 ? elements + "[" + k + "]" : elements + "[" + k / rowLength + "][" + k % rowLength + "]";
        }
    }

    /**
     * Reads {@code value}; on return {@link #features()} and the layout accessors describe it.
     *
     * @throws VectorRejectedException with the first problem, in the documented order
     */
    void parse(@Nullable byte[] value) throws VectorRejectedException {
        resetRecord();

        if (value == null || value.length == 0) {
            throw new VectorRejectedException(
                    RejectKind.EMPTY, "value is empty: expected a JSON object with a 'features' array");
        }
        if (fastPath) {
            // The scanner reads only well-formed UTF-8 (bytes above ASCII only in strings, each sequence
            // checked there), so what it reads needs no check of the whole value first; what it does not
            // read gets every check below, in their order.
            boolean read;
            try {
                read = fastScan(value);
            } catch (RuntimeException e) {
                // A bug of the scanner must not cost the record: Jackson reads it. Tests keep this at 0.
                fastFailures++;
                read = false;
            }
            if (read) {
                fastRecords++;
                return;
            }
            resetRecord();
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
        for (Leaf leaf : leaves) {
            if (!leaf.reached) {
                throw new VectorRejectedException(RejectKind.FEATURES_MISSING, missing(leaf));
            }
        }
        if (problem != null) {
            throw new VectorRejectedException(problemKind, problem);
        }
    }

    private void resetRecord() {
        length = 0;
        nonPositive = 0;
        rows = 0;
        for (Node n : nodes) {
            n.reset();
        }
        for (Leaf l : leaves) {
            l.reached = false;
        }
        problemRank = NONE;
        problem = null;
    }

    /** Records the fast path read, of all parsed (for tests that must know which path ran). */
    long fastRecords() {
        return fastRecords;
    }

    /** Records on which the fast path threw, a bug (for tests, which require 0). */
    long fastFailures() {
        return fastFailures;
    }

    private static boolean roundTrips(String name) {
        return new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(name);
    }

    /**
     * Rejects a record that already has a member the job writes (as the first in the order of
     * vector-fields and of the outputs).
     */
    void checkOutputsAbsent() throws VectorRejectedException {
        for (Leaf leaf : leaves) {
            for (int i = 0; i < leaf.containerSlots.length; i++) {
                if (leaf.container.present[leaf.containerSlots[i]]) {
                    throw new VectorRejectedException(RejectKind.MEMBER_CONFLICT,
                            conflict(leaf, leaf.field.outputs().get(i)));
                }
            }
        }
    }

    private static String conflict(Leaf leaf, String name) {
        if (leaf.container == null || leaf.container.token == null) {
            if (name.equals(JsonVectorFields.LEGACY_DERIVATIVE) && name.equals(leaf.field.derivative())) {
                return "value already has a 'derivative' member, which this job writes"
                        + " (mode both): remove it or use mode activation";
            }
            if (name.equals(JsonVectorFields.LEGACY_ALPHA_GRADIENT) && name.equals(leaf.field.alphaGradient())) {
                return "value already has an 'alpha_gradient' member, which this job writes"
                        + " (alpha-gradient true): remove it or set alpha-gradient false";
            }
        }
        String member = leaf.container.label + "/" + JsonPointer.escape(name);
        String key;
        String what;
        if (name.equals(leaf.field.derivative())) {
            what = "the derivative of " + leaf.field.pointer().text() + ", mode both";
            key = JsonVectorFields.KEY_DERIVATIVE_NAME + " or use mode activation";
        } else if (name.equals(leaf.field.alphaGradient())) {
            what = "the alpha gradient of " + leaf.field.pointer().text() + ", alpha-gradient true";
            key = JsonVectorFields.KEY_ALPHA_GRADIENT_NAME + " or set alpha-gradient false";
        } else {
            what = "the input of " + leaf.field.pointer().text();
            key = JsonVectorFields.KEY_INPUT_NAME;
        }
        return "value already has a member " + member + ", which this job writes (" + what
                + "): remove it, or choose another name with " + key;
    }

    /** Why a selected array was not found, naming the first step of its pointer that is not there. */
    private String missing(Leaf leaf) {
        if (leaf.legacy) {
            return "'features' is missing";
        }
        Node node = root;
        for (String token : leaf.field.pointer().tokens()) {
            Node next = node.children[node.childNamed(token)];
            if (next.kind == NOT_REACHED) {
                String what = leaf.field.pointer().text() + " is missing";
                if (node == root || node.kind == OBJECT) {
                    return what + (node == root ? "" : " (" + node.label + " has no member '" + token + "')");
                }
                if (node.kind == ARRAY) {
                    return what + (next.index < 0
                            ? " (" + node.label + " is an array, and '" + token + "' is not an array index)"
                            : " (" + node.label + " has " + node.count + " elements)");
                }
                return what + " (" + node.label + " is " + typeName(node.found) + ")";
            }
            node = next;
        }
        throw new IllegalStateException("a leaf not reached whose nodes all are: " + leaf.field.pointer());
    }

    /** The numbers read, in {@code [0, length())}, selected arrays in document order; the caller may overwrite them. */
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

    /** Rows of the batches read. */
    int rows() {
        return rows;
    }

    /** The selected arrays, in the order of vector-fields. */
    Leaf[] leaves() {
        return leaves;
    }

    /** Bytes the writer adds to a record beyond its own, the numbers, their separators and the row brackets. */
    int fixedOverhead() {
        int n = 16;
        for (Node node : nodes) {
            n += node.memberOpen.length + 2;
        }
        for (Leaf leaf : leaves) {
            n += (leaf.derivativeOpen == null ? 0 : leaf.derivativeOpen.length + 4)
                    + (leaf.alphaGradientOpen == null ? 0 : leaf.alphaGradientOpen.length + 4)
                    + (leaf.inputOpen == null ? 0 : leaf.inputOpen.length);
        }
        return n;
    }

    /** Bytes of the input arrays the writer copies (input-name), for the last record parsed. */
    int inputCopyBytes() {
        int n = 0;
        for (Leaf leaf : leaves) {
            if (leaf.inputOpen != null) {
                n += leaf.end - leaf.start;
            }
        }
        return n;
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
                root.kind = OBJECT;
                readObject(p, root, value);
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

    // The fast path: a scanner over the record's bytes for the records that need no reason. It fills
    // the same tree, spans and numbers as the Jackson scan, and gives up (NO) at the first thing that
    // is not plain valid JSON with every selected array where it should be: a syntax error, a limit,
    // an escaped name where names matter, a missing, empty, ragged, too long or duplicated array, an
    // element that is not a finite number. Jackson then reads the record again from the start and
    // says why (or, for what is valid after all, reads it the same way). What the scanner accepts is
    // a subset of what Jackson accepts, and for it both give the same result: the differential tests
    // (FeatureVectorJsonParserFastPathTest) hold them to that.

    /** The scanner's answer for anything it leaves to Jackson. */
    private static final int NO = -1;
    /** {@link #matchName}'s answer for an escaped name in an object whose names matter. */
    private static final int ESCAPED = -2;
    /** Nesting the scanner follows (Jackson allows {@link #MAX_NESTING_DEPTH}): keeps its recursion shallow. */
    private static final int FAST_MAX_DEPTH = 128;
    /** Mantissas up to 2^53 and powers of ten up to 10^22 are exact doubles: Clinger's fast path. */
    private static final long MAX_EXACT_MANTISSA = 1L << 53;
    private static final int MAX_EXACT_POWER = 22;
    private static final double[] EXACT_POWERS_OF_TEN = new double[MAX_EXACT_POWER + 1];
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    /** 10^count, by which the digits read so far move up for count more. */
    private static final long[] FRACTION_SCALE = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000};
    private static final long ASCII_ZEROS = DoubleWriter.ASCII_ZEROS;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        double p = 1.0;
        for (int i = 0; i <= MAX_EXACT_POWER; i++) {
            EXACT_POWERS_OF_TEN[i] = p;
            p *= 10.0;
        }
    }

    /** Whether the last string {@link #skipString} read had an escape. */
    private boolean escaped;

    /** Reads the record if it needs no reason; false leaves it (and a partly filled tree) to Jackson. */
    private boolean fastScan(byte[] v) {
        if (v.length > MAX_STRING_LENGTH) {
            return false;
        }
        int i = skipWhitespace(v, 0);
        if (i >= v.length || v[i] != '{') {
            return false;
        }
        root.kind = OBJECT;
        i = fastObject(v, i, root, 1);
        if (i < 0 || skipWhitespace(v, i) != v.length) {
            return false;
        }
        for (Leaf leaf : leaves) {
            if (!leaf.reached) {
                return false;
            }
        }
        return true;
    }

    private static int skipWhitespace(byte[] v, int from) {
        // Most JSON has no whitespace between tokens: one test, short enough to inline everywhere.
        return from < v.length && v[from] > ' ' ? from : skipSomeWhitespace(v, from);
    }

    private static int skipSomeWhitespace(byte[] v, int from) {
        int i = from;
        while (i < v.length) {
            byte b = v[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return i;
            }
            i++;
        }
        return i;
    }

    /** An object on a pointer's path, from its '{': returns the index after its '}', or NO. */
    private int fastObject(byte[] v, int open, Node node, int depth) {
        if (depth > FAST_MAX_DEPTH) {
            return NO;
        }
        int i = skipWhitespace(v, open + 1);
        if (i < v.length && v[i] == '}') {
            return i + 1;
        }
        while (true) {
            int start = i;
            int nameEnd = skipString(v, i);
            if (nameEnd < 0 || nameEnd - start - 2 > MAX_NAME_LENGTH) {
                return NO;
            }
            i = skipWhitespace(v, nameEnd);
            if (i >= v.length || v[i] != ':') {
                return NO;
            }
            i = skipWhitespace(v, i + 1);
            int c = matchName(node, v, start + 1, nameEnd - 1);
            if (c >= 0) {
                Node child = node.children[c];
                if (child.kind != NOT_REACHED) {
                    return NO;
                }
                i = fastValue(v, i, child, depth);
            } else if (c == ESCAPED) {
                return NO;
            } else {
                i = skipValue(v, i, depth);
            }
            if (i < 0) {
                return NO;
            }
            node.add(start, i, c);
            i = skipWhitespace(v, i);
            if (i >= v.length) {
                return NO;
            }
            if (v[i] == '}') {
                return i + 1;
            }
            if (v[i] != ',') {
                return NO;
            }
            i = skipWhitespace(v, i + 1);
        }
    }

    /**
     * The child of {@code node} whose token is the name in {@code v[from, to)}, or -1 (marking a
     * reserved name present), or ESCAPED if the name has an escape and names matter here.
     */
    private int matchName(Node node, byte[] v, int from, int to) {
        Node[] children = node.children;
        byte[][] reserved = node.reservedBytes;
        if (children.length == 0 && reserved.length == 0) {
            return -1;
        }
        if (escaped) {
            return ESCAPED;
        }
        int n = to - from;
        for (int c = 0; c < children.length; c++) {
            byte[] t = children[c].tokenBytes;
            if (t.length == n && Arrays.equals(t, 0, n, v, from, to)) {
                return c;
            }
        }
        for (int r = 0; r < reserved.length; r++) {
            byte[] t = reserved[r];
            if (t.length == n && Arrays.equals(t, 0, n, v, from, to)) {
                node.present[r] = true;
            }
        }
        return -1;
    }

    /** An array on a pointer's path, from its '[': returns the index after its ']', or NO. */
    private int fastArray(byte[] v, int open, Node node, int depth) {
        if (depth > FAST_MAX_DEPTH) {
            return NO;
        }
        int i = skipWhitespace(v, open + 1);
        if (i < v.length && v[i] == ']') {
            return i + 1;
        }
        for (int index = 0; ; index++) {
            int start = i;
            int c = node.childAt(index);
            i = c >= 0 ? fastValue(v, i, node.children[c], depth) : skipValue(v, i, depth);
            if (i < 0) {
                return NO;
            }
            node.add(start, i, c);
            i = skipWhitespace(v, i);
            if (i >= v.length) {
                return NO;
            }
            if (v[i] == ']') {
                return i + 1;
            }
            if (v[i] != ',') {
                return NO;
            }
            i = skipWhitespace(v, i + 1);
        }
    }

    /** The value at a node of the tree: returns the index after it, or NO. */
    private int fastValue(byte[] v, int i, Node node, int depth) {
        if (i >= v.length) {
            return NO;
        }
        if (node.leaf != null) {
            node.kind = OTHER;
            return fastLeaf(v, i, node.leaf);
        }
        byte b = v[i];
        if (b == '{') {
            node.kind = OBJECT;
            return fastObject(v, i, node, depth + 1);
        }
        if (b == '[') {
            node.kind = ARRAY;
            return fastArray(v, i, node, depth + 1);
        }
        // A scalar where the pointer goes on: the arrays below are missing, which Jackson reports.
        return NO;
    }

    /** A selected array, a vector or a batch, from its '[': returns the index after its ']', or NO. */
    private int fastLeaf(byte[] v, int open, Leaf leaf) {
        leaf.reached = true;
        leaf.start = open;
        leaf.offset = length;
        leaf.count = 0;
        leaf.rows = -1;
        if (v[open] != '[') {
            return NO;
        }
        int i = skipWhitespace(v, open + 1);
        if (i >= v.length) {
            return NO;
        }
        int end;
        if (v[i] == '[') {
            end = fastBatch(v, i, leaf);
        } else {
            end = fastNumbers(v, i);
            int n = length - leaf.offset;
            if (n == 0 || dimension != 0 && n != dimension) {
                return NO;
            }
            leaf.rowLength = n;
        }
        if (end < 0) {
            return NO;
        }
        leaf.count = length - leaf.offset;
        leaf.end = end;
        return end;
    }

    /** The rows of a batch, from the first row's '[': returns the index after the batch's ']', or NO. */
    private int fastBatch(byte[] v, int first, Leaf leaf) {
        int i = first;
        int r = 0;
        int rowLength = -1;
        while (true) {
            if (v[i] != '[') {
                return NO;
            }
            int before = length;
            i = fastNumbers(v, skipWhitespace(v, i + 1));
            if (i < 0) {
                return NO;
            }
            int n = length - before;
            if (n == 0 || dimension != 0 && n != dimension || rowLength >= 0 && n != rowLength) {
                return NO;
            }
            rowLength = n;
            r++;
            i = skipWhitespace(v, i);
            if (i >= v.length) {
                return NO;
            }
            if (v[i] == ']') {
                break;
            }
            if (v[i] != ',') {
                return NO;
            }
            i = skipWhitespace(v, i + 1);
            if (i >= v.length) {
                return NO;
            }
        }
        leaf.rows = r;
        leaf.rowLength = rowLength;
        rows += r;
        return i + 1;
    }

    /**
     * Numbers up to their array's ']', from the first element (or the ']'), into features(): returns
     * the index after the ']', or NO (also for more than max-dimension of them).
     */
    private int fastNumbers(byte[] v, int from) {
        int i = from;
        if (i >= v.length) {
            return NO;
        }
        if (v[i] == ']') {
            return i + 1;
        }
        int limit = length + maxDimension;
        while (true) {
            if (length == limit) {
                return NO;
            }
            i = fastNumber(v, i);
            if (i < 0) {
                return NO;
            }
            i = skipWhitespace(v, i);
            if (i >= v.length) {
                return NO;
            }
            if (v[i] == ']') {
                return i + 1;
            }
            if (v[i] != ',') {
                return NO;
            }
            i = skipWhitespace(v, i + 1);
        }
    }

    /**
     * A JSON number from {@code start}, read as the correctly rounded double and appended to
     * features(): returns the index after it, or NO (not a number, not finite, too long). Short
     * mantissas with small exponents (six decimals, say) take Clinger's fast path, one exact IEEE
     * division or multiplication; other mantissas of up to 19 digits (17-digit doubles) Eisel-Lemire
     * ({@link DecimalToDouble}); the rest, and what Eisel-Lemire cannot decide, FastDoubleParser, from
     * the bytes.
     */
    private int fastNumber(byte[] v, int start) {
        int n = v.length;
        int i = start;
        if (i >= n) {
            return NO;
        }
        // The sign without a branch: producers' signs are as good as random, and a mispredicted jump
        // costs more than the rest of a short number.
        int minus = (((v[i] & 0xFF) ^ '-') - 1) >>> 31;
        i += minus;
        if (i >= n) {
            return NO;
        }
        long m = 0;
        int b = v[i];
        int digitsFrom = i;
        if (b == '0') {
            i++;
        } else if (b >= '1' && b <= '9') {
            do {
                m = 10 * m + (b - '0');
                i++;
            } while (i < n && (b = v[i]) >= '0' && b <= '9');
        } else {
            return NO;
        }
        int exponent = 0;
        boolean integer = true;
        if (i < n && v[i] == '.') {
            integer = false;
            i++;
            int fractionFrom = i;
            // The fraction eight bytes at a time: whole chunks of digits, then the digits that begin the
            // last chunk, without a loop over them (a 17-digit double's fraction has 15 or 16 digits).
            while (i + 8 <= n) {
                long chunk = (long) LONGS.get(v, i);
                int count = leadingDigits(chunk);
                if (count == 8) {
                    m = m * 100_000_000L + eightDigitsValue(chunk);
                    i += 8;
                    continue;
                }
                if (count > 0) {
                    // The count digits as the last of eight, zeros before them.
                    m = m * FRACTION_SCALE[count] + eightDigitsValue(
                            chunk << (8 * (8 - count)) | ASCII_ZEROS >>> (8 * count));
                    i += count;
                }
                break;
            }
            while (i < n && (b = v[i]) >= '0' && b <= '9') {
                m = 10 * m + (b - '0');
                i++;
            }
            if (i == fractionFrom) {
                return NO;
            }
            exponent = fractionFrom - i;
        }
        // Digits read into m (leading zeros included, which only makes the test stricter): at most 19
        // are below 2^64, so m holds them exactly as an unsigned long.
        int digits = i - digitsFrom - (exponent < 0 ? 1 : 0);
        if (i < n && (v[i] == 'e' || v[i] == 'E')) {
            integer = false;
            i++;
            boolean negativeExponent = false;
            if (i < n && (v[i] == '+' || v[i] == '-')) {
                negativeExponent = v[i] == '-';
                i++;
            }
            int exponentFrom = i;
            int e = 0;
            while (i < n && (b = v[i]) >= '0' && b <= '9') {
                if (e < 100_000) {
                    e = 10 * e + (b - '0');
                }
                i++;
            }
            if (i == exponentFrom) {
                return NO;
            }
            exponent += negativeExponent ? -e : e;
        }
        if (i - start > MAX_NUMBER_LENGTH) {
            return NO;
        }
        double d = Double.NaN;
        if (digits <= 19) {
            if (m >= 0 && m <= MAX_EXACT_MANTISSA && exponent >= -MAX_EXACT_POWER && exponent <= MAX_EXACT_POWER) {
                d = exponent < 0 ? m / EXACT_POWERS_OF_TEN[-exponent] : m * EXACT_POWERS_OF_TEN[exponent];
                d = Double.longBitsToDouble(Double.doubleToRawLongBits(d) | (long) minus << 63);
            } else {
                d = DecimalToDouble.toDouble(m, exponent, minus != 0);
            }
        }
        if (Double.isNaN(d)) {
            try {
                d = JsonDoubleParser.parseDouble(v, start, i - start);
            } catch (NumberFormatException e) {
                return NO; // cannot happen for what was scanned above; Jackson says what it is
            }
            if (!Double.isFinite(d)) {
                return NO;
            }
        }
        if (length == features.length) {
            features = Arrays.copyOf(features, 2 * length);
            tokens = Arrays.copyOf(tokens, 2 * features.length);
        }
        tokens[2 * length] = i - start + (integer ? 2 : 0) <= MAX_COPIED_TOKEN ? start : -1;
        tokens[2 * length + 1] = integer ? ~i : i;
        features[length++] = d;
        // d <= 0 (d is not NaN here) without a branch: the sign bit, or +0.0's bits.
        long bits = Double.doubleToRawLongBits(d);
        nonPositive += (int) ((bits - 1 | bits) >>> 63);
        return i;
    }

    /** How many of the bytes of {@code chunk} (read little-endian), from its first, are ASCII digits. */
    static int leadingDigits(long chunk) {
        return Long.numberOfTrailingZeros(notDigits(chunk)) >>> 3;
    }

    /** Whether all eight bytes of {@code chunk} (read little-endian) are ASCII digits. */
    static boolean isEightDigits(long chunk) {
        return notDigits(chunk) == 0;
    }

    /**
     * The high bit of each byte of {@code chunk} that is not an ASCII digit (above '9': + 0x46 reaches
     * 0x80; below '0': - 0x30 borrows), exact up to the first such byte: a digit below it neither
     * carries nor borrows.
     */
    private static long notDigits(long chunk) {
        return (chunk + 0x4646_4646_4646_4646L | chunk - ASCII_ZEROS) & 0x8080_8080_8080_8080L;
    }

    /**
     * The value of eight ASCII digits read little-endian (the first digit in the lowest byte): pairs,
     * then fours, then the eight, each step one multiplication over all the groups (as simdjson and
     * FastDoubleParser do).
     */
    static int eightDigitsValue(long chunk) {
        long val = chunk - ASCII_ZEROS;
        val = val * 10 + (val >>> 8);
        val = ((val & 0x0000_00FF_0000_00FFL) * (100 + (1_000_000L << 32))
                + ((val >>> 16) & 0x0000_00FF_0000_00FFL) * (1 + (10_000L << 32))) >>> 32;
        return (int) val;
    }

    /** A value no pointer selects, from its first byte: returns the index after it, or NO. */
    private int skipValue(byte[] v, int i, int depth) {
        if (i >= v.length) {
            return NO;
        }
        switch (v[i]) {
            case '"':
                return skipString(v, i);
            case '{':
                return skipObject(v, i, depth + 1);
            case '[':
                return skipArray(v, i, depth + 1);
            case 't':
                return skipLiteral(v, i, TRUE);
            case 'f':
                return skipLiteral(v, i, FALSE);
            case 'n':
                return skipLiteral(v, i, NULL);
            default:
                return skipNumber(v, i);
        }
    }

    private int skipObject(byte[] v, int open, int depth) {
        if (depth > FAST_MAX_DEPTH) {
            return NO;
        }
        int i = skipWhitespace(v, open + 1);
        if (i < v.length && v[i] == '}') {
            return i + 1;
        }
        while (true) {
            int nameStart = i;
            i = skipString(v, i);
            if (i < 0 || i - nameStart - 2 > MAX_NAME_LENGTH) {
                return NO;
            }
            i = skipWhitespace(v, i);
            if (i >= v.length || v[i] != ':') {
                return NO;
            }
            i = skipValue(v, skipWhitespace(v, i + 1), depth);
            if (i < 0) {
                return NO;
            }
            i = skipWhitespace(v, i);
            if (i >= v.length) {
                return NO;
            }
            if (v[i] == '}') {
                return i + 1;
            }
            if (v[i] != ',') {
                return NO;
            }
            i = skipWhitespace(v, i + 1);
        }
    }

    private int skipArray(byte[] v, int open, int depth) {
        if (depth > FAST_MAX_DEPTH) {
            return NO;
        }
        int i = skipWhitespace(v, open + 1);
        if (i < v.length && v[i] == ']') {
            return i + 1;
        }
        while (true) {
            i = skipValue(v, i, depth);
            if (i < 0) {
                return NO;
            }
            i = skipWhitespace(v, i);
            if (i >= v.length) {
                return NO;
            }
            if (v[i] == ']') {
                return i + 1;
            }
            if (v[i] != ',') {
                return NO;
            }
            i = skipWhitespace(v, i + 1);
        }
    }

    /**
     * A string from its opening quote: returns the index after the closing one, or NO (a raw control
     * character, an escape JSON does not have, the end of the value); sets {@link #escaped}. The value
     * is valid UTF-8 (checked before), so bytes above 0x7F are characters as they are.
     */
    private int skipString(byte[] v, int open) {
        int n = v.length;
        if (open >= n || v[open] != '"') {
            return NO;
        }
        escaped = false;
        int i = open + 1;
        while (i < n) {
            byte b = v[i];
            if (b == '"') {
                return i + 1;
            }
            if (b == '\\') {
                escaped = true;
                i = skipEscape(v, i);
                if (i < 0) {
                    return NO;
                }
            } else if (b < 0) {
                // Not ASCII: the whole value's UTF-8 is checked only when the scanner gives up, so here.
                i = Utf8.sequenceEnd(v, i, n);
                if (i < 0) {
                    return NO;
                }
            } else if (b < 0x20) {
                return NO;
            } else {
                i++;
            }
        }
        return NO;
    }

    /**
     * An escape from its backslash: returns the index after it, or NO. Escaped surrogates are left to
     * Jackson too: they are rare, and whether they pair is its business.
     */
    private static int skipEscape(byte[] v, int backslash) {
        int i = backslash + 1;
        if (i >= v.length) {
            return NO;
        }
        switch (v[i]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                return i + 1;
            case 'u':
                if (i + 4 >= v.length) {
                    return NO;
                }
                int c = 0;
                for (int k = 1; k <= 4; k++) {
                    int h = Character.digit(v[i + k], 16);
                    if (h < 0) {
                        return NO;
                    }
                    c = c << 4 | h;
                }
                return c >= 0xD800 && c <= 0xDFFF ? NO : i + 5;
            default:
                return NO;
        }
    }

    private static int skipLiteral(byte[] v, int i, byte[] literal) {
        int end = i + literal.length;
        return end <= v.length && Arrays.equals(literal, 0, literal.length, v, i, end) ? end : NO;
    }

    /** A number no pointer selects, for its syntax only: returns the index after it, or NO. */
    private static int skipNumber(byte[] v, int start) {
        int n = v.length;
        int i = start;
        if (v[i] == '-') {
            i++;
        }
        if (i >= n) {
            return NO;
        }
        if (v[i] == '0') {
            i++;
        } else if (v[i] >= '1' && v[i] <= '9') {
            i = skipDigits(v, i + 1);
        } else {
            return NO;
        }
        if (i < n && v[i] == '.') {
            int from = i + 1;
            i = skipDigits(v, from);
            if (i == from) {
                return NO;
            }
        }
        if (i < n && (v[i] == 'e' || v[i] == 'E')) {
            i++;
            if (i < n && (v[i] == '+' || v[i] == '-')) {
                i++;
            }
            int from = i;
            i = skipDigits(v, from);
            if (i == from) {
                return NO;
            }
        }
        return i - start > MAX_NUMBER_LENGTH ? NO : i;
    }

    private static int skipDigits(byte[] v, int from) {
        int i = from;
        while (i < v.length && v[i] >= '0' && v[i] <= '9') {
            i++;
        }
        return i;
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

    /** Reads the members of an object on a pointer's path; the parser is on its START_OBJECT. */
    private void readObject(JsonParser p, Node node, byte[] value) throws IOException {
        JsonToken t = p.nextToken();
        String[] reserved = node.reserved;
        while (t == JsonToken.FIELD_NAME) {
            int start = (int) p.currentTokenLocation().getByteOffset();
            String name = p.currentName();
            JsonToken valueToken = p.nextToken();
            int c = node.childNamed(name);
            if (c >= 0) {
                Node child = node.children[c];
                if (child.kind != NOT_REACHED) {
                    report(TWICE, RejectKind.FEATURES_DUPLICATE,
                            (child.leaf != null ? child.leaf.label : child.label) + " appears twice");
                    p.skipChildren();
                    c = -1;
                } else {
                    readValue(p, child, valueToken, value);
                }
            } else {
                for (int i = 0; i < reserved.length; i++) {
                    if (reserved[i].equals(name)) {
                        node.present[i] = true;
                    }
                }
                p.skipChildren();
            }
            t = p.nextToken();
            // The member ends where the next token starts, less the whitespace and the comma between.
            node.add(start, trimEnd(value, start, (int) p.currentTokenLocation().getByteOffset()), c);
        }
        if (t != JsonToken.END_OBJECT) {
            // Jackson reports any other token inside an object as an error itself.
            throw new IllegalStateException("expected a member name or '}' but got " + t);
        }
    }

    /** Reads the elements of an array on a pointer's path; the parser is on its START_ARRAY. */
    private void readArray(JsonParser p, Node node, byte[] value) throws IOException {
        JsonToken t = p.nextToken();
        int i = 0;
        while (t != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IllegalStateException("end of input inside " + node.label); // Jackson reports it first
            }
            int start = (int) p.currentTokenLocation().getByteOffset();
            int c = node.childAt(i);
            if (c >= 0) {
                readValue(p, node.children[c], t, value);
            } else {
                p.skipChildren();
            }
            t = p.nextToken();
            node.add(start, trimEnd(value, start, (int) p.currentTokenLocation().getByteOffset()), c);
            i++;
        }
    }

    /** Reads the value at a node of the tree; the parser is on its first token. */
    private void readValue(JsonParser p, Node node, JsonToken t, byte[] value) throws IOException {
        if (node.leaf != null) {
            node.kind = OTHER;
            readLeaf(p, node.leaf, t, value);
        } else if (t == JsonToken.START_OBJECT) {
            node.kind = OBJECT;
            readObject(p, node, value);
        } else if (t == JsonToken.START_ARRAY) {
            node.kind = ARRAY;
            readArray(p, node, value);
        } else {
            node.kind = OTHER;
            node.found = t;
            p.skipChildren();
        }
    }

    /** Reads a selected array, a vector or a batch; the parser is on its first token. */
    private void readLeaf(JsonParser p, Leaf leaf, JsonToken token, byte[] value) throws IOException {
        leaf.reached = true;
        // Only a kept input needs the array's offsets (each location is an object).
        boolean keep = leaf.inputOpen != null;
        leaf.start = keep ? (int) p.currentTokenLocation().getByteOffset() : 0;
        leaf.offset = length;
        leaf.count = 0;
        leaf.rows = -1;
        if (token != JsonToken.START_ARRAY) {
            report(NOT_ARRAY, RejectKind.FEATURES_NOT_AN_ARRAY,
                    leaf.label + " is " + typeName(token) + ", expected an array of numbers");
            p.skipChildren();
            leaf.end = leaf.start;
            return;
        }
        JsonToken t = p.nextToken();
        if (t == JsonToken.START_ARRAY) {
            readBatch(p, leaf, t, value);
        } else {
            int n = readNumbers(p, leaf, t, -1, value);
            leaf.rowLength = n;
            if (n == 0) {
                report(EMPTY, RejectKind.FEATURES_EMPTY, leaf.label + " is empty");
            } else if (dimension != 0 && n != dimension && n > 0 && n <= maxDimension) {
                report(DIMENSION, RejectKind.WRONG_DIMENSION,
                        leaf.label + " has " + n + " elements, expected " + dimension + " (dimension)");
            }
        }
        leaf.count = length - leaf.offset;
        leaf.end = keep ? (int) p.currentTokenLocation().getByteOffset() + 1 : 0;
    }

    /** Reads the rows of a batch; the parser is on the first row's START_ARRAY. */
    private void readBatch(JsonParser p, Leaf leaf, JsonToken first, byte[] value) throws IOException {
        int r = 0;
        int firstLength = -1;
        int raggedRow = -1;
        int raggedLength = 0;
        for (JsonToken t = first; t != JsonToken.END_ARRAY; t = p.nextToken(), r++) {
            if (t == null) {
                throw new IllegalStateException("end of input inside " + leaf.label); // Jackson reports it first
            }
            if (t != JsonToken.START_ARRAY) {
                String row = leaf.elements + "[" + r + "]";
                report(BAD_ELEMENT, RejectKind.RAGGED_BATCH, row + " is " + typeName(t)
                        + ", expected an array: " + leaf.elements + "[0] is an array, so every element is a row of a batch");
                p.skipChildren();
                continue;
            }
            int n = readNumbers(p, leaf, p.nextToken(), r, value);
            if (n == 0) {
                report(EMPTY, RejectKind.FEATURES_EMPTY, leaf.elements + "[" + r + "] is empty");
            } else if (n <= maxDimension) {
                if (dimension != 0 && n != dimension) {
                    report(DIMENSION, RejectKind.WRONG_DIMENSION,
                            leaf.elements + "[" + r + "] has " + n + " elements, expected " + dimension + " (dimension)");
                }
                if (firstLength < 0) {
                    firstLength = n;
                } else if (n != firstLength && raggedRow < 0) {
                    raggedRow = r;
                    raggedLength = n;
                }
            }
        }
        if (raggedRow >= 0) {
            report(RAGGED, RejectKind.RAGGED_BATCH, leaf.elements + "[" + raggedRow + "] has " + raggedLength
                    + " elements, " + leaf.elements + "[0] has " + firstLength
                    + ": the rows of a batch must all have the same length");
        }
        leaf.rows = r;
        leaf.rowLength = Math.max(firstLength, 0);
        rows += r;
    }

    /**
     * Reads numbers up to the END_ARRAY of their array (the vector, or row {@code row} of a batch)
     * into features(); the parser is on the first element's token. Returns how many there are, up to
     * max-dimension + 1. Reasons name the elements as {@code features[i]}, {@code /batch[r][i]}.
     */
    private int readNumbers(JsonParser p, Leaf leaf, JsonToken first, int row, byte[] value) throws IOException {
        int n = 0;
        boolean tooLong = false;
        for (JsonToken t = first; t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw new IllegalStateException("end of input inside " + leaf.label); // Jackson reports it first
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
                            elements(leaf, row) + "[" + n + "] = " + truncate(p.getText(), MAX_QUOTE_LENGTH)
                            + " does not fit a finite double");
                }
                if (length == features.length) {
                    features = Arrays.copyOf(features, 2 * length);
                    tokens = Arrays.copyOf(tokens, 2 * features.length);
                }
                tokens[2 * length] = -1;
                if (d > 0.0) {
                    // Only on this slow path does finding the token cost an allocation (its location).
                    int start = (int) p.currentTokenLocation().getByteOffset();
                    int end = start < 0 ? NO : skipNumber(value, start);
                    boolean integer = t == JsonToken.VALUE_NUMBER_INT;
                    if (end > 0 && end - start + (integer ? 2 : 0) <= MAX_COPIED_TOKEN) {
                        tokens[2 * length] = start;
                        tokens[2 * length + 1] = integer ? ~end : end;
                    }
                }
                features[length++] = d;
                if (d <= 0.0) {
                    nonPositive++;
                }
            } else {
                report(BAD_ELEMENT, RejectKind.ELEMENT_NOT_A_NUMBER,
                        elements(leaf, row) + "[" + n + "] is " + typeName(t) + ", expected a number");
                p.skipChildren();
            }
            n++;
        }
        if (tooLong) {
            report(TOO_LONG, RejectKind.TOO_MANY_ELEMENTS,
                    (row < 0 ? leaf.label : leaf.elements + "[" + row + "]") + " has more than " + maxDimension + " elements (max-dimension)");
            return maxDimension + 1;
        }
        return n;
    }

    /** How reasons name the elements of a vector, or of row {@code row} of a batch. */
    private static String elements(Leaf leaf, int row) {
        return row < 0 ? leaf.elements : leaf.elements + "[" + row + "]";
    }

    /**
     * Writes the record last parsed with each selected array replaced by {@code values} and the
     * outputs next to it: the objects and arrays on the pointers' paths are written member by member
     * (element by element), joined by {@code ,}, every member not selected with its own bytes.
     * Room must have been reserved.
     *
     * @param copyPositives whether a positive value is the input element itself (an activation with
     *     f(x) = x above 0): then it is written as the input's own number token, which reads back as
     *     exactly that double, instead of being formatted again
     * @param float32 whether every number is rounded to float and written as the shortest text that
     *     reads back as that float (then a positive value's token is copied only where it is that text)
     */
    void write(OutputBuffer out, byte[] value, double[] values, @Nullable double[] derivatives,
            @Nullable double[] alphaGradients, boolean copyPositives, boolean float32) throws VectorRejectedException {
        if (derivatives != null) {
            // Each leaf's derivatives are written in the loop that writes its values, into this buffer,
            // and copied where they go: whether an element is positive then decides the value's branch
            // and the derivative's one after it, which the branch predictor learns from the first.
            derivativeScratch.reset();
            derivativeScratch.reserve((long) length * (OutputBuffer.MAX_DOUBLE_LENGTH + 1) + 3L * rows + 2L * leaves.length);
        }
        writeContainer(out, root, value, values, derivatives, alphaGradients, copyPositives, float32);
    }

    private void writeContainer(OutputBuffer out, Node node, byte[] value, double[] values,
            @Nullable double[] derivatives, @Nullable double[] alphaGradients, boolean copyPositives, boolean float32) {
        boolean object = node.kind == OBJECT;
        out.append(object ? (byte) '{' : (byte) '[');
        int[] spans = node.spans;
        for (int i = 0; i < node.count; i++) {
            if (i > 0) {
                out.append((byte) ',');
            }
            int c = node.matched[i];
            if (c < 0) {
                int start = spans[2 * i];
                out.append(value, start, spans[2 * i + 1] - start);
                continue;
            }
            Node child = node.children[c];
            if (object) {
                out.append(child.memberOpen, 0, child.memberOpen.length);
            }
            if (child.leaf != null) {
                Leaf leaf = child.leaf;
                if (derivatives != null && leaf.derivativeOpen != null) {
                    leaf.derivativeFrom = derivativeScratch.size();
                    writeNumbers(out, leaf, values, derivativeScratch, derivatives, copyPositives ? value : null, float32);
                    leaf.derivativeTo = derivativeScratch.size();
                } else {
                    writeNumbers(out, leaf, values, null, null, copyPositives ? value : null, float32);
                }
            } else {
                writeContainer(out, child, value, values, derivatives, alphaGradients, copyPositives, float32);
            }
            for (Leaf leaf : child.anchored) {
                if (leaf.derivativeOpen != null) {
                    out.append(leaf.derivativeOpen, 0, leaf.derivativeOpen.length);
                    out.append(derivativeScratch.array(), leaf.derivativeFrom, leaf.derivativeTo - leaf.derivativeFrom);
                }
                if (leaf.alphaGradientOpen != null) {
                    out.append(leaf.alphaGradientOpen, 0, leaf.alphaGradientOpen.length);
                    writeNumbers(out, leaf, alphaGradients, null, null, null, float32);
                }
                if (leaf.inputOpen != null) {
                    out.append(leaf.inputOpen, 0, leaf.inputOpen.length);
                    out.append(value, leaf.start, leaf.end - leaf.start);
                }
            }
        }
        out.append(object ? (byte) '}' : (byte) ']');
    }

    /**
     * Writes a selected array's numbers from {@code source} in its shape; with {@code input}, the
     * positive ones as their tokens there; with {@code float32}, each rounded to float; with {@code
     * second}, {@code secondSource}'s numbers in the same shape into it, element by element alongside.
     */
    private void writeNumbers(OutputBuffer out, Leaf leaf, double[] source, @Nullable OutputBuffer second,
            @Nullable double[] secondSource, @Nullable byte[] input, boolean float32) {
        appendToBoth(out, second, (byte) '[');
        if (leaf.rows < 0) {
            appendNumbers(out, source, second, secondSource, leaf.offset, leaf.count, input, float32);
        } else {
            for (int r = 0; r < leaf.rows; r++) {
                if (r > 0) {
                    appendToBoth(out, second, (byte) ',');
                }
                appendToBoth(out, second, (byte) '[');
                appendNumbers(out, source, second, secondSource, leaf.offset + r * leaf.rowLength, leaf.rowLength,
                        input, float32);
                appendToBoth(out, second, (byte) ']');
            }
        }
        appendToBoth(out, second, (byte) ']');
    }

    /** One byte of an array's shape, into {@code out} and into {@code second} if there is one. */
    private static void appendToBoth(OutputBuffer out, @Nullable OutputBuffer second, byte b) {
        out.append(b);
        if (second != null) {
            second.append(b);
        }
    }

    private void appendNumbers(OutputBuffer out, double[] values, @Nullable OutputBuffer second,
            @Nullable double[] secondValues, int from, int n, @Nullable byte[] input, boolean float32) {
        // Into the buffers' arrays directly: the writer's calls are not inlined (too big), and a field
        // for the position would be stored and loaded around every one of them.
        byte[] buf = out.array();
        int pos = out.size();
        byte[] secondBuf = second == null ? null : second.array();
        int secondPos = second == null ? 0 : second.size();
        for (int i = from; i < from + n; i++) {
            if (i > from) {
                buf[pos++] = ',';
            }
            double d = values[i];
            int start = input != null && d > 0.0 ? tokens[2 * i] : -1;
            int end = start >= 0 ? tokens[2 * i + 1] : 0;
            int tokenEnd = end >= 0 ? end : ~end;
            if (start >= 0 && (!float32 || isShortestFloatText(input, start, tokenEnd))) {
                // The token reads back as d: d is what it parsed to. An integer token gets ".0", so that
                // every number written stays a JSON fraction, as a formatted double is (3 -> 3.0). For
                // float32, only a token that is already the shortest text of d's float.
                System.arraycopy(input, start, buf, pos, tokenEnd - start);
                pos += tokenEnd - start;
                if (end < 0) {
                    buf[pos++] = '.';
                    buf[pos++] = '0';
                }
            } else {
                pos = float32 ? OutputBuffer.writeFloat((float) d, buf, pos) : OutputBuffer.writeDouble(d, buf, pos);
            }
            if (secondBuf != null) {
                if (i > from) {
                    secondBuf[secondPos++] = ',';
                }
                double g = secondValues[i];
                secondPos = float32 ? OutputBuffer.writeFloat((float) g, secondBuf, secondPos)
                        : OutputBuffer.writeDouble(g, secondBuf, secondPos);
            }
        }
        out.size(pos);
        if (second != null) {
            second.size(secondPos);
        }
    }

    /**
     * Whether the token of a positive JSON number in {@code v[start, end)} is, with ".0" after an
     * integer, what {@link OutputBuffer#appendFloat} writes for the float nearest to the double it
     * reads as: a plain number of at most 7 significant digits, the last of them not 0 (or an integer
     * of at most 7 digits), at least 0.001, at most 8 digits after the point, no exponent.
     *
     * <p>Why. A decimal D = d 10^e of n <= 7 significant digits, d's last digit not 0, is at least 10^e
     * from every decimal of fewer digits and from every other one of n, so it is the only one that
     * short reading back as the float F nearest to it if F's ulp is below 10^e: two decimals that read
     * back as F are less than an ulp apart. F's ulp is 2^(E-23) for D in [2^E, 2^(E+1)), and
     * 10^e = D / d > D 10^-7; so only a power of two in [2^23 10^e, 10^(e+7)), that is in
     * [8.39 10^(e+6), 10^(e+7)), could break it, and for the e of such tokens (-8 to -1, at most 8
     * places and at least 0.001) there is none (e = 0, integers, are floats themselves below 2^24).
     * Then D is its float's shortest text, in Float.toString's plain form between 10^-3 and 10^7.
     * And the float nearest to the double nearest to D is F: with f <= 8 digits after the point, D
     * differs from every midpoint between two floats (odd multiples of 2^(E-24), or of 2^(E-25) at the
     * binade's low end) by at least 1 / (10^f 2^(25-E)), more than half a double's ulp there,
     * 2^(E-53), since 10^f < 2^28; rounding D to double cannot carry it across. A one-off run checked
     * every such token of 1 to 7 digits (d up to 10^7, e from -8 to -1) against the writer.
     */
    static boolean isShortestFloatText(byte[] v, int start, int end) {
        if (end - start > 10) {
            return false; // longer than 0.00dddddd, the longest such text (a 17-digit double's, at once)
        }
        int i = start;
        while (i < end && v[i] >= '0' && v[i] <= '9') {
            i++;
        }
        int integral = i - start;
        if (i == end) {
            return integral <= 7; // below 10^7 < 2^24, every integer is a float
        }
        if (v[i] != '.') {
            return false;
        }
        int fractionFrom = i + 1;
        i = fractionFrom;
        while (i < end && v[i] >= '0' && v[i] <= '9') {
            i++;
        }
        int fraction = end - fractionFrom;
        if (i != end || fraction > 8 || v[end - 1] == '0') {
            return false; // an exponent, too many places, or trailing zeros
        }
        if (integral == 1 && v[start] == '0') {
            int zeros = 0;
            while (v[fractionFrom + zeros] == '0') {
                zeros++; // ends: the last digit is not 0
            }
            return zeros <= 2 && fraction - zeros <= 7; // below 0.001, Float.toString writes E
        }
        return integral + fraction <= 7;
    }

    /** {@code "name":}, the name as a JSON string. */
    private static byte[] memberOpen(String name) {
        return (jsonString(name) + ":").getBytes(StandardCharsets.UTF_8);
    }

    /** {@code ,"name":}, the name as a JSON string. */
    private static byte[] nextMemberOpen(String name) {
        return ("," + jsonString(name) + ":").getBytes(StandardCharsets.UTF_8);
    }

    /** A JSON string of the name: quotes, backslashes and control characters escaped, the rest as it is. */
    static String jsonString(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 2).append('"');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private static <T> T[] append(T[] array, T element) {
        T[] out = Arrays.copyOf(array, array.length + 1);
        out[array.length] = element;
        return out;
    }

    private static int[] appendInt(int[] array, int element) {
        int[] out = Arrays.copyOf(array, array.length + 1);
        out[array.length] = element;
        return out;
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
