package dev.elustream.perf;

import dev.elustream.codec.BinaryVectors;
import java.util.List;

/**
 * The job's binary format ({@code format=binary}, float64): the "EV" header and the features in,
 * values and derivative sections out (mode both). The id is in the record key, as the format wants.
 */
final class BinaryPayloadFormat implements PayloadFormat {

    static final String NAME = "binary";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte[] encode(long id, double[] features) {
        return BinaryVectors.encode(features);
    }

    @Override
    public Decoded decodeOutput(byte[] value) {
        BinaryVectors.Decoded d = BinaryVectors.decode(value);
        if (d.derivatives() == null) {
            throw new IllegalArgumentException("output has no derivative section");
        }
        return new Decoded(d.values(), d.derivatives());
    }

    @Override
    public List<String> jobArguments() {
        return List.of("--format", NAME);
    }
}
