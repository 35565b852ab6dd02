package dev.elustream.launcher;

import dev.elustream.codec.EluJsonTransformer;
import dev.elustream.codec.VectorFormat;
import dev.elustream.codec.VectorRejectedException;
import dev.elustream.flink.EluSettings;
import dev.elustream.job.ConfigException;
import dev.elustream.job.JobConfig;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code apply}: the job's transformation as a filter. Each stdin line is one record value; the
 * output line is exactly what the job writes to the output topic for it.
 */
final class ApplyCommand {

    /** {@code apply --help}; also part of {@link Main#USAGE}. */
    static final String USAGE = String.join("\n",
            "  apply [--job FILE] [--activation elu|selu|celu] [--alpha A] [--mode both|activation]",
            "        [--alpha-gradient true|false] [--dimension N] [--max-dimension N] [--format json]",
            "        [--precision float64|float32]",
            "        [--vector-fields POINTERS] [--derivative-name T] [--alpha-gradient-name T] [--input-name T]",
            "        [--vector-name.POINTER NAME]",
            "      Reads JSON values, one per line, on stdin; writes what the job would write to the output",
            "      topic, one per line, on stdout; a rejected line goes to stderr as 'line N: reason'.",
            "      The options mean what the job keys of the same names mean (selu takes no --alpha);",
            "      --job FILE takes them from a job file, and the command line wins.",
            "      Exit status: 0 every line accepted, 1 some line rejected, 2 usage error.",
            "");

    private ApplyCommand() {}

    static int run(String[] args, InputStream stdin, PrintStream stdout, PrintStream stderr) {
        EluSettings settings = recordSettings("apply", args);
        if (settings.format() != VectorFormat.JSON) {
            throw new Main.UsageException("apply: reads JSON values, one per line, and format "
                    + settings.format().id() + " is not line-based text: use format json");
        }
        EluJsonTransformer transformer = new EluJsonTransformer(settings.activationFunction(), settings.mode(),
                settings.alphaGradient(), settings.dimension(), settings.maxDimension(), settings.jsonFields(),
                settings.precision());
        return filter(transformer, stdin, stdout, stderr);
    }

    /**
     * The settings of the keys that shape a record, from {@code --job FILE} (its other keys ignored)
     * and the command line, which wins; what {@code apply} and {@code schema} take.
     *
     * @throws Main.UsageException naming the command and the option or key that is wrong
     */
    static EluSettings recordSettings(String command, String[] args) {
        Map<String, String> opts = JobConfig.parseOverrides(args);
        Map<String, String> values = new TreeMap<>();
        String job = opts.remove("job");
        if (job != null) {
            // The job's own transformation: its record keys, whatever else the file sets.
            JobConfig.readJobFile(Path.of(job)).forEach((key, value) -> {
                if (JobConfig.RECORD_KEYS.contains(key) || key.startsWith(JobConfig.VECTOR_NAME_PREFIX)) {
                    values.put(key, value);
                }
            });
        }
        for (String key : opts.keySet()) {
            if (!JobConfig.RECORD_KEYS.contains(key) && !key.startsWith(JobConfig.VECTOR_NAME_PREFIX)) {
                throw new Main.UsageException(command + ": unknown option --" + key + " (options: --job FILE, "
                        + JobConfig.RECORD_KEYS.stream().sorted().map(k -> "--" + k).collect(Collectors.joining(", "))
                        + ", --" + JobConfig.VECTOR_NAME_PREFIX + "POINTER)");
            }
        }
        values.putAll(opts);
        try {
            return JobConfig.recordSettings(values);
        } catch (ConfigException e) {
            throw new Main.UsageException(command + ": " + e.getMessage());
        }
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

}
