package dev.elustream.sql;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.launcher.EmbeddedKafka;
import dev.elustream.math.ActivationFunction;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.Kernel;
import dev.elustream.sql.ActivationScalarFunction.Output;
import dev.elustream.testing.KafkaTestSupport;
import dev.elustream.testing.Ulps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import javax.annotation.Nullable;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SQL functions as a user runs them: registered with CREATE FUNCTION, over a Kafka table in JSON
 * format on a real broker, planned by Flink's Table planner and run on a mini cluster. Every value of
 * every row is checked against the math package (scalar kernel) within 2 ulp, zeros and NULLs exactly.
 */
class SqlFunctionsITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .build());

    /** SQL name to class, as a user would register them. */
    static final Map<String, Class<? extends ActivationScalarFunction>> FUNCTIONS = new LinkedHashMap<>();

    static {
        FUNCTIONS.put("ELU", EluScalarFunction.class);
        FUNCTIONS.put("ELU_DERIVATIVE", EluDerivativeScalarFunction.class);
        FUNCTIONS.put("ELU_ALPHA_GRADIENT", EluAlphaGradientScalarFunction.class);
        FUNCTIONS.put("SELU", SeluScalarFunction.class);
        FUNCTIONS.put("SELU_DERIVATIVE", SeluDerivativeScalarFunction.class);
        FUNCTIONS.put("CELU", CeluScalarFunction.class);
        FUNCTIONS.put("CELU_DERIVATIVE", CeluDerivativeScalarFunction.class);
    }

    /** One selected column: the call, and what it must equal (alpha null: the row's own alpha column). */
    record Column(String call, ActivationKind kind, Output output, @Nullable Double alpha) {}

    static final List<Column> COLUMNS = List.of(
            new Column("ELU(features)", ActivationKind.ELU, Output.VALUE, 1.0),
            new Column("ELU(features, 0.5)", ActivationKind.ELU, Output.VALUE, 0.5),
            new Column("ELU(features, alpha)", ActivationKind.ELU, Output.VALUE, null),
            new Column("ELU_DERIVATIVE(features)", ActivationKind.ELU, Output.DERIVATIVE, 1.0),
            new Column("ELU_DERIVATIVE(features, 0.5)", ActivationKind.ELU, Output.DERIVATIVE, 0.5),
            new Column("ELU_ALPHA_GRADIENT(features)", ActivationKind.ELU, Output.ALPHA_GRADIENT, 1.0),
            new Column("ELU_ALPHA_GRADIENT(features, 2)", ActivationKind.ELU, Output.ALPHA_GRADIENT, 2.0),
            new Column("SELU(features)", ActivationKind.SELU, Output.VALUE, ActivationKind.SELU_ALPHA),
            new Column("SELU_DERIVATIVE(features)", ActivationKind.SELU, Output.DERIVATIVE, ActivationKind.SELU_ALPHA),
            new Column("CELU(features)", ActivationKind.CELU, Output.VALUE, 1.0),
            new Column("CELU(features, 2.0)", ActivationKind.CELU, Output.VALUE, 2.0),
            new Column("CELU_DERIVATIVE(features, 2.0)", ActivationKind.CELU, Output.DERIVATIVE, 2.0),
            new Column("CELU_DERIVATIVE(features, alpha)", ActivationKind.CELU, Output.DERIVATIVE, null));

    /** One input row; features null with present=false leaves the member out of the JSON. */
    record Input(String id, @Nullable Double[] features, boolean present, @Nullable Double alpha) {
        String json() {
            StringJoiner j = new StringJoiner(",", "{", "}");
            j.add("\"id\":\"" + id + "\"");
            if (present) {
                if (features == null) {
                    j.add("\"features\":null");
                } else {
                    StringJoiner a = new StringJoiner(",", "[", "]");
                    for (Double x : features) {
                        a.add(String.valueOf(x)); // shortest round-trip form, or null
                    }
                    j.add("\"features\":" + a);
                }
            }
            j.add("\"alpha\":" + alpha);
            return j.toString();
        }
    }

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(0);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    static List<Input> inputs() {
        List<Input> in = new ArrayList<>();
        in.add(new Input("a", new Double[] {1.5, -2.0, null}, true, 0.25));
        in.add(new Input("null-array", null, true, 0.5));
        in.add(new Input("missing-array", null, false, 0.5));
        in.add(new Input("empty", new Double[0], true, 0.5));
        in.add(new Input("all-null", new Double[] {null, null}, true, 0.5));
        in.add(new Input("edges", new Double[] {0.0, -0.0, 1e-300, -1e-300, 4.9e-324, -4.9e-324, -1e-17, -37.5, -40.0,
            -745.2, -800.0, 1e300, -1e300, 3.0, -0.5}, true, 3.0));
        in.add(new Input("null-alpha", new Double[] {-1.0, 2.0}, true, null));
        in.add(new Input("negative-alpha", new Double[] {-1.0, 2.0}, true, -1.0)); // per row: NULL, not a failure
        in.add(new Input("zero-alpha", new Double[] {-1.0, 2.0}, true, 0.0)); // ELU: fine; CELU: NULL
        Random rnd = new Random(20261127L);
        for (int i = 0; i < 40; i++) {
            Double[] x = new Double[1 + rnd.nextInt(12)];
            for (int k = 0; k < x.length; k++) {
                x[k] = rnd.nextInt(20) == 0 ? null : rnd.nextGaussian() * 4;
            }
            in.add(new Input("r" + i, x, true, 0.1 + rnd.nextDouble() * 3));
        }
        return in;
    }

    static void produce(String topic, List<Input> inputs) throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Input i : inputs) {
            records.add(new ProducerRecord<>(topic, i.id().getBytes(UTF_8), i.json().getBytes(UTF_8)));
        }
        KafkaTestSupport.produce(kafka.bootstrapServers(), records);
    }

    static TableEnvironment tableEnvironment() {
        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        env.getConfig().set("parallelism.default", "1");
        env.getConfig().set("restart-strategy.type", "disable");
        for (var f : FUNCTIONS.entrySet()) {
            env.executeSql("CREATE FUNCTION " + f.getKey().toLowerCase() + " AS '" + f.getValue().getName() + "'");
        }
        return env;
    }

    static String kafkaTable(String name, String columns, String topic) {
        return "CREATE TABLE " + name + " (" + columns + ") WITH ("
                + "'connector' = 'kafka', "
                + "'topic' = '" + topic + "', "
                + "'properties.bootstrap.servers' = '" + kafka.bootstrapServers() + "', "
                + "'properties.group.id' = 'sql-" + topic + "', "
                + "'scan.startup.mode' = 'earliest-offset', "
                + "'scan.bounded.mode' = 'latest-offset', "
                + "'format' = 'json')";
    }

    static List<Row> collect(TableEnvironment env, String query) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = env.executeSql(query).collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    /** What the math package gives, element by element through the array forms; NULL stays NULL. */
    static @Nullable Double[] expected(ActivationKind kind, Output output, @Nullable Double alpha, @Nullable Double[] x) {
        if (x == null || alpha == null || !Activations.isValidAlpha(kind, alpha)) {
            return null;
        }
        // The scalar kernel: the job may run the vector one, whose last bit can differ (both within 2 ulp).
        ActivationFunction f = Activations.of(kind, alpha, Kernel.SCALAR);
        double[] v = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            v[i] = x[i] == null ? 0.0 : x[i];
        }
        switch (output) {
            case VALUE -> f.values(v, v, v.length);
            case DERIVATIVE -> f.derivatives(v, v, v.length);
            case ALPHA_GRADIENT -> f.alphaGradients(v, v, v.length);
        }
        Double[] out = new Double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] == null ? null : v[i];
        }
        return out;
    }

    static void assertWithin2Ulp(@Nullable Object actual, @Nullable Double[] expected, String what) {
        if (expected == null) {
            assertThat(actual).as(what).isNull();
            return;
        }
        assertThat(actual).as(what).isInstanceOf(Double[].class);
        Double[] got = (Double[]) actual;
        assertThat(got).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == null) {
                assertThat(got[i]).as("%s[%d]", what, i).isNull();
            } else {
                assertThat(got[i]).as("%s[%d]", what, i).isNotNull();
                Ulps.assertWithin2Ulp(got[i], expected[i], what + "[" + i + "]");
            }
        }
    }

    @Test
    void everyFunctionOverAKafkaJsonTableMatchesTheMathPackageWithin2Ulp() throws Exception {
        String topic = "sql-features";
        kafka.createTopics(1, topic);
        List<Input> inputs = inputs();
        produce(topic, inputs);

        TableEnvironment env = tableEnvironment();
        env.executeSql(kafkaTable("features", "id STRING, features ARRAY<DOUBLE>, alpha DOUBLE", topic));
        StringJoiner select = new StringJoiner(", ", "SELECT id, ", " FROM features");
        COLUMNS.forEach(c -> select.add(c.call()));
        List<Row> rows = collect(env, select.toString());

        assertThat(rows).extracting(r -> r.getField(0)).containsExactlyElementsOf(inputs.stream().map(Input::id).toList());
        for (int r = 0; r < rows.size(); r++) {
            Input in = inputs.get(r);
            for (int c = 0; c < COLUMNS.size(); c++) {
                Column col = COLUMNS.get(c);
                Double alpha = col.alpha() != null ? col.alpha() : in.alpha();
                assertWithin2Ulp(rows.get(r).getField(c + 1), expected(col.kind(), col.output(), alpha, in.features()),
                        in.id() + ": " + col.call());
            }
        }
        // the cases the rules are about, spelled out
        Row a = rows.get(0);
        assertThat((Double[]) a.getField(1)).containsExactly(1.5, Math.expm1(-2.0), null);
        assertThat(rows.get(1).getField(1)).as("NULL array").isNull();
        assertThat(rows.get(2).getField(1)).as("missing array").isNull();
        assertThat((Double[]) rows.get(3).getField(1)).as("empty array").isEmpty();
        assertThat((Double[]) rows.get(4).getField(1)).as("all NULL").containsExactly(null, null);
        assertThat(rows.get(6).getField(3)).as("NULL alpha").isNull();
        assertThat(rows.get(7).getField(3)).as("alpha -1 in a row").isNull();
        assertThat(rows.get(8).getField(3)).as("ELU alpha 0 in a row").isNotNull();
        assertThat(rows.get(8).getField(COLUMNS.size())).as("CELU alpha 0 in a row").isNull();
    }

    /** One input row with a per-element alpha array (null: JSON null). */
    record PerElementInput(String id, @Nullable Double[] features, @Nullable Double[] alphas) {
        String json() {
            return "{\"id\":\"" + id + "\",\"features\":" + array(features) + ",\"alphas\":" + array(alphas) + "}";
        }

        private static String array(@Nullable Double[] values) {
            if (values == null) {
                return "null";
            }
            StringJoiner a = new StringJoiner(",", "[", "]");
            for (Double x : values) {
                a.add(String.valueOf(x));
            }
            return a.toString();
        }
    }

    static List<PerElementInput> perElementInputs() {
        List<PerElementInput> in = new ArrayList<>();
        in.add(new PerElementInput("a", new Double[] {1.5, -2.0, null}, new Double[] {0.5, 2.0, 1.0}));
        in.add(new PerElementInput("three", new Double[] {-1.0, -0.5, 3.0}, new Double[] {0.25, 1e300, 0.0}));
        in.add(new PerElementInput("null-alphas", new Double[] {-1.0, 2.0}, null));
        in.add(new PerElementInput("null-alpha-element", new Double[] {-1.0, 2.0, -3.0}, new Double[] {1.0, null, 1.0}));
        in.add(new PerElementInput("short-alphas", new Double[] {-1.0, 2.0, -3.0}, new Double[] {1.0, 1.0}));
        in.add(new PerElementInput("negative-alpha", new Double[] {-1.0, 2.0, -3.0}, new Double[] {1.0, -1.0, 1.0}));
        in.add(new PerElementInput("null-array", null, new Double[] {1.0}));
        in.add(new PerElementInput("empty", new Double[0], new Double[0]));
        Double[] edges = {0.0, -0.0, 1e-300, -1e-300, 4.9e-324, -4.9e-324, -1e-17, -37.5, -40.0, -745.2, -800.0, 1e300,
            -1e300, 3.0, -0.5};
        Double[] pool = {3.0, 0.5, 1e300, 2.5, 1.0, 37.0, 1e-300};
        Double[] edgeAlphas = new Double[edges.length];
        for (int i = 0; i < edges.length; i++) {
            edgeAlphas[i] = pool[i % pool.length];
        }
        in.add(new PerElementInput("edges", edges, edgeAlphas));
        Random rnd = new Random(20261214L);
        for (int i = 0; i < 30; i++) {
            int n = 1 + rnd.nextInt(12);
            Double[] x = new Double[n];
            Double[] alphas = new Double[n];
            for (int k = 0; k < n; k++) {
                x[k] = rnd.nextInt(20) == 0 ? null : rnd.nextGaussian() * 4;
                alphas[k] = 0.1 + rnd.nextDouble() * 3;
            }
            in.add(new PerElementInput("r" + i, x, alphas));
        }
        return in;
    }

    /**
     * Element by element, the math package's scalar-alpha activation (scalar kernel) with that
     * element's alpha; NULL by the package's rules.
     */
    static @Nullable Double[] expectedPerElement(ActivationKind kind, Output output, @Nullable Double[] x,
            @Nullable Double[] alphas) {
        if (x == null || alphas == null || alphas.length != x.length) {
            return null;
        }
        for (Double a : alphas) {
            if (a == null || !Activations.isValidAlpha(kind, a)) {
                return null;
            }
        }
        Double[] out = new Double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = expected(kind, output, alphas[i], new Double[] {x[i]})[0];
        }
        return out;
    }

    @Test
    void perElementAlphaOverAKafkaJsonTableGivesEachElementItsOwnAlpha() throws Exception {
        String topic = "sql-per-element";
        kafka.createTopics(1, topic);
        List<PerElementInput> inputs = perElementInputs();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (PerElementInput i : inputs) {
            records.add(new ProducerRecord<>(topic, i.id().getBytes(UTF_8), i.json().getBytes(UTF_8)));
        }
        KafkaTestSupport.produce(kafka.bootstrapServers(), records);

        TableEnvironment env = tableEnvironment();
        env.executeSql(kafkaTable("features", "id STRING, features ARRAY<DOUBLE>, alphas ARRAY<DOUBLE>", topic));
        List<Column> columns = List.of(
                new Column("ELU(features, alphas)", ActivationKind.ELU, Output.VALUE, null),
                new Column("ELU_DERIVATIVE(features, alphas)", ActivationKind.ELU, Output.DERIVATIVE, null),
                new Column("ELU_ALPHA_GRADIENT(features, alphas)", ActivationKind.ELU, Output.ALPHA_GRADIENT, null),
                new Column("CELU(features, alphas)", ActivationKind.CELU, Output.VALUE, null),
                new Column("CELU_DERIVATIVE(features, alphas)", ActivationKind.CELU, Output.DERIVATIVE, null));
        StringJoiner select = new StringJoiner(", ", "SELECT id, ", " FROM features");
        columns.forEach(c -> select.add(c.call()));
        // an ARRAY[...] alpha: rows of three elements take it, others give NULL; an invalid one NULL everywhere
        select.add("ELU(features, ARRAY[0.5, 2.0, 1.0])");
        select.add("ELU(features, ARRAY[-1.0, 2.0, 1.0])");
        List<Row> rows = collect(env, select.toString());

        assertThat(rows).extracting(r -> r.getField(0))
                .containsExactlyElementsOf(inputs.stream().map(PerElementInput::id).toList());
        Double[] literal = {0.5, 2.0, 1.0};
        for (int r = 0; r < rows.size(); r++) {
            PerElementInput in = inputs.get(r);
            for (int c = 0; c < columns.size(); c++) {
                Column col = columns.get(c);
                assertWithin2Ulp(rows.get(r).getField(c + 1),
                        expectedPerElement(col.kind(), col.output(), in.features(), in.alphas()), in.id() + ": " + col.call());
            }
            assertWithin2Ulp(rows.get(r).getField(columns.size() + 1),
                    expectedPerElement(ActivationKind.ELU, Output.VALUE, in.features(), literal), in.id() + ": literal");
            assertThat(rows.get(r).getField(columns.size() + 2)).as(in.id() + ": invalid literal").isNull();
        }
        // the cases the rules are about, spelled out
        assertThat((Double[]) rows.get(0).getField(1)).containsExactly(1.5, 2.0 * Math.expm1(-2.0), null);
        assertThat(rows.get(1).getField(1)).as("ELU takes alpha 0").isNotNull();
        assertThat(rows.get(1).getField(4)).as("CELU refuses alpha 0").isNull();
        for (int r = 2; r <= 6; r++) {
            assertThat(rows.get(r).getField(1)).as(inputs.get(r).id()).isNull();
        }
        assertThat((Double[]) rows.get(7).getField(1)).as("empty with empty").isEmpty();
    }

    @Test
    void alphaLiteralOutOfRangeRefusesTheQueryNamingTheValue() {
        String topic = "sql-refused";
        kafka.createTopics(1, topic);
        TableEnvironment env = tableEnvironment();
        env.executeSql(kafkaTable("features", "id STRING, features ARRAY<DOUBLE>", topic));
        assertThatThrownBy(() -> env.executeSql("SELECT ELU(features, -1) FROM features"))
                .isInstanceOf(ValidationException.class)
                .hasMessageEndingWith(".ELU: alpha must be finite and >= 0, got -1.0");
        assertThatThrownBy(() -> env.executeSql("SELECT CELU_DERIVATIVE(features, 0) FROM features"))
                .isInstanceOf(ValidationException.class)
                .hasMessageEndingWith(".CELU_DERIVATIVE: alpha must be finite and > 0, got 0.0");
        assertThatThrownBy(() -> env.executeSql("SELECT SELU(features, 1.0) FROM features"))
                .as("SELU takes no alpha")
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void insertIntoAKafkaSinkTableAndReadItBack() throws Exception {
        String in = "sql-insert-in";
        String out = "sql-insert-out";
        kafka.createTopics(1, in, out);
        List<Input> inputs = inputs();
        produce(in, inputs);

        TableEnvironment env = tableEnvironment();
        env.executeSql(kafkaTable("features", "id STRING, features ARRAY<DOUBLE>, alpha DOUBLE", in));
        env.executeSql(kafkaTable("activations", "id STRING, f ARRAY<DOUBLE>, df ARRAY<DOUBLE>", out));
        env.executeSql("INSERT INTO activations SELECT id, ELU(features, 0.5), ELU_DERIVATIVE(features, 0.5) FROM features")
                .await();

        List<Row> rows = collect(env, "SELECT id, f, df FROM activations");
        assertThat(rows).hasSameSizeAs(inputs);
        for (int r = 0; r < rows.size(); r++) {
            Input i = inputs.get(r);
            assertThat(rows.get(r).getField(0)).isEqualTo(i.id());
            assertWithin2Ulp(rows.get(r).getField(1), expected(ActivationKind.ELU, Output.VALUE, 0.5, i.features()), i.id() + " f");
            assertWithin2Ulp(rows.get(r).getField(2), expected(ActivationKind.ELU, Output.DERIVATIVE, 0.5, i.features()),
                    i.id() + " df");
        }
        List<ConsumerRecord<byte[], byte[]>> raw = KafkaTestSupport.readToEnd(kafka.bootstrapServers(), out, Duration.ofSeconds(30));
        assertThat(new String(raw.get(0).value(), UTF_8))
                .isEqualTo("{\"id\":\"a\",\"f\":[1.5,-0.43233235838169365,null],\"df\":[1.0,0.06766764161830635,null]}");
    }

    @Test
    void jobJarCarriesTheFunctionsButNotTheTableApi() throws Exception {
        try (JarFile jar = new JarFile(Path.of("target", "elu-stream.jar").toFile())) {
            List<String> entries = jar.stream().map(ZipEntry::getName).toList();
            for (Class<?> c : FUNCTIONS.values()) {
                assertThat(entries).contains(c.getName().replace('.', '/') + ".class");
            }
            assertThat(entries).contains("dev/elustream/math/Activations.class");
            assertThat(entries).filteredOn(e -> e.startsWith("org/apache/flink/table/"))
                    .as("flink-table-* is the cluster's").isEmpty();
        }
    }
}
