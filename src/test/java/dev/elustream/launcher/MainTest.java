package dev.elustream.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.elustream.math.Celu;
import dev.elustream.math.Selu;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int apply(String stdin, String... args) {
        return ApplyCommand.run(args, new ByteArrayInputStream(stdin.getBytes(UTF_8)),
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
    }

    private int main(String... args) {
        return Main.run(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
    }

    @Test
    void applyWritesWhatTheJobWritesOneLinePerRecord() {
        int rc = apply("{\"id\":1,\"features\":[1.5,-2]}\n{\"features\":[0]}\n");
        assertThat(rc).isZero();
        assertThat(out.toString(UTF_8)).isEqualTo("{\"id\":1,\"features\":[1.5," + Math.expm1(-2.0) + "],\"derivative\":[1.0,"
                + Math.exp(-2.0) + "]}\n{\"features\":[0.0],\"derivative\":[1.0]}\n");
        assertThat(err.toString(UTF_8)).isEmpty();
    }

    @Test
    void applyWritesFloat32ResultsWithPrecisionFloat32() {
        int rc = apply("{\"features\":[1.5,-2,0.1]}\n", "--precision", "float32");
        assertThat(rc).isZero();
        assertThat(out.toString(UTF_8)).isEqualTo("{\"features\":[1.5,"
                + com.fasterxml.jackson.core.io.NumberOutput.toString((float) Math.expm1(-2.0), true) + ",0.1],\"derivative\":[1.0,"
                + com.fasterxml.jackson.core.io.NumberOutput.toString((float) Math.exp(-2.0), true) + ",1.0]}\n");
        assertThat(err.toString(UTF_8)).isEmpty();
    }

    @Test
    void applyReportsRejectedLinesOnStderrAndExitsOne() {
        int rc = apply("{\"features\":[1]}\n[1]\r\n{\"features\":[-1]}\n\n{\"features\":[2]}", "--alpha", "0.5",
                "--mode", "activation");
        assertThat(rc).isEqualTo(1);
        assertThat(out.toString(UTF_8)).isEqualTo("{\"features\":[1.0]}\n{\"features\":[" + 0.5 * Math.expm1(-1.0)
                + "]}\n{\"features\":[2.0]}\n");
        assertThat(err.toString(UTF_8)).isEqualTo(
                "line 2: value is a JSON array, expected a JSON object with a 'features' array\n"
                        + "line 4: value is empty: expected a JSON object with a 'features' array\n");
    }

    @Test
    void applyTakesOneAlphaPerElement() {
        int rc = apply("{\"features\":[-1,-1,2]}\n", "--alpha", "[0.5, 2, 1]", "--dimension", "3", "--mode", "activation");
        assertThat(rc).isZero();
        assertThat(out.toString(UTF_8)).isEqualTo("{\"features\":[" + 0.5 * Math.expm1(-1.0) + "," + 2 * Math.expm1(-1.0)
                + ",2.0]}\n");
        assertThat(main("apply", "--alpha", "[0.5, 2]", "--dimension", "3")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("alpha per element must have dimension (3) elements, got 2");
    }

    @Test
    void applyChecksTheDimension() {
        assertThat(apply("{\"features\":[1,2]}\n{\"features\":[1]}\n", "--dimension=2")).isEqualTo(1);
        assertThat(err.toString(UTF_8)).isEqualTo("line 2: 'features' has 1 elements, expected 2 (dimension)\n");
    }

    @Test
    void applyTakesTheRecordKeysOfAJob(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        int rc = apply("{\"u\":{\"e\":[-1]},\"v\":[[2]]}\n", "--vector-fields", "/u/e,/v/0", "--vector-name./v/0",
                "first", "--mode", "both");
        assertThat(rc).isZero();
        assertThat(out.toString(UTF_8)).isEqualTo("{\"u\":{\"e\":[" + Math.expm1(-1.0) + "],\"e_derivative\":["
                + Math.exp(-1.0) + "]},\"v\":[[2.0]],\"first_derivative\":[1.0]}\n");
        out.reset();
        java.nio.file.Path job = dir.resolve("job.properties");
        java.nio.file.Files.writeString(job, "bootstrap-servers=x:9092\ninput-topic=in\nvector-fields=/x\n"
                + "mode=activation\nalpha=0.5\n");
        assertThat(apply("{\"x\":[-1]}\n", "--job", job.toString())).isZero();
        assertThat(out.toString(UTF_8)).isEqualTo("{\"x\":[" + 0.5 * Math.expm1(-1.0) + "]}\n");
        out.reset();
        // the command line wins over the job file
        assertThat(apply("{\"y\":[-1]}\n", "--job", job.toString(), "--vector-fields", "/y", "--alpha", "1")).isZero();
        assertThat(out.toString(UTF_8)).isEqualTo("{\"y\":[" + Math.expm1(-1.0) + "]}\n");
    }

    @Test
    void applyRefusesAFormatThatIsNotLineBasedText() {
        assertThat(main("apply", "--format", "binary")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).isEqualTo("elu-stream: apply: reads JSON values, one per line, and format"
                + " binary is not line-based text: use format json\n");
    }

    @Test
    void badOptionsAreUsageErrorsWithExitTwo() {
        assertThat(main("apply", "--alpha", "-1")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("alpha must be a finite number >= 0, got '-1'");
        err.reset();
        assertThat(main("apply", "--mode", "relu")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("mode must be one of both, activation, got 'relu'");
        err.reset();
        assertThat(main("apply", "--colour", "red")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("apply: unknown option --colour");
        err.reset();
        assertThat(main("apply", "--dimension", "0")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("dimension must be a whole number >= 1, got '0'");
        err.reset();
        assertThat(main("frobnicate")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("unknown command 'frobnicate'", "usage:");
        err.reset();
        assertThat(main()).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("usage:");
        assertThat(main("--help")).isZero();
        assertThat(out.toString(UTF_8)).contains("local [--job FILE]", "apply [--job FILE] [--activation elu|selu|celu] [--alpha A]",
                "[--alpha-gradient true|false]");
    }

    // The usage texts, byte for byte: `--help` prints the header and both commands' parts.
    private static final String USAGE_HEADER = "usage: java -jar elu-stream-standalone.jar COMMAND [OPTIONS]\n"
            + "\n"
            + "commands:\n";
    private static final String LOCAL_USAGE =
            "  local [--job FILE] [--kafka-port N] [--bootstrap-servers HOST:PORT] [--web-port N] [--metrics-port N]\n"
            + "        [--KEY VALUE ...]\n"
            + "      Runs the job on a local Flink (web UI on localhost:8081) until Ctrl-C. Without\n"
            + "      --bootstrap-servers it starts a single-node Kafka broker on 127.0.0.1:9092 (or --kafka-port)\n"
            + "      and creates the job's topics. --job defaults to jobs/features-elu.properties;\n"
            + "      any job key can be overridden, e.g. --alpha 0.5, or --control-topic features-control to take\n"
            + "      new parameters while the job runs. --metrics-port serves Flink's metrics for Prometheus on\n"
            + "      http://localhost:N/metrics (src/main/monitoring/ has a dashboard and alerts).\n";
    private static final String APPLY_USAGE =
            "  apply [--job FILE] [--activation elu|selu|celu] [--alpha A] [--mode both|activation]\n"
            + "        [--alpha-gradient true|false] [--dimension N] [--max-dimension N] [--format json]\n"
            + "        [--precision float64|float32]\n"
            + "        [--vector-fields POINTERS] [--derivative-name T] [--alpha-gradient-name T] [--input-name T]\n"
            + "        [--vector-name.POINTER NAME]\n"
            + "      Reads JSON values, one per line, on stdin; writes what the job would write to the output\n"
            + "      topic, one per line, on stdout; a rejected line goes to stderr as 'line N: reason'.\n"
            + "      The options mean what the job keys of the same names mean (selu takes no --alpha);\n"
            + "      --job FILE takes them from a job file, and the command line wins.\n"
            + "      Exit status: 0 every line accepted, 1 some line rejected, 2 usage error.\n";
    private static final String SCHEMA_USAGE =
            "  schema [--job FILE] [--KEY VALUE ...]\n"
            + "      Prints the schema of the output records of a job with format avro (the output schema's\n"
            + "      JSON) or protobuf (the output message), after the start-up checks of the job. Takes the\n"
            + "      keys that shape a record, as apply does; --job FILE takes them from a job file.\n"
            + "      Exit status: 0 printed, 2 usage or configuration error.\n";

    @Test
    void helpPrintsEveryCommandsUsageOnStdoutAndExitsZero() {
        for (String help : new String[] {"--help", "-h", "help"}) {
            out.reset();
            assertThat(main(help)).isZero();
            assertThat(out.toString(UTF_8)).isEqualTo(USAGE_HEADER + LOCAL_USAGE + APPLY_USAGE + SCHEMA_USAGE);
        }
        assertThat(err.toString(UTF_8)).isEmpty();
    }

    @Test
    void noCommandPrintsEveryCommandsUsageOnStderrAndExitsTwo() {
        assertThat(main()).isEqualTo(2);
        assertThat(err.toString(UTF_8)).isEqualTo(USAGE_HEADER + LOCAL_USAGE + APPLY_USAGE + SCHEMA_USAGE);
        assertThat(out.toString(UTF_8)).isEmpty();
    }

    @Test
    void helpAfterApplyPrintsApplysUsageWhereverItStands() {
        String[][] commandLines = {
            {"apply", "--help"},
            {"apply", "-h"},
            {"apply", "--alpha", "0.5", "--help"},
            {"apply", "--help", "--alpha", "0.5"},
            {"apply", "--mode", "activation", "-h", "--dimension", "3"},
            // help wins over what would otherwise be a usage error
            {"apply", "--colour", "red", "--help"},
            {"apply", "--alpha", "--help"},
        };
        for (String[] args : commandLines) {
            out.reset();
            assertThat(main(args)).as(String.join(" ", args)).isZero();
            assertThat(out.toString(UTF_8)).as(String.join(" ", args)).isEqualTo(APPLY_USAGE);
        }
        assertThat(err.toString(UTF_8)).isEmpty();
    }

    @Test
    void helpAfterLocalPrintsLocalsUsageWithoutStartingAnything() {
        String[][] commandLines = {
            {"local", "--help"},
            {"local", "-h"},
            {"local", "--job", "no/such/job.properties", "--help"},
            {"local", "--kafka-port", "9999", "-h", "--bootstrap-servers", "x:1"},
        };
        for (String[] args : commandLines) {
            out.reset();
            assertThat(main(args)).as(String.join(" ", args)).isZero();
            assertThat(out.toString(UTF_8)).as(String.join(" ", args)).isEqualTo(LOCAL_USAGE);
        }
        assertThat(err.toString(UTF_8)).isEmpty();
    }

    @Test
    void schemaPrintsTheAvroOutputSchemaOfTheShippedJob() throws Exception {
        assertThat(main("schema", "--job", "jobs/features-elu-avro.properties")).isZero();
        org.apache.avro.Schema printed = new org.apache.avro.Schema.Parser().parse(out.toString(UTF_8));
        assertThat(printed.getFields()).extracting(org.apache.avro.Schema.Field::name)
                .containsExactly("id", "features", "derivative", "user", "tags", "event_time");
        assertThat(err.toString(UTF_8)).isEmpty();
    }

    @Test
    void schemaPrintsTheProtobufOutputMessageOfTheShippedJob() throws Exception {
        assertThat(main("schema", "--job", "jobs/features-elu-protobuf.properties")).isZero();
        String printed = out.toString(UTF_8);
        assertThat(printed).startsWith("# message example.FeaturesOut of features.proto (DescriptorProto, text format)\n"
                + "name: \"FeaturesOut\"\n");
        com.google.protobuf.DescriptorProtos.DescriptorProto.Builder proto =
                com.google.protobuf.DescriptorProtos.DescriptorProto.newBuilder();
        com.google.protobuf.TextFormat.merge(printed, proto);
        assertThat(proto.getFieldList()).extracting(f -> f.getName() + "=" + f.getNumber())
                .containsExactly("id=1", "features=2", "user=3", "tags=4", "derivative=10", "alpha_gradient=11");
    }

    @Test
    void schemaRefusesAFormatWithoutOneAndABadSchema() {
        assertThat(main("schema", "--job", "jobs/features-elu.properties")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).isEqualTo("elu-stream: schema: format json has no schema; it applies to"
                + " formats avro and protobuf\n");
        err.reset();
        assertThat(main("schema", "--job", "jobs/features-elu-avro.properties", "--vector-fields", "/id")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).isEqualTo("elu-stream: schema: vector-fields /id: field 'id' of"
                + " example.Features is string, expected array<double> or array<float> (or a union of null and one of"
                + " them)\n");
        assertThat(out.toString(UTF_8)).isEmpty();
    }

    @Test
    void applyRunsTheChosenActivationWithItsAlphaGradient() {
        int rc = apply("{\"features\":[2,-1]}\n", "--activation", "celu", "--alpha", "0.5", "--alpha-gradient", "true");
        assertThat(rc).isZero();
        Celu celu = Celu.withAlpha(0.5);
        assertThat(out.toString(UTF_8)).isEqualTo("{\"features\":[2.0," + celu.value(-1.0) + "],\"derivative\":[1.0,"
                + celu.derivative(-1.0) + "],\"alpha_gradient\":[0.0," + celu.alphaGradient(-1.0) + "]}\n");
        // CELU at alpha 0.5, x = -1: 0.5*expm1(-2), exp(-2), expm1(-2) + 2*exp(-2)
        assertThat(celu.value(-1.0)).isEqualTo(0.5 * Math.expm1(-2.0));
        assertThat(celu.derivative(-1.0)).isEqualTo(Math.exp(-2.0));
        assertThat(celu.alphaGradient(-1.0)).isCloseTo(Math.expm1(-2.0) + 2 * Math.exp(-2.0), within(1e-16));
    }

    @Test
    void applyRunsSeluWithoutAnAlpha() {
        int rc = apply("{\"features\":[1,-1]}\n{\"features\":[1e308,1.75e308]}\n", "--activation", "selu", "--mode", "activation");
        assertThat(rc).isEqualTo(1);
        assertThat(out.toString(UTF_8)).isEqualTo("{\"features\":[1.0507009873554805," + Selu.instance().value(-1.0) + "]}\n");
        assertThat(err.toString(UTF_8)).startsWith("line 2: features[1] = 1.75E308 is too large for activation selu");
    }

    @Test
    void applyRejectsAnInputAlphaGradientWhenWritingOne() {
        assertThat(apply("{\"features\":[1],\"alpha_gradient\":[0]}\n", "--alpha-gradient", "true")).isEqualTo(1);
        assertThat(err.toString(UTF_8)).isEqualTo("line 1: value already has an 'alpha_gradient' member, which this job"
                + " writes (alpha-gradient true): remove it or set alpha-gradient false\n");
    }

    @Test
    void badActivationOptionsAreUsageErrorsWithExitTwo() {
        assertThat(main("apply", "--activation", "relu")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("apply: activation must be one of elu, selu, celu, got 'relu'");
        err.reset();
        assertThat(main("apply", "--activation", "celu", "--alpha", "0")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("apply: alpha must be > 0 for activation celu, got '0'");
        err.reset();
        assertThat(main("apply", "--activation", "selu", "--alpha", "1")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("apply: alpha cannot be set with activation selu, whose alpha is fixed"
                + " at 1.6732632423543772: remove it, got '1'");
        err.reset();
        assertThat(main("apply", "--alpha-gradient", "yes")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("apply: alpha-gradient must be true or false, got 'yes'");
    }

    @Test
    void localRefusesAMissingJobFile() {
        assertThat(main("local", "--job", "no/such/job.properties")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("job file ", "no/such/job.properties does not exist");
    }

    @Test
    void localRefusesABadJobKeyBeforeStartingAnything() {
        assertThat(main("local", "--alpha", "-3")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("alpha must be a finite number >= 0, got '-3'");
    }

    @Test
    void localRefusesABusyKafkaPortNamingIt() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            long start = System.nanoTime();
            int rc = main("local", "--kafka-port", Integer.toString(busy.getLocalPort()), "--web-port",
                    Integer.toString(freePort()));
            assertThat(rc).isEqualTo(1);
            assertThat(err.toString(UTF_8)).contains("port " + busy.getLocalPort() + " on 127.0.0.1 is in use");
            assertThat(System.nanoTime() - start).isLessThan(10_000_000_000L);
        }
    }

    @Test
    void localRefusesABusyMetricsPortNamingItBeforeStartingABroker() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int rc = main("local", "--kafka-port", Integer.toString(freePort()), "--web-port", Integer.toString(freePort()),
                    "--metrics-port", Integer.toString(busy.getLocalPort()));
            assertThat(rc).isEqualTo(1);
            assertThat(err.toString(UTF_8)).contains("port " + busy.getLocalPort() + " on 127.0.0.1 is in use",
                    "pass another --metrics-port N");
            assertThat(out.toString(UTF_8)).doesNotContain("Starting a Kafka broker");
        }
    }

    @Test
    void localRefusesAMetricsPortThatIsNotAPortOrIsTheWebPort() {
        assertThat(main("local", "--metrics-port", "0")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("metrics-port must be a port number between 1 and 65535, got '0'");
        assertThat(main("local", "--metrics-port", "8081")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("--metrics-port and --web-port are both 8081: give two ports");
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Test
    void localRefusesBothKafkaPortAndBootstrapServers() {
        assertThat(main("local", "--kafka-port", "9999", "--bootstrap-servers", "x:1")).isEqualTo(2);
        assertThat(err.toString(UTF_8)).contains("give one");
    }
}
