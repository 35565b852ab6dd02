package dev.elustream.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** The rows of the ELU reference: {@code x, alpha, elu, derivative}, correctly rounded. */
public final class EluReference {

    private EluReference() {}

    /** The shared reference beside the checkout, or the bundled copy (kept equal to it by EluTest). */
    public static List<double[]> rows() throws IOException {
        Path shared = Path.of("..", "shared", "reference", "elu-reference.csv");
        String csv;
        if (Files.isRegularFile(shared)) {
            csv = Files.readString(shared, StandardCharsets.UTF_8);
        } else {
            try (InputStream in = Objects.requireNonNull(
                    EluReference.class.getResourceAsStream("/elu-reference.csv"), "elu-reference.csv")) {
                csv = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        List<double[]> rows = new ArrayList<>();
        String[] lines = csv.split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                rows.add(Arrays.stream(lines[i].trim().split(",")).mapToDouble(Double::parseDouble).toArray());
            }
        }
        return rows;
    }
}
