package dev.elustream.codec;

/**
 * Why a record was rejected, as a stable, machine-readable kind (for metrics and monitoring); the
 * reason text next to it is for people and may name positions and quote the input.
 *
 * <p>{@link #metricName()} is part of the job's monitoring interface: never rename one, only add.
 */
public enum RejectKind {
    /** Null or empty value. */
    EMPTY("empty"),
    /** Bytes that are not well-formed UTF-8. */
    INVALID_UTF8("invalidUtf8"),
    /** A UTF-8 byte-order mark in front of the JSON. */
    BYTE_ORDER_MARK("byteOrderMark"),
    /** Not JSON: syntax errors, truncation, trailing content, NaN/Infinity, whitespace only, NUL bytes. */
    INVALID_JSON("invalidJson"),
    /** Valid JSON beyond a parser limit: nesting depth, number, string or member name length. */
    PARSER_LIMIT("parserLimit"),
    /** Valid JSON that is not an object. */
    NOT_AN_OBJECT("notAnObject"),
    /** A selected array (vector-fields; by default the top-level 'features') is not there. */
    FEATURES_MISSING("featuresMissing"),
    /** A selected array ('features') is not an array. */
    FEATURES_NOT_AN_ARRAY("featuresNotAnArray"),
    /** A selected array ('features'), or a row of a batch, is empty (binary: count 0). */
    FEATURES_EMPTY("featuresEmpty"),
    /** A selected array ('features'), or a member on its path, appears more than once. */
    FEATURES_DUPLICATE("featuresDuplicate"),
    /** A vector or a row of a batch (binary: the count) is longer than max-dimension. */
    TOO_MANY_ELEMENTS("tooManyElements"),
    /** An element of a vector (a row) that is not a number. */
    ELEMENT_NOT_A_NUMBER("elementNotANumber"),
    /** A number that does not fit a finite double (binary: NaN or infinite), or whose activation would not. */
    NUMBER_NOT_FINITE("numberNotFinite"),
    /** A vector length (binary: count) other than the configured dimension. */
    WRONG_DIMENSION("wrongDimension"),
    /** The value already has a member the job writes ('derivative' in mode both, 'alpha_gradient', ...). */
    MEMBER_CONFLICT("memberConflict"),
    /** The result would be too large: for a byte array, or for the output producer. */
    OUTPUT_TOO_LARGE("outputTooLarge"),
    /** A binary value whose first two bytes are not the magic "EV". */
    BAD_MAGIC("badMagic"),
    /** A binary value of a format version this job does not read. */
    UNSUPPORTED_VERSION("unsupportedVersion"),
    /** A binary value whose element type is neither float64 nor float32. */
    UNKNOWN_ELEMENT_TYPE("unknownElementType"),
    /** A binary header with reserved bytes not 0, or sections other than the values alone. */
    INVALID_HEADER("invalidHeader"),
    /** A binary value shorter than its header, or not exactly as long as its header says. */
    WRONG_LENGTH("wrongLength"),
    /** A batch (an array of arrays) whose elements are not all rows of numbers of one length. */
    RAGGED_BATCH("raggedBatch"),
    /** An Avro or Protobuf value that its schema cannot decode: truncated, corrupted, trailing bytes. */
    INVALID_ENCODING("invalidEncoding"),
    /** An Avro single-object value without the marker, or with the fingerprint of another schema. */
    UNKNOWN_SCHEMA("unknownSchema"),
    /** A control-topic record that is not a valid parameter update, or whose version is not above the one in force. */
    INVALID_PARAMETERS("invalidParameters"),
    /** A failure of the job itself (a bug), not of the record. */
    INTERNAL("internal");

    private final String metricName;

    RejectKind(String metricName) {
        this.metricName = metricName;
    }

    /** The kind's name in metrics, camelCase, e.g. {@code invalidUtf8}. */
    public String metricName() {
        return metricName;
    }
}
