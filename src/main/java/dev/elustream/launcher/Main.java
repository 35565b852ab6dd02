package dev.elustream.launcher;

import dev.elustream.job.ConfigException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * Entry point of the standalone jar: {@code local} runs the job on a local Flink with an embedded
 * Kafka broker, {@code apply} runs the same transformation as a stdin-to-stdout filter.
 */
public final class Main {

    static final String USAGE = String.join("\n",
            "usage: java -jar elu-stream-standalone.jar COMMAND [OPTIONS]",
            "",
            "commands:",
            "  local [--job FILE] [--kafka-port N] [--bootstrap-servers HOST:PORT] [--web-port N] [--KEY VALUE ...]",
            "      Runs the job on a local Flink (web UI on localhost:8081) until Ctrl-C. Without",
            "      --bootstrap-servers it starts a single-node Kafka broker on 127.0.0.1:9092 (or --kafka-port)",
            "      and creates the job's three topics. --job defaults to " + LocalCommand.DEFAULT_JOB_FILE + ";",
            "      any job key can be overridden, e.g. --alpha 0.5.",
            "  apply [--activation elu|selu|celu] [--alpha A] [--mode both|activation] [--alpha-gradient true|false]",
            "        [--dimension N] [--max-dimension N]",
            "      Reads JSON values, one per line, on stdin; writes what the job would write to the output",
            "      topic, one per line, on stdout; a rejected line goes to stderr as 'line N: reason'.",
            "      The options mean what the job keys of the same names mean (selu takes no --alpha).",
            "      Exit status: 0 every line accepted, 1 some line rejected, 2 usage error.",
            "");

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "apply":
                    return ApplyCommand.run(rest, System.in, out, err);
                case "local":
                    return LocalCommand.run(rest, out, err);
                default:
                    err.println("elu-stream: unknown command '" + args[0] + "'");
                    err.print(USAGE);
                    return 2;
            }
        } catch (ConfigException | UsageException e) {
            err.println("elu-stream: " + e.getMessage());
            return 2;
        } catch (IllegalStateException e) {
            // Something outside the command line is in the way (a busy port, an unreachable broker).
            err.println("elu-stream: " + e.getMessage());
            return 1;
        }
    }

    /** A command line that cannot be run; the message says what is wrong. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
