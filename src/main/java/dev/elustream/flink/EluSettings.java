package dev.elustream.flink;

import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.codec.JsonVectorFields;
import dev.elustream.codec.Endianness;
import dev.elustream.codec.OutputMode;
import dev.elustream.codec.RecordSchema;
import dev.elustream.codec.VectorFormat;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.Alpha;
import dev.elustream.math.ArrayActivation;
import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * What the ELU operator needs to know, validated when built.
 *
 * @param activation which member of the ELU family
 * @param alpha its alpha, valid for it ({@link Activations#checkAlpha}): ELU finite and &gt;= 0,
 *     CELU finite and &gt; 0, SELU its fixed {@link ActivationKind#SELU_ALPHA}; for ELU and CELU also
 *     one alpha per element, as many as dimension (which must then be set)
 * @param mode whether the derivative is written next to the activation
 * @param alphaGradient whether df/dalpha is written too, as {@code alpha_gradient}
 * @param dimension the required vector length, or 0 for any length up to maxDimension
 * @param maxDimension the longest vector accepted
 * @param maxOutputRecordBytes the largest output record the sink's producer takes (its
 *     max.request.size): a longer result is dead-lettered instead of failing the sink
 * @param format the wire format of the record values, in and out
 * @param byteOrder the byte order of a raw format's elements, in and out; little-endian for JSON and
 *     binary, which have no choice
 * @param jsonFields with format json: which arrays of a record to transform, and the names of the
 *     members written next to them (checked for this mode when built)
 * @param precision with format json: the type the results are rounded to and written in, float64
 *     (the default) or float32 (each result rounded once, written in the shortest form that reads
 *     back as that float); float64 for the other formats, whose output has the input's element type
 * @param schema with format avro or protobuf: the schema read at start-up, with the fields and outputs
 *     it was checked against; null for the other formats
 */
public record EluSettings(ActivationKind activation, Alpha alpha, OutputMode mode, boolean alphaGradient,
        int dimension, int maxDimension, int maxOutputRecordBytes, VectorFormat format, Endianness byteOrder,
        JsonVectorFields jsonFields, ElementType precision, @Nullable RecordSchema schema)
        implements Serializable {

    /** Kafka's default max.request.size. */
    public static final int DEFAULT_MAX_OUTPUT_RECORD_BYTES = 1024 * 1024;

    /** ELU without the alpha-gradient (the settings before the activation could be chosen). */
    public EluSettings(double alpha, OutputMode mode, int dimension, int maxDimension, int maxOutputRecordBytes) {
        this(ActivationKind.ELU, alpha, mode, false, dimension, maxDimension, maxOutputRecordBytes);
    }

    /** JSON record values (the settings before the format could be chosen). */
    public EluSettings(ActivationKind activation, double alpha, OutputMode mode, boolean alphaGradient,
            int dimension, int maxDimension, int maxOutputRecordBytes) {
        this(activation, alpha, mode, alphaGradient, dimension, maxDimension, maxOutputRecordBytes, VectorFormat.JSON);
    }

    /** Little-endian elements, the default JSON fields (the settings before either could be chosen). */
    public EluSettings(ActivationKind activation, double alpha, OutputMode mode, boolean alphaGradient,
            int dimension, int maxDimension, int maxOutputRecordBytes, VectorFormat format) {
        this(activation, alpha, mode, alphaGradient, dimension, maxDimension, maxOutputRecordBytes, format,
                Endianness.LITTLE_ENDIAN);
    }

    /** The default fields of JSON records, {@code /features} (the settings before fields could be chosen). */
    public EluSettings(ActivationKind activation, double alpha, OutputMode mode, boolean alphaGradient,
            int dimension, int maxDimension, int maxOutputRecordBytes, VectorFormat format, Endianness byteOrder) {
        this(activation, alpha, mode, alphaGradient, dimension, maxDimension, maxOutputRecordBytes, format, byteOrder,
                JsonVectorFields.defaults());
    }

    /** Results in float64 (the settings before the precision could be chosen). */
    public EluSettings(ActivationKind activation, double alpha, OutputMode mode, boolean alphaGradient,
            int dimension, int maxDimension, int maxOutputRecordBytes, VectorFormat format, Endianness byteOrder,
            JsonVectorFields jsonFields) {
        this(activation, alpha, mode, alphaGradient, dimension, maxDimension, maxOutputRecordBytes, format, byteOrder,
                jsonFields, ElementType.FLOAT64);
    }

    /** One alpha for every element (the settings before alpha per element). */
    public EluSettings(ActivationKind activation, double alpha, OutputMode mode, boolean alphaGradient,
            int dimension, int maxDimension, int maxOutputRecordBytes, VectorFormat format, Endianness byteOrder,
            JsonVectorFields jsonFields, ElementType precision, @Nullable RecordSchema schema) {
        this(activation, Alpha.of(alpha), mode, alphaGradient, dimension, maxDimension, maxOutputRecordBytes, format,
                byteOrder, jsonFields, precision, schema);
    }

    /** Without a schema (the settings before schema formats). */
    public EluSettings(ActivationKind activation, double alpha, OutputMode mode, boolean alphaGradient,
            int dimension, int maxDimension, int maxOutputRecordBytes, VectorFormat format, Endianness byteOrder,
            JsonVectorFields jsonFields, ElementType precision) {
        this(activation, alpha, mode, alphaGradient, dimension, maxDimension, maxOutputRecordBytes, format, byteOrder,
                jsonFields, precision, null);
    }

    public EluSettings {
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(byteOrder, "byteOrder");
        if (!format.isRaw() && byteOrder != Endianness.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("byte order " + byteOrder.id() + " applies to the raw formats only, not "
                    + format.id());
        }
        Objects.requireNonNull(jsonFields, "jsonFields");
        if (format.hasSchema() != (schema != null) || (schema != null && schema.format() != format)) {
            throw new IllegalArgumentException("format " + format.id() + (format.hasSchema() ? " needs its schema, got "
                    + (schema == null ? "none" : schema.describe()) : " takes no schema, got " + schema.describe()));
        }
        if (format != VectorFormat.JSON && !format.hasSchema() && !jsonFields.isDefault()) {
            throw new IllegalArgumentException("vector fields other than the default apply to formats json, avro and"
                    + " protobuf only, got "
                    + jsonFields + " with format " + format.id());
        }
        jsonFields.check(mode, alphaGradient);
        Objects.requireNonNull(precision, "precision");
        if (format != VectorFormat.JSON && precision != ElementType.FLOAT64) {
            throw new IllegalArgumentException("precision " + precision.label() + " applies to format json only, not "
                    + format.id() + ", whose output has the input's element type");
        }
        Objects.requireNonNull(alpha, "alpha");
        Activations.checkAlpha(activation, alpha);
        if (precision == ElementType.FLOAT32 && alpha.max() > Float.MAX_VALUE) {
            throw new IllegalArgumentException("alpha must be at most " + Float.MAX_VALUE + " with precision float32,"
                    + " whose results must fit a float, got " + alpha);
        }
        if (alpha.isPerElement() && alpha.length() != dimension) {
            throw new IllegalArgumentException("a per-element alpha needs as many elements as dimension ("
                    + (dimension == 0 ? "not set" : Integer.toString(dimension)) + "), got " + alpha.length());
        }
        if (maxDimension < 1) {
            throw new IllegalArgumentException("max-dimension must be >= 1, got " + maxDimension);
        }
        if (dimension < 0 || dimension > maxDimension) {
            throw new IllegalArgumentException(
                    "dimension must be 0 (any) or between 1 and max-dimension (" + maxDimension + "), got " + dimension);
        }
        if (maxOutputRecordBytes < 1) {
            throw new IllegalArgumentException("maxOutputRecordBytes must be >= 1, got " + maxOutputRecordBytes);
        }
    }

    /**
     * The operator's name in Flink, e.g. {@code ELU (alpha=1.0, mode=both)},
     * {@code CELU (alpha=0.5, mode=activation, alpha-gradient)}, {@code SELU (mode=both, binary)},
     * {@code ELU (alpha=1.0, mode=both, raw-float32)}, {@code ELU (alpha=1.0, mode=both, raw-float64, big-endian)}.
     */
    public String operatorName() {
        return operatorName(false);
    }

    /**
     * {@link #operatorName()}, or with live parameters (a control topic) e.g.
     * {@code ELU (alpha from control topic, mode=both)}.
     */
    public String operatorName(boolean liveParameters) {
        return activation.name() + " (" + (activation == ActivationKind.SELU ? ""
                : liveParameters ? "alpha from control topic, "
                : alpha.isPerElement() ? "alpha per element, " : "alpha=" + alpha + ", ")
                + "mode=" + mode.name().toLowerCase(Locale.ROOT) + (alphaGradient ? ", alpha-gradient" : "")
                + (format == VectorFormat.JSON || schema != null ? "" : ", " + format.id())
                + (byteOrder == Endianness.BIG_ENDIAN ? ", big-endian" : "")
                + (precision == ElementType.FLOAT32 ? ", float32" : "")
                + (schema == null ? "" : ", " + schema.describe())
                + (jsonFields.isDefault() ? "" : ", " + jsonFields.vectorFields()) + ")";
    }

    /** The activation these settings describe (a new instance: kernels are cheap and immutable). */
    public ArrayActivation activationFunction() {
        return Activations.of(activation, alpha);
    }

    /** The same settings with another alpha (checked as when built). */
    public EluSettings withAlpha(Alpha newAlpha) {
        return new EluSettings(activation, newAlpha, mode, alphaGradient, dimension, maxDimension, maxOutputRecordBytes,
                format, byteOrder, jsonFields, precision, schema);
    }
}
