package dev.elustream.launcher;

import dev.elustream.job.ConfigException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * Entry point of the standalone jar: {@code local} runs the job on a local Flink with an embedded
 * Kafka broker, {@code apply} runs the same transformation as a stdin-to-stdout filter.
 */
public final class Main {

    /** Every command's usage: {@code --help}, or no command. */
    static final String USAGE = String.join("\n",
            "usage: java -jar elu-stream-standalone.jar COMMAND [OPTIONS]",
            "",
            "commands:",
            "") + LocalCommand.USAGE + ApplyCommand.USAGE + SchemaCommand.USAGE;

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
        String commandUsage = switch (args[0]) {
            case "apply" -> ApplyCommand.USAGE;
            case "local" -> LocalCommand.USAGE;
            case "schema" -> SchemaCommand.USAGE;
            default -> null;
        };
        if (commandUsage != null && asksForHelp(rest)) {
            out.print(commandUsage);
            return 0;
        }
        try {
            switch (args[0]) {
                case "apply":
                    return ApplyCommand.run(rest, System.in, out, err);
                case "local":
                    return LocalCommand.run(rest, out, err);
                case "schema":
                    return SchemaCommand.run(rest, out);
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

    /** {@code --help} or {@code -h} anywhere after the command, even where an option's value would be. */
    private static boolean asksForHelp(String[] commandArgs) {
        for (String arg : commandArgs) {
            if (arg.equals("--help") || arg.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /** A command line that cannot be run; the message says what is wrong. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
