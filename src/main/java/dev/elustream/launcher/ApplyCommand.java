package dev.elustream.launcher;

import dev.elustream.codec.EluJsonTransformer;
import dev.elustream.codec.OutputMode;
import dev.elustream.codec.VectorRejectedException;
import dev.elustream.job.ConfigException;
import dev.elustream.job.JobConfig;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code apply}: the job's transformation as a filter. Each stdin line is one record value; the
 * output line is exactly what the job writes to the output topic for it.
 */
final class ApplyCommand {

    /** {@code apply --help}; also part of {@link Main#USAGE}. */
    static final String USAGE = String.join("\n",
            "  apply [--activation elu|selu|celu] [--alpha A] [--mode both|activation] [--alpha-gradient true|false]",
            "        [--dimension N] [--max-dimension N]",
            "      Reads JSON values, one per line, on stdin; writes what the job would write to the output",
            "      topic, one per line, on stdout; a rejected line goes to stderr as 'line N: reason'.",
            "      The options mean what the job keys of the same names mean (selu takes no --alpha).",
            "      Exit status: 0 every line accepted, 1 some line rejected, 2 usage error.",
            "");

    private static final Set<String> OPTIONS =
            Set.of("activation", "alpha", "mode", "alpha-gradient", "dimension", "max-dimension");

    private ApplyCommand() {}

    static int run(String[] args, InputStream stdin, PrintStream stdout, PrintStream stderr) {
        Map<String, String> opts = JobConfig.parseOverrides(args);
        for (String key : opts.keySet()) {
            if (!OPTIONS.contains(key)) {
                throw new Main.UsageException("apply: unknown option --" + key
                        + " (options: --activation, --alpha, --mode, --alpha-gradient, --dimension, --max-dimension)");
            }
        }
        EluJsonTransformer transformer;
        try {
            ActivationKind activation = opts.containsKey("activation")
                    ? ActivationKind.parse(opts.get("activation")) : ActivationKind.ELU;
            double alpha = opts.containsKey("alpha")
                    ? parseAlpha(activation, opts.get("alpha")) : Activations.defaultAlpha(activation);
            OutputMode mode = OutputMode.parse(opts.getOrDefault("mode", "both"));
            boolean alphaGradient = parseBoolean("alpha-gradient", opts.getOrDefault("alpha-gradient", "false"));
            int maxDimension = parsePositive("max-dimension",
                    opts.getOrDefault("max-dimension", Integer.toString(JobConfig.DEFAULT_MAX_DIMENSION)));
            int dimension = opts.containsKey("dimension") ? parsePositive("dimension", opts.get("dimension")) : 0;
            transformer = new EluJsonTransformer(
                    Activations.of(activation, alpha), mode, alphaGradient, dimension, maxDimension);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("apply: " + e.getMessage());
        }
        return filter(transformer, stdin, stdout, stderr);
    }

    static int filter(EluJsonTransformer transformer, InputStream stdin, PrintStream stdout, PrintStream stderr) {
        boolean rejected = false;
        OutputStream out = new BufferedOutputStream(stdout, 1 << 16);
        try (InputStream in = new BufferedInputStream(stdin, 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            long lineNumber = 0;
            boolean more = true;
            while (more) {
                line.reset();
                int b;
                while ((b = in.read()) != -1 && b != '\n') {
                    line.write(b);
                }
                more = b != -1;
                if (!more && line.size() == 0) {
                    break;
                }
                lineNumber++;
                byte[] value = line.toByteArray();
                int len = value.length;
                if (len > 0 && value[len - 1] == '\r') {
                    value = java.util.Arrays.copyOf(value, len - 1);
                }
                try {
                    out.write(transformer.transform(value));
                    out.write('\n');
                } catch (VectorRejectedException e) {
                    rejected = true;
                    // Keep stdout and stderr in order for a reader watching both.
                    out.flush();
                    stderr.println("line " + lineNumber + ": " + e.reason());
                }
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rejected ? 1 : 0;
    }

    private static double parseAlpha(ActivationKind activation, String text) {
        try {
            return JobConfig.parseAlpha(activation, text);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    private static boolean parseBoolean(String name, String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw new IllegalArgumentException(name + " must be true or false, got '" + text + "'");
        }
    }

    private static int parsePositive(String name, String text) {
        try {
            int v = Integer.parseInt(text.trim());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number >= 1, got '" + text + "'");
    }
}
