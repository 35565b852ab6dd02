package dev.elustream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.elustream.job.JobConfig;
import dev.elustream.testing.FlinkCluster;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.util.TimeUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;

/**
 * jobs/features-elu.flinkdeployment.yaml is a FlinkDeployment the Flink Kubernetes Operator accepts
 * (checked against the operator's CRD schema and the rules of its validator that concern savepoint
 * upgrades) and it deploys what this repository builds: the jar and main class of pom.xml in the image
 * of src/main/docker/Dockerfile, the job file jobs/features-elu.properties, the JVM flags the tests'
 * cluster runs with.
 */
class FlinkDeploymentManifestTest {

    private static final Path MANIFEST = Path.of("jobs", "features-elu.flinkdeployment.yaml");
    private static final Path JOB_FILE = Path.of("jobs", "features-elu.properties");
    private static final Path DOCKERFILE = Path.of("src", "main", "docker", "Dockerfile");
    private static final Path POM = Path.of("pom.xml");

    /** In the jar of org.apache.flink:flink-kubernetes-operator-api (see pom.xml). */
    private static final String CRD = "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml";

    /**
     * FlinkVersion values the operator added after the CRD on the test classpath (operator-api 1.10.0,
     * the newest on Maven Central): v2_0 in operator 1.11.0, v2_1 and v2_2 in 1.13.0 (its FlinkVersion
     * enum and the "FlinkVersion" table of its CRD reference). The CRD's enum is widened by exactly these.
     */
    private static final List<String> FLINK_VERSIONS_AFTER_THE_CRD = List.of("v2_0", "v2_1", "v2_2");

    /** The operator's DefaultValidator: a FlinkDeployment's name. */
    private static final Pattern DEPLOYMENT_NAME = Pattern.compile("[a-z]([-a-z\\d]{0,43}[a-z\\d])?");

    /** The operator's DefaultValidator: keys the operator sets itself and refuses in flinkConfiguration. */
    private static final List<String> FORBIDDEN_KEYS =
            List.of("kubernetes.namespace", "kubernetes.cluster-id", "high-availability.cluster-id");

    /**
     * flinkConfiguration keys no Flink option class on the test classpath declares: the Prometheus
     * reporter's (as in docker-compose.yml), and operator options of the "Resource/User Configuration"
     * section of the operator 1.13 configuration reference, which a FlinkDeployment may set.
     */
    private static final Set<String> KEYS_OUTSIDE_FLINK_CORE = Set.of(
            "metrics.reporter.prom.factory.class",
            "metrics.reporter.prom.port",
            "kubernetes.operator.periodic.savepoint.interval",
            "kubernetes.operator.savepoint.history.max.age",
            "kubernetes.operator.job.savepoint-on-deletion");

    private static final String PROMETHEUS_FACTORY =
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

    private static JsonNode configMap;
    private static JsonNode deployment;
    private static JsonNode crdVersion;
    private static CrdSchema schema;
    private static Document pom;

    @BeforeAll
    static void load() throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        List<JsonNode> documents;
        try (var parser = new YAMLFactory().createParser(MANIFEST.toFile())) {
            documents = yaml.readValues(parser, JsonNode.class).readAll();
        }
        assertThat(documents).extracting(d -> d.path("kind").asText()).containsExactly("ConfigMap", "FlinkDeployment");
        configMap = documents.get(0);
        deployment = documents.get(1);

        JsonNode crd;
        try (InputStream in = FlinkDeploymentManifestTest.class.getClassLoader().getResourceAsStream(CRD)) {
            assertThat(in).as("%s on the test classpath", CRD).isNotNull();
            crd = yaml.readTree(in);
        }
        assertThat(crd.path("spec").path("group").asText()).isEqualTo("flink.apache.org");
        assertThat(crd.path("spec").path("names").path("kind").asText()).isEqualTo("FlinkDeployment");
        crdVersion = crdVersion(crd, "v1beta1");
        schema = new CrdSchema(withLaterFlinkVersions(crdVersion.path("schema").path("openAPIV3Schema")));

        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        pom = factory.newDocumentBuilder().parse(POM.toFile());
    }

    // --- the operator's schema ---------------------------------------------------------------------

    @Test
    void isAServedVersionOfTheOperatorsFlinkDeploymentResource() {
        assertThat(deployment.path("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1");
        assertThat(crdVersion.path("served").asBoolean()).isTrue();
        assertThat(deployment.path("metadata").path("name").asText()).matches(DEPLOYMENT_NAME);
    }

    @Test
    void conformsToTheOperatorsCrdSchema() {
        assertThat(schema.violations(deployment)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenManifests")
    void schemaCheckRejectsABrokenCopy(String what, Consumer<ObjectNode> breakIt, String expected) {
        ObjectNode copy = deployment.deepCopy();
        breakIt.accept(copy);
        assertThat(schema.violations(copy)).anySatisfy(v -> assertThat(v).startsWith(expected));
    }

    static Stream<Arguments> brokenManifests() {
        return Stream.of(
                Arguments.of("misspelled job field",
                        change(d -> job(d).set("upgradMode", job(d).remove("upgradeMode"))), "spec.job.upgradMode"),
                Arguments.of("misspelled spec field",
                        change(d -> spec(d).set("taskManger", spec(d).remove("taskManager"))), "spec.taskManger"),
                Arguments.of("upgrade mode outside the enum",
                        change(d -> job(d).put("upgradeMode", "savepoints")), "spec.job.upgradeMode"),
                Arguments.of("Flink version outside the enum",
                        change(d -> spec(d).put("flinkVersion", "v2_9")), "spec.flinkVersion"),
                Arguments.of("parallelism as a string",
                        change(d -> job(d).put("parallelism", "3")), "spec.job.parallelism"),
                Arguments.of("args as one string",
                        change(d -> job(d).put("args", "--job x")), "spec.job.args"),
                Arguments.of("flinkConfiguration value not a string",
                        change(d -> ((ObjectNode) spec(d).get("flinkConfiguration")).set("metrics.reporter.prom.port",
                                IntNode.valueOf(9249))), "spec.flinkConfiguration.metrics.reporter.prom.port"),
                Arguments.of("unknown field in the pod template's volume",
                        change(d -> ((ObjectNode) spec(d).at("/jobManager/podTemplate/spec/volumes/0"))
                                .set("configmap", TextNode.valueOf("x"))), "spec.jobManager.podTemplate.spec.volumes[0].configmap"));
    }

    @Test
    void schemaCheckEnforcesRequiredFields() throws IOException {
        JsonNode withRequired = new ObjectMapper().readTree(
                "{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\",\"required\":[\"job\"],"
                        + "\"properties\":{\"job\":{\"type\":\"object\"},\"image\":{\"type\":\"string\"}}}}}");
        CrdSchema strict = new CrdSchema(withRequired);
        assertThat(strict.violations(new ObjectMapper().readTree("{\"spec\":{\"image\":\"x\"}}")))
                .containsExactly("spec: required field 'job' is missing");
        assertThat(strict.violations(new ObjectMapper().readTree("{\"spec\":{\"job\":{}}}"))).isEmpty();
    }

    @Test
    void flinkVersionIsThePomsFlinkVersionWhichTheCrdOnTheClasspathPredates() {
        String[] flink = pomValue("/project/properties/flink.version").split("\\.");
        String expected = "v" + flink[0] + "_" + flink[1];
        assertThat(spec(deployment).path("flinkVersion").asText()).isEqualTo(expected);
        assertThat(FLINK_VERSIONS_AFTER_THE_CRD).contains(expected);

        // a newer operator-api in pom.xml makes the widening above needless: drop it then
        List<String> crdEnum = new ArrayList<>();
        crdVersion.at("/schema/openAPIV3Schema/properties/spec/properties/flinkVersion/enum")
                .forEach(v -> crdEnum.add(v.asText()));
        assertThat(crdEnum).contains("v1_20").doesNotContainAnyElementsOf(FLINK_VERSIONS_AFTER_THE_CRD);
    }

    // --- what the operator's validator asks of a savepoint upgrade ----------------------------------

    @Test
    void runsAsAnApplicationThatUpgradesThroughSavepoints() {
        JsonNode job = spec(deployment).path("job");
        assertThat(job.path("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(job.path("state").asText()).isEqualTo("running");
        assertThat(job.path("parallelism").asInt()).isPositive();

        Map<String, String> conf = flinkConfiguration();
        assertThat(conf.get("execution.checkpointing.dir")).startsWith("s3://");
        assertThat(conf.get("execution.checkpointing.savepoint-dir")).startsWith("s3://");
        assertThat(conf).containsEntry("high-availability.type", "kubernetes");
        assertThat(conf.get("high-availability.storageDir")).startsWith("s3://");
        assertThat(conf).doesNotContainKeys(FORBIDDEN_KEYS.toArray(String[]::new));

        assertThat(spec(deployment).at("/jobManager/resource/memory").asText()).isNotBlank();
        assertThat(spec(deployment).at("/taskManager/resource/memory").asText()).isNotBlank();
        assertThat(spec(deployment).at("/jobManager/replicas").asInt()).isEqualTo(1);
    }

    @Test
    void flinkConfigurationUsesOnlyCurrentFlinkKeys() throws IllegalAccessException {
        Set<String> current = new HashSet<>();
        Set<String> deprecated = new HashSet<>();
        for (Class<?> options : List.of(CheckpointingOptions.class, CoreOptions.class,
                HighAvailabilityOptions.class, TaskManagerOptions.class)) {
            for (Field field : options.getFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.getType() == ConfigOption.class) {
                    ConfigOption<?> option = (ConfigOption<?>) field.get(null);
                    current.add(option.key());
                    for (FallbackKey fallback : option.fallbackKeys()) {
                        (fallback.isDeprecated() ? deprecated : current).add(fallback.getKey());
                    }
                }
            }
        }
        assertThat(deprecated).contains("state.checkpoints.dir", "state.savepoints.dir");

        Set<String> keys = flinkConfiguration().keySet();
        assertThat(keys).doesNotContainAnyElementsOf(deprecated);
        Set<String> unknown = new HashSet<>(keys);
        unknown.removeAll(current);
        unknown.removeAll(KEYS_OUTSIDE_FLINK_CORE);
        assertThat(unknown).as("keys no Flink option declares").isEmpty();
    }

    // --- agreement with the repository ------------------------------------------------------------

    @Test
    void runsTheJobJarAndMainClassOfThePomFromTheDockerfilesImage() throws IOException {
        JsonNode job = spec(deployment).path("job");
        assertThat(job.path("jarURI").asText()).isEqualTo("local:///opt/flink/usrlib/elu-stream.jar");
        assertThat(job.path("entryClass").asText())
                .isEqualTo(pomValue("//execution[id='job-jar']//transformer/mainClass"));

        List<String> dockerfile = Files.readAllLines(DOCKERFILE, StandardCharsets.UTF_8);
        String flinkVersion = pomValue("/project/properties/flink.version");
        assertThat(instructions(dockerfile, "FROM")).containsExactly("flink:" + flinkVersion + "-scala_2.12-java17");
        assertThat(instructions(dockerfile, "COPY"))
                .containsExactly("--chown=flink:flink target/elu-stream.jar " + job.path("jarURI").asText().substring("local://".length()));
        assertThat(pomValue("//execution[id='job-jar']/configuration/outputFile"))
                .isEqualTo("${project.build.directory}/elu-stream.jar");
        assertThat(String.join("\n", dockerfile)).contains("/opt/flink/opt/flink-s3-fs-presto-" + flinkVersion + ".jar");

        String image = spec(deployment).path("image").asText();
        assertThat(image).endsWith("/elu-stream:" + pomValue("/project/version"));
        assertThat(String.join("\n", dockerfile)).contains("-t " + image + " .");
    }

    @Test
    void jobManagerReadsTheJobFileFromTheConfigMapMountedWhereJobArgsPoint() {
        JsonNode podSpec = spec(deployment).at("/jobManager/podTemplate/spec");
        JsonNode volume = podSpec.at("/volumes/0");
        JsonNode container = podSpec.at("/containers/0");
        JsonNode mount = container.at("/volumeMounts/0");

        assertThat(container.path("name").asText()).isEqualTo("flink-main-container");
        assertThat(mount.path("name").asText()).isEqualTo(volume.path("name").asText());
        assertThat(mount.path("readOnly").asBoolean()).isTrue();
        assertThat(volume.at("/configMap/name").asText()).isEqualTo(configMap.at("/metadata/name").asText());
        assertThat(configMap.path("apiVersion").asText()).isEqualTo("v1");
        assertThat(configMap.path("data").size()).isEqualTo(1);
        assertThat(configMap.path("data").has(JOB_FILE.getFileName().toString())).isTrue();

        String mountedJobFile = mount.path("mountPath").asText() + "/" + JOB_FILE.getFileName();
        assertThat(jobArgs()).containsExactly("--job", mountedJobFile);
    }

    @Test
    void configMapHoldsTheJobFileLineForLineButForTheBootstrapServers() throws IOException {
        List<String> shipped = Files.readAllLines(JOB_FILE, StandardCharsets.UTF_8);
        List<String> copy = configMap.path("data").path(JOB_FILE.getFileName().toString()).asText().lines().toList();

        assertThat(copy).hasSameSizeAs(shipped);
        List<Integer> differing = new ArrayList<>();
        for (int i = 0; i < shipped.size(); i++) {
            if (!copy.get(i).equals(shipped.get(i))) {
                differing.add(i);
                assertThat(copy.get(i)).startsWith("bootstrap-servers=");
                assertThat(shipped.get(i)).startsWith("bootstrap-servers=");
            }
        }
        assertThat(differing).hasSize(1);
        assertThat(copy.get(differing.get(0))).doesNotContain("localhost");
    }

    @Test
    void parallelismAndCheckpointIntervalAgreeWithTheJobFile() {
        Map<String, String> jobFile = JobConfig.readJobFile(JOB_FILE);
        // the job file and the args leave parallelism to the deployment's job.parallelism
        assertThat(jobFile).doesNotContainKey("parallelism");
        assertThat(jobArgs()).doesNotContain("--parallelism");
        assertThat(TimeUtils.parseDuration(flinkConfiguration().get("execution.checkpointing.interval")))
                .isEqualTo(TimeUtils.parseDuration(jobFile.get("checkpoint-interval")));
    }

    @Test
    void jvmsGetTheFlagsOfThePomAndOfTheTestsClusterWithTheVectorModule() {
        List<String> flags = List.of(flinkConfiguration().get("env.java.opts.all").trim().split("\\s+"));
        assertThat(flags).contains("--add-modules=jdk.incubator.vector");
        assertThat(flags).containsExactlyElementsOf(List.of(pomValue("/project/properties/flink.jvm.flags").split("\\s+")));
        assertThat(flags).containsExactlyElementsOf(FlinkCluster.JVM_FLAGS);
    }

    @Test
    void prometheusReporterListensOnThePortThePodsNameMetrics() {
        Map<String, String> conf = flinkConfiguration();
        assertThat(conf).containsEntry("metrics.reporter.prom.factory.class", PROMETHEUS_FACTORY)
                .containsEntry("metrics.reporter.prom.port", "9249");
        JsonNode container = spec(deployment).at("/podTemplate/spec/containers/0");
        assertThat(container.path("name").asText()).isEqualTo("flink-main-container");
        assertThat(container.at("/ports/0/name").asText()).isEqualTo("metrics");
        assertThat(container.at("/ports/0/containerPort").asText()).isEqualTo(conf.get("metrics.reporter.prom.port"));
    }

    // ---------------------------------------------------------------------------------------------

    private static JsonNode crdVersion(JsonNode crd, String name) {
        for (JsonNode version : crd.path("spec").path("versions")) {
            if (version.path("name").asText().equals(name)) {
                return version;
            }
        }
        throw new AssertionError("the CRD has no version " + name);
    }

    /** A copy of the schema whose spec.flinkVersion enum also has {@link #FLINK_VERSIONS_AFTER_THE_CRD}. */
    private static JsonNode withLaterFlinkVersions(JsonNode openApiV3Schema) {
        ObjectNode copy = openApiV3Schema.deepCopy();
        ArrayNode versions = (ArrayNode) copy.at("/properties/spec/properties/flinkVersion/enum");
        FLINK_VERSIONS_AFTER_THE_CRD.forEach(versions::add);
        return copy;
    }

    private static Consumer<ObjectNode> change(Consumer<ObjectNode> change) {
        return change;
    }

    private static ObjectNode spec(JsonNode d) {
        return (ObjectNode) d.get("spec");
    }

    private static ObjectNode job(JsonNode d) {
        return (ObjectNode) spec(d).get("job");
    }

    private static List<String> jobArgs() {
        List<String> args = new ArrayList<>();
        spec(deployment).path("job").path("args").forEach(a -> args.add(a.asText()));
        return args;
    }

    private static Map<String, String> flinkConfiguration() {
        return new ObjectMapper().convertValue(spec(deployment).path("flinkConfiguration"),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});
    }

    private static String pomValue(String xpath) {
        try {
            String value = (String) XPathFactory.newInstance().newXPath().evaluate(xpath, pom, XPathConstants.STRING);
            assertThat(value).as("%s in pom.xml", xpath).isNotBlank();
            return value.trim();
        } catch (javax.xml.xpath.XPathExpressionException e) {
            throw new AssertionError(xpath, e);
        }
    }

    /** The arguments of every Dockerfile instruction of that name, continuation lines joined. */
    private static List<String> instructions(List<String> dockerfile, String name) {
        String joined = String.join("\n", dockerfile).replace("\\\n", " ");
        return joined.lines()
                .map(String::trim)
                .filter(l -> l.startsWith(name + " "))
                .map(l -> l.substring(name.length()).trim().replaceAll("\\s+", " "))
                .toList();
    }
}
