package dev.elustream.launcher;

import dev.elustream.flink.EluSettings;
import java.io.PrintStream;

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
        EluSettings settings = ApplyCommand.recordSettings("schema", args);
        if (settings.schema() == null) {
            throw new Main.UsageException("schema: format " + settings.format().id() + " has no schema; it applies to"
                    + " formats avro and protobuf");
        }
        stdout.println(settings.schema().outputSchemaText());
        return 0;
    }
}
