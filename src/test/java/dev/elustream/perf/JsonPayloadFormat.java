package dev.elustream.perf;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The job's JSON format: {@code {"id":N,"features":[x0,...]}} in, with the numbers written as {@link
 * InputNumbers} says, {@code {"id":N,"features":[f(x0),...],"derivative":[f'(x0),...]}} out. Decoding
 * uses a tree model: the verifier decodes only a sample.
 */
final class JsonPayloadFormat implements PayloadFormat {

    static final String NAME = "json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final InputNumbers numbers;

    JsonPayloadFormat(InputNumbers numbers) {
        this.numbers = numbers;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public byte[] encode(long id, double[] features) {
        StringBuilder sb = new StringBuilder(features.length * 22 + 32).append("{\"id\":").append(id).append(",\"features\":[");
        for (int i = 0; i < features.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            numbers.append(sb, features[i]);
        }
        return sb.append("]}").toString().getBytes(UTF_8);
    }

    @Override
    public Decoded decodeOutput(byte[] value) {
        JsonNode root;
        try {
            root = MAPPER.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException("output is not JSON: " + new String(value, UTF_8), e);
        }
        return new Decoded(doubles(root, "features", value), doubles(root, "derivative", value));
    }

    @Override
    public List<String> jobArguments() {
        return List.of();
    }

    private static double[] doubles(JsonNode root, String member, byte[] value) {
        JsonNode array = root.get(member);
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException("output has no array '" + member + "': " + new String(value, UTF_8));
        }
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
