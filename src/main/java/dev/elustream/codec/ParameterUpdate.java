package dev.elustream.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.Alpha;
import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * A new set of activation parameters for a running job, as a learner publishes it on the control
 * topic: a JSON object {@code {"version": 7, "alpha": 0.75}} or, one alpha per element,
 * {@code {"version": 7, "alpha": [0.9, 0.8, ...]}}. {@link #parse} refuses anything else with a
 * reason that names the member and the value; {@link #toJson()} writes the form it reads.
 *
 * @param version an integer &gt;= 0 that each update must raise (the job file's parameters are version 0)
 * @param alpha one alpha, or one per element of a vector of the job's dimension
 */
public record ParameterUpdate(long version, Alpha alpha) implements Serializable {

    /** The members of a control record. */
    public static final String VERSION = "version";
    public static final String ALPHA = "alpha";

    /** Far above any real dimension, well below what a hostile record could make us allocate. */
    private static final int MAX_ALPHA_ELEMENTS = 1 << 20;

    private static final JsonFactory JSON = new JsonFactoryBuilder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).maxNumberLength(400).build())
            .build();

    public ParameterUpdate {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
        Objects.requireNonNull(alpha, "alpha");
    }

    /**
     * Reads one control record's value and checks it against the job: its activation's rule for alpha,
     * a per-element alpha only with a dimension and of that length, and with float32 results no alpha
     * above the largest float. Whether the version is above the one in force is the caller's check.
     *
     * @param value the record's value, UTF-8 JSON
     * @param kind the job's activation
     * @param dimension the job's vector length, 0 when it takes any length
     * @param precision the type the job's results are written in
     * @throws VectorRejectedException ({@link RejectKind#INVALID_PARAMETERS}) naming what is wrong
     */
    public static ParameterUpdate parse(@Nullable byte[] value, ActivationKind kind, int dimension,
            ElementType precision) throws VectorRejectedException {
        if (value == null || value.length == 0) {
            throw invalid("the control record has no value (" + (value == null ? "a tombstone" : "empty")
                    + "): expected {\"version\": N, \"alpha\": A}");
        }
        Long version = null;
        Alpha alpha = null;
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw invalid("the control record is " + describe(p, p.currentToken())
                        + ", expected a JSON object {\"version\": N, \"alpha\": A}");
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case VERSION -> version = version(p, v);
                    case ALPHA -> alpha = alpha(p, v);
                    default -> throw invalid("the control record has an unknown member '" + shorten(name)
                            + "': it takes version and alpha only");
                }
            }
            if (p.nextToken() != null) {
                throw invalid("the control record has content after its JSON object");
            }
        } catch (JsonParseException e) {
            throw invalid("the control record is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid("the control record cannot be read: " + e.getMessage());
        }
        if (version == null) {
            throw invalid("the control record has no version: expected {\"version\": N, \"alpha\": A}");
        }
        if (alpha == null) {
            throw invalid("the control record (version " + version + ") has no alpha");
        }
        check(alpha, kind, dimension, precision, version);
        return new ParameterUpdate(version, alpha);
    }

    /**
     * The parameters a control record puts in force after {@code current}: the record read as
     * {@link #parse} reads it, and its version above the one in force (the one rule the running job and
     * the start-up read of the control topic share).
     *
     * @throws VectorRejectedException ({@link RejectKind#INVALID_PARAMETERS}) naming what is wrong
     */
    public static ParameterUpdate next(ParameterUpdate current, @Nullable byte[] value, ActivationKind kind, int dimension,
            ElementType precision) throws VectorRejectedException {
        ParameterUpdate update = parse(value, kind, dimension, precision);
        if (update.version() <= current.version()) {
            throw invalid("the control record's version " + update.version() + " is not above the version in force, "
                    + current.version() + ": versions must increase");
        }
        return update;
    }

    /**
     * Checks an alpha against the job's activation, dimension and precision (as {@link #parse} does).
     *
     * @throws VectorRejectedException naming the element and the rule
     */
    static void check(Alpha alpha, ActivationKind kind, int dimension, ElementType precision, long version)
            throws VectorRejectedException {
        String at = "version " + version + ": ";
        if (alpha.isPerElement()) {
            if (kind == ActivationKind.SELU) {
                throw invalid(at + "activation selu has a fixed alpha and takes no alpha, got " + shorten(alpha.toString()));
            }
            if (dimension == 0) {
                throw invalid(at + "a per-element alpha needs the job's dimension set (the job takes vectors of any"
                        + " length), got " + alpha.length() + " elements");
            }
            if (alpha.length() != dimension) {
                throw invalid(at + "the per-element alpha has " + alpha.length() + " elements, the job's dimension is "
                        + dimension);
            }
        }
        try {
            Activations.checkAlpha(kind, alpha);
        } catch (IllegalArgumentException e) {
            throw invalid(at + e.getMessage());
        }
        if (precision == ElementType.FLOAT32 && alpha.max() > Float.MAX_VALUE) {
            throw invalid(at + "alpha must be at most " + Float.MAX_VALUE + " with precision float32, whose results"
                    + " must fit a float, got " + alpha.max());
        }
    }

    /** The control record that {@link #parse} reads back as this update, e.g. {@code {"version":7,"alpha":0.75}}. */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\"" + VERSION + "\":").append(version).append(",\"" + ALPHA + "\":");
        if (alpha.isPerElement()) {
            double[] a = alpha.values();
            sb.append('[');
            for (int i = 0; i < a.length; i++) {
                sb.append(i == 0 ? "" : ",").append(a[i]);
            }
            sb.append(']');
        } else {
            sb.append(alpha.value());
        }
        return sb.append('}').toString();
    }

    private static long version(JsonParser p, JsonToken t) throws IOException, VectorRejectedException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw invalid("the control record's version is " + describe(p, t) + ", expected an integer >= 0");
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
            throw invalid("the control record's version must be an integer between 0 and " + Long.MAX_VALUE + ", got "
                    + shorten(p.getText()));
        }
        return p.getLongValue();
    }

    private static Alpha alpha(JsonParser p, JsonToken t) throws IOException, VectorRejectedException {
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            return Alpha.of(number(p, "alpha"));
        }
        if (t != JsonToken.START_ARRAY) {
            throw invalid("the control record's alpha is " + describe(p, t) + ", expected a number or an array of numbers");
        }
        double[] values = new double[16];
        int n = 0;
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            if (e != JsonToken.VALUE_NUMBER_INT && e != JsonToken.VALUE_NUMBER_FLOAT) {
                throw invalid("the control record's alpha[" + n + "] is " + describe(p, e) + ", expected a number");
            }
            if (n == MAX_ALPHA_ELEMENTS) {
                throw invalid("the control record's alpha has more than " + MAX_ALPHA_ELEMENTS + " elements");
            }
            if (n == values.length) {
                values = Arrays.copyOf(values, 2 * n);
            }
            values[n] = number(p, "alpha[" + n + "]");
            n++;
        }
        if (n == 0) {
            throw invalid("the control record's alpha is an empty array");
        }
        return Alpha.perElement(Arrays.copyOf(values, n));
    }

    private static double number(JsonParser p, String what) throws IOException, VectorRejectedException {
        double d = p.getDoubleValue();
        if (!Double.isFinite(d)) {
            throw invalid("the control record's " + what + " = " + shorten(p.getText()) + " is not a finite double");
        }
        return d;
    }

    /** e.g. {@code an array}, {@code the string "0.5"}, {@code the number 1.5}, {@code null}. */
    private static String describe(JsonParser p, @Nullable JsonToken t) throws IOException {
        if (t == null) {
            return "empty";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "the string \"" + shorten(p.getText()) + "\"";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + shorten(p.getText());
            case VALUE_TRUE, VALUE_FALSE -> "the boolean " + p.getText();
            case VALUE_NULL -> "null";
            default -> t.name();
        };
    }

    private static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static VectorRejectedException invalid(String reason) {
        return new VectorRejectedException(RejectKind.INVALID_PARAMETERS, reason);
    }
}
