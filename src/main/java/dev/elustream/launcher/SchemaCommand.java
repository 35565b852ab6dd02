package dev.elustream.launcher;

import dev.elustream.flink.EluSettings;
import dev.elustream.job.ConfigException;
import dev.elustream.job.JobConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code schema}: prints the schema of the job's output for format avro or protobuf, checked exactly
 * as the job checks it at start-up, so that consumers can be set up before the job runs.
 */
final class SchemaCommand {

    /** {@code schema --help}; also part of {@link Main#USAGE}. */
    static final String USAGE = String.join("\n",
            "  schema [--job FILE] [--KEY VALUE ...]",
            "      Prints the schema of the output records of a job with format avro (the output schema's",
            "      JSON) or protobuf (the output message), after the start-up checks of the job. Takes the",
            "      keys that shape a record, as apply does; --job FILE takes them from a job file.",
            "      Exit status: 0 printed, 2 usage or configuration error.",
            "");

    private SchemaCommand() {}

    static int run(String[] args, PrintStream stdout) {
        Map<String, String> opts = JobConfig.parseOverrides(args);
        Map<String, String> values = new TreeMap<>();
        String job = opts.remove("job");
        if (job != null) {
            JobConfig.readJobFile(Path.of(job)).forEach((key, value) -> {
                if (JobConfig.RECORD_KEYS.contains(key) || key.startsWith(JobConfig.VECTOR_NAME_PREFIX)) {
                    values.put(key, value);
                }
            });
        }
        for (String key : opts.keySet()) {
            if (!JobConfig.RECORD_KEYS.contains(key) && !key.startsWith(JobConfig.VECTOR_NAME_PREFIX)) {
                throw new Main.UsageException("schema: unknown option --" + key + " (options: --job FILE, "
                        + JobConfig.RECORD_KEYS.stream().sorted().map(k -> "--" + k).collect(Collectors.joining(", "))
                        + ", --" + JobConfig.VECTOR_NAME_PREFIX + "POINTER)");
            }
        }
        values.putAll(opts);
        EluSettings settings;
        try {
            settings = JobConfig.recordSettings(values);
        } catch (ConfigException e) {
            throw new Main.UsageException("schema: " + e.getMessage());
        }
        if (settings.schema() == null) {
            throw new Main.UsageException("schema: format " + settings.format().id() + " has no schema; it applies to"
                    + " formats avro and protobuf");
        }
        stdout.println(settings.schema().outputSchemaText());
        return 0;
    }
}
