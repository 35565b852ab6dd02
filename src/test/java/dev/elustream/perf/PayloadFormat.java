package dev.elustream.perf;

import java.util.List;

/**
 * How the run encodes input feature vectors and decodes the job's output, for one value format of
 * the job. Adding a format is one implementation and one case in {@link #named(String)}.
 */
public interface PayloadFormat {

    /** The name given with {@code --format}. */
    String name();

    /** An input record value holding the vector. */
    byte[] encode(long id, double[] features);

    /** The activations and derivatives in an output record value of the job (mode both). */
    Decoded decodeOutput(byte[] value);

    /** Arguments the job needs to read and write this format (none for the job's default, JSON). */
    List<String> jobArguments();

    /** An output value, decoded. */
    record Decoded(double[] values, double[] derivatives) {}

    /**
     * The format with that name, numbers written in full.
     *
     * @throws IllegalArgumentException for a name no format has
     */
    static PayloadFormat named(String name) {
        return named(name, InputNumbers.FULL);
    }

    /**
     * The format with that name; a text format writes the numbers as {@code numbers} says.
     *
     * @throws IllegalArgumentException for a name no format has
     */
    static PayloadFormat named(String name, InputNumbers numbers) {
        return switch (name) {
            case JsonPayloadFormat.NAME -> new JsonPayloadFormat(numbers);
            case BinaryPayloadFormat.NAME -> new BinaryPayloadFormat();
            default -> throw new IllegalArgumentException("--format must be one of: " + JsonPayloadFormat.NAME + ", "
                    + BinaryPayloadFormat.NAME + "; got '" + name + "'");
        };
    }
}
