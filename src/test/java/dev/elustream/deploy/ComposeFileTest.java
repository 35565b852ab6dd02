package dev.elustream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * docker-compose.yml agrees with what it deploys: the pom's Flink and Kafka versions, the jar where
 * the build puts it, the job file's topics, Kafka's listeners and the ports and paths README.md gives.
 */
class ComposeFileTest {

    private static final Path COMPOSE = Path.of("docker-compose.yml");
    private static final Path POM = Path.of("pom.xml");
    private static final Path JOB_FILE = Path.of("jobs", "features-elu.properties");
    private static final Path README = Path.of("README.md");
    private static final Path MONITORING = Path.of("src", "main", "monitoring");

    private static final String PROMETHEUS_FACTORY =
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

    private static JsonNode services;
    private static JsonNode namedVolumes;
    private static Document pom;

    @BeforeAll
    static void load() throws Exception {
        JsonNode compose = new YAMLMapper().readTree(COMPOSE.toFile());
        services = compose.path("services");
        namedVolumes = compose.path("volumes");
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        pom = factory.newDocumentBuilder().parse(POM.toFile());
    }

    @Test
    void flinkServicesRunTheOfficialImageOfThePomsFlinkVersionOnJava17() {
        String flinkVersion = pomProperty("flink.version");
        assertThat(flinkVersion).matches("\\d+\\.\\d+\\.\\d+");

        Map<String, String> flinkImages = imagesOfRepository("flink");
        assertThat(flinkImages).containsOnlyKeys("flink-data-init", "jobmanager", "taskmanager", "submit");
        assertThat(flinkImages.values()).containsOnly("flink:" + flinkVersion + "-scala_2.12-java17");
    }

    @Test
    void kafkaServicesRunTheOfficialImageOfThePomsKafkaVersion() {
        String kafkaVersion = pomProperty("kafka.version");
        assertThat(kafkaVersion).matches("\\d+\\.\\d+\\.\\d+");

        Map<String, String> kafkaImages = imagesOfRepository("apache/kafka");
        assertThat(kafkaImages).containsOnlyKeys("kafka", "create-topics");
        assertThat(kafkaImages.values()).containsOnly("apache/kafka:" + kafkaVersion);
    }

    @Test
    void publishesKafkaTheWebUiAndBothMetricsEndpointsOnLocalhostOnly() {
        assertThat(publishedPorts("kafka")).containsExactly(new Published("127.0.0.1", 9092, 9092));
        assertThat(publishedPorts("jobmanager")).containsExactly(
                new Published("127.0.0.1", 8081, 8081), new Published("127.0.0.1", 9249, 9249));
        assertThat(publishedPorts("taskmanager")).containsExactly(new Published("127.0.0.1", 9250, 9249));
        assertThat(publishedPorts("create-topics")).isEmpty();
        assertThat(publishedPorts("flink-data-init")).isEmpty();
        assertThat(publishedPorts("submit")).isEmpty();
        assertThat(publishedPorts("prometheus")).containsExactly(new Published("127.0.0.1", 9090, 9090));
        assertThat(publishedPorts("grafana")).containsExactly(new Published("127.0.0.1", 3000, 3000));
    }

    @Test
    void readmeWalkthroughNamesExactlyThePublishedHostPorts() throws IOException {
        Set<Integer> published = new TreeSet<>();
        services.fieldNames().forEachRemaining(s -> publishedPorts(s).forEach(p -> published.add(p.host())));

        String walkthrough = composeWalkthrough();
        Set<Integer> named = new TreeSet<>();
        Matcher m = Pattern.compile("localhost:(\\d+)").matcher(walkthrough);
        while (m.find()) {
            named.add(Integer.parseInt(m.group(1)));
        }

        assertThat(published).containsExactly(3000, 8081, 9090, 9092, 9249, 9250);
        assertThat(named).isEqualTo(published);
        assertThat(walkthrough).contains(
                "http://localhost:8081", "http://localhost:9249/metrics", "http://localhost:9250/metrics",
                "kcat -P -b localhost:9092", "kcat -C -b localhost:9092", "http://localhost:9090/alerts",
                "http://localhost:3000");
    }

    @Test
    void prometheusScrapesBothReportersAndEvaluatesTheShippedRules() throws IOException {
        assertThat(services.path("prometheus").path("image").asText()).matches("prom/prometheus:v\\d+\\.\\d+\\.\\d+");
        List<String> command = new ArrayList<>();
        services.path("prometheus").path("command").forEach(c -> command.add(c.asText()));
        assertThat(command).contains("--config.file=/etc/prometheus/prometheus.yml");
        Path config = hostPath("prometheus", "/etc/prometheus/prometheus.yml");
        assertThat(config).isEqualTo(MONITORING.resolve("prometheus.yml"));
        JsonNode prometheus = new YAMLMapper().readTree(config.toFile());

        String reporterPort = flinkProperties("jobmanager").get("metrics.reporter.prom.port");
        assertThat(flinkProperties("taskmanager")).containsEntry("metrics.reporter.prom.port", reporterPort);
        List<String> targets = new ArrayList<>();
        prometheus.path("scrape_configs").forEach(job -> job.path("static_configs").forEach(
                c -> c.path("targets").forEach(t -> targets.add(t.asText()))));
        assertThat(targets).containsExactly("jobmanager:" + reporterPort, "taskmanager:" + reporterPort);

        List<Path> rules = new ArrayList<>();
        prometheus.path("rule_files").forEach(r -> rules.add(hostPath("prometheus", r.asText())));
        assertThat(rules).containsExactly(MONITORING.resolve("elu-stream-rules.yml"));
    }

    @Test
    void grafanaProvisionsTheComposePrometheusAndTheShippedDashboard() throws IOException {
        assertThat(services.path("grafana").path("image").asText()).matches("grafana/grafana:\\d+\\.\\d+\\.\\d+");
        JsonNode datasources = new YAMLMapper().readTree(
                hostPath("grafana", "/etc/grafana/provisioning/datasources/elu-stream.yml").toFile());
        JsonNode ds = datasources.path("datasources").get(0);
        assertThat(ds.path("type").asText()).isEqualTo("prometheus");
        assertThat(ds.path("url").asText()).isEqualTo("http://prometheus:" + publishedPorts("prometheus").get(0).container());
        assertThat(ds.path("isDefault").asBoolean()).isTrue();
        // $__rate_interval follows the scrape interval Grafana is told of
        JsonNode prometheus = new YAMLMapper().readTree(hostPath("prometheus", "/etc/prometheus/prometheus.yml").toFile());
        assertThat(ds.path("jsonData").path("timeInterval").asText())
                .isEqualTo(prometheus.path("global").path("scrape_interval").asText());

        JsonNode providers = new YAMLMapper().readTree(
                hostPath("grafana", "/etc/grafana/provisioning/dashboards/elu-stream.yml").toFile());
        String dir = providers.path("providers").get(0).path("options").path("path").asText();
        assertThat(hostPath("grafana", dir + "/elu-stream-dashboard.json"))
                .isEqualTo(MONITORING.resolve("elu-stream-dashboard.json"));
    }

    @Test
    void everyBindMountOfTheMonitoringServicesIsAFileOfTheRepository() {
        for (String service : List.of("prometheus", "grafana")) {
            for (String volume : volumes(service)) {
                String source = volume.split(":")[0];
                if (source.startsWith("./")) {
                    assertThat(Path.of(source)).as("%s of %s", volume, service).isRegularFile();
                    assertThat(volume).as("read-only").endsWith(":ro");
                } else {
                    assertThat(namedVolumes.has(source)).as("named volume %s of %s", source, service).isTrue();
                }
            }
        }
    }

    @Test
    void prometheusReporterServesJobManagerAndTaskManagerMetricsOnThePublishedContainerPort() {
        for (String service : List.of("jobmanager", "taskmanager")) {
            Map<String, String> props = flinkProperties(service);
            assertThat(props).as(service)
                    .containsEntry("metrics.reporter.prom.factory.class", PROMETHEUS_FACTORY)
                    .containsEntry("metrics.reporter.prom.port", "9249");
            assertThat(publishedPorts(service)).as(service)
                    .extracting(Published::container).contains(9249);
        }
    }

    @Test
    void taskManagerOffersTwoSlotsAndBothFindTheJobManager() {
        assertThat(flinkProperties("taskmanager"))
                .containsEntry("taskmanager.numberOfTaskSlots", "2")
                .containsEntry("jobmanager.rpc.address", "jobmanager");
        assertThat(flinkProperties("jobmanager")).containsEntry("jobmanager.rpc.address", "jobmanager");
        assertThat(services.path("jobmanager").path("command").asText()).isEqualTo("jobmanager");
        assertThat(services.path("taskmanager").path("command").asText()).isEqualTo("taskmanager");
    }

    @Test
    void jobManagerAndTaskManagerLoadTheVectorModuleAndKeepFlinksJvmFlags() {
        assertThat(flinkProperties("jobmanager"))
                .containsEntry("env.java.opts.jobmanager", "--add-modules jdk.incubator.vector");
        assertThat(flinkProperties("taskmanager"))
                .containsEntry("env.java.opts.taskmanager", "--add-modules jdk.incubator.vector");
        // env.java.opts.all holds the image's --add-opens list: setting it would drop them
        for (String service : List.of("jobmanager", "taskmanager")) {
            assertThat(flinkProperties(service)).as(service).doesNotContainKey("env.java.opts.all");
        }
    }

    @Test
    void checkpointsAndSavepointsGoToOneNamedVolumeMountedAlikeOnJobManagerAndTaskManager() throws IOException {
        Map<String, String> jm = flinkProperties("jobmanager");
        Map<String, String> tm = flinkProperties("taskmanager");
        assertThat(jm).containsEntry("execution.checkpointing.dir", "file:///flink-data/checkpoints")
                .containsEntry("execution.checkpointing.savepoint-dir", "file:///flink-data/savepoints");
        assertThat(tm.get("execution.checkpointing.dir")).isEqualTo(jm.get("execution.checkpointing.dir"));
        assertThat(tm.get("execution.checkpointing.savepoint-dir"))
                .isEqualTo(jm.get("execution.checkpointing.savepoint-dir"));

        assertThat(namedVolumes.has("flink-data")).isTrue();
        assertThat(volumes("jobmanager")).contains("flink-data:/flink-data");
        assertThat(volumes("taskmanager")).contains("flink-data:/flink-data");
        assertThat(volumes("flink-data-init")).containsExactly("flink-data:/flink-data");
        assertThat(services.path("flink-data-init").path("entrypoint").toString())
                .isEqualTo("[\"chown\",\"flink:flink\",\"/flink-data\"]");

        // the walkthrough's savepoint goes where the cluster keeps them
        assertThat(composeWalkthrough())
                .contains("flink stop --savepointPath " + jm.get("execution.checkpointing.savepoint-dir") + " <JOB_ID>");
    }

    @Test
    void submitRunsTheJarTheBuildProducesWithTheShippedJobFile() {
        FlinkRun run = submitCommand();

        assertThat(run.options()).containsEntry("-d", "").containsEntry("-m", "jobmanager:8081");
        assertThat(run.jar()).isEqualTo("/opt/elu-stream/target/elu-stream.jar");
        assertThat(run.args()).containsOnlyKeys("job", "bootstrap-servers");
        assertThat(run.args()).containsEntry("job", "/opt/elu-stream/jobs/features-elu.properties");

        assertThat(volumes("submit")).containsExactly(
                "./target:/opt/elu-stream/target:ro", "./jobs:/opt/elu-stream/jobs:ro");
        Path jarOnHost = hostPath("submit", run.jar());
        Path jobFileOnHost = hostPath("submit", run.args().get("job"));

        assertThat(jarOnHost).isEqualTo(Path.of("target", "elu-stream.jar"));
        assertThat(jobJarOutputFile()).isEqualTo("${project.build.directory}/elu-stream.jar");
        assertThat(jobFileOnHost).isEqualTo(JOB_FILE);
        assertThat(JOB_FILE).isRegularFile();
    }

    @Test
    void submitWaitsForAReadyClusterAndCreatedTopics() {
        JsonNode dependsOn = services.path("submit").path("depends_on");
        assertThat(dependsOn.path("jobmanager").path("condition").asText()).isEqualTo("service_healthy");
        assertThat(dependsOn.path("create-topics").path("condition").asText())
                .isEqualTo("service_completed_successfully");
        assertThat(services.path("create-topics").path("depends_on").path("kafka").path("condition").asText())
                .isEqualTo("service_healthy");
        assertThat(services.path("jobmanager").path("healthcheck").path("test").toString())
                .contains("http://localhost:8081/overview", "taskmanagers");
        assertThat(services.path("kafka").path("healthcheck").path("test").toString())
                .contains("/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server kafka:19092");
    }

    @Test
    void createTopicsCreatesExactlyTheJobFilesTopicsWithThreePartitions() throws IOException {
        Properties job = new Properties();
        try (Reader r = Files.newBufferedReader(JOB_FILE, StandardCharsets.UTF_8)) {
            job.load(r);
        }
        Set<String> jobTopics = new TreeSet<>(List.of(
                job.getProperty("input-topic"), job.getProperty("output-topic"), job.getProperty("dead-letter-topic")));
        assertThat(jobTopics).containsExactly("features", "features-dlq", "features-elu");

        List<String> creates = createTopicsCommands();
        Set<String> created = new TreeSet<>();
        for (String create : creates) {
            assertThat(flag(create, "--partitions")).as(create).isEqualTo("3");
            assertThat(flag(create, "--replication-factor")).as(create).isEqualTo("1");
            assertThat(create).contains("--if-not-exists");
            created.add(flag(create, "--topic"));
        }
        assertThat(creates).hasSize(3);
        assertThat(created).isEqualTo(jobTopics);
    }

    @Test
    void jobAndTopicCreationUseTheBrokersAdvertisedInternalListener() {
        Map<String, String> advertised = listeners(env("kafka", "KAFKA_ADVERTISED_LISTENERS"));
        String internalName = env("kafka", "KAFKA_INTER_BROKER_LISTENER_NAME");
        String internal = advertised.get(internalName);

        assertThat(internal).isEqualTo("kafka:19092");
        assertThat(services.has(internal.substring(0, internal.indexOf(':')))).isTrue();
        assertThat(submitCommand().args()).containsEntry("bootstrap-servers", internal);
        for (String create : createTopicsCommands()) {
            assertThat(flag(create, "--bootstrap-server")).isEqualTo(internal);
        }
    }

    @Test
    void hostReachesKafkaOnTheAdvertisedExternalListener() {
        Map<String, String> advertised = listeners(env("kafka", "KAFKA_ADVERTISED_LISTENERS"));
        Map<String, String> bound = listeners(env("kafka", "KAFKA_LISTENERS"));

        assertThat(advertised).containsOnlyKeys("INTERNAL", "EXTERNAL");
        assertThat(advertised.get("EXTERNAL")).isEqualTo("localhost:9092");
        assertThat(bound.get("EXTERNAL")).isEqualTo(":9092");
        assertThat(publishedPorts("kafka")).containsExactly(new Published("127.0.0.1", 9092, 9092));
    }

    @Test
    void kafkaIsASingleKraftNodeWithSingleReplicaInternalTopics() {
        assertThat(env("kafka", "KAFKA_PROCESS_ROLES")).isEqualTo("broker,controller");
        assertThat(env("kafka", "KAFKA_CONTROLLER_QUORUM_VOTERS")).isEqualTo("1@kafka:29093");
        assertThat(env("kafka", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR")).isEqualTo("1");
        assertThat(env("kafka", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR")).isEqualTo("1");
        assertThat(env("kafka", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")).isEqualTo("1");
        assertThat(env("kafka", "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS")).isEqualTo("0");
    }

    // ---------------------------------------------------------------------------------------------

    private record Published(String ip, int host, int container) {}

    /** One `flink run` invocation: its options before the jar, the jar, and the job's --key value args. */
    private record FlinkRun(Map<String, String> options, String jar, Map<String, String> args) {}

    private static String pomProperty(String name) {
        NodeList nodes = pom.getElementsByTagName(name);
        assertThat(nodes.getLength()).as("<%s> in pom.xml", name).isEqualTo(1);
        return nodes.item(0).getTextContent().trim();
    }

    /** The outputFile of the shade execution that builds the job jar. */
    private static String jobJarOutputFile() {
        NodeList executions = pom.getElementsByTagName("execution");
        for (int i = 0; i < executions.getLength(); i++) {
            Element execution = (Element) executions.item(i);
            NodeList ids = execution.getElementsByTagName("id");
            if (ids.getLength() > 0 && ids.item(0).getTextContent().trim().equals("job-jar")) {
                return execution.getElementsByTagName("outputFile").item(0).getTextContent().trim();
            }
        }
        throw new AssertionError("pom.xml has no execution 'job-jar'");
    }

    /** Service name to image, for the services whose image is from that repository. */
    private static Map<String, String> imagesOfRepository(String repository) {
        Map<String, String> images = new LinkedHashMap<>();
        services.fields().forEachRemaining(e -> {
            String image = e.getValue().path("image").asText();
            if (image.startsWith(repository + ":")) {
                images.put(e.getKey(), image);
            }
        });
        return images;
    }

    private static List<Published> publishedPorts(String service) {
        List<Published> ports = new ArrayList<>();
        for (JsonNode port : services.path(service).path("ports")) {
            String[] parts = port.asText().split(":");
            assertThat(parts).as("port %s of %s: IP:HOST:CONTAINER", port, service).hasSize(3);
            ports.add(new Published(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2])));
        }
        return ports;
    }

    private static List<String> volumes(String service) {
        List<String> volumes = new ArrayList<>();
        services.path(service).path("volumes").forEach(v -> volumes.add(v.asText()));
        return volumes;
    }

    /** Where a path inside a container of the service is on the host, through its bind mounts. */
    private static Path hostPath(String service, String containerPath) {
        for (String volume : volumes(service)) {
            String[] parts = volume.split(":");
            String source = parts[0];
            String target = parts[1];
            if (source.startsWith("./") && containerPath.equals(target)) {
                return Path.of(source).normalize();
            }
            if (source.startsWith("./") && containerPath.startsWith(target + "/")) {
                return Path.of(source).resolve(containerPath.substring(target.length() + 1)).normalize();
            }
        }
        throw new AssertionError(containerPath + " is on no bind mount of " + service);
    }

    private static String env(String service, String name) {
        JsonNode value = services.path(service).path("environment").path(name);
        assertThat(value.isMissingNode()).as("%s of %s", name, service).isFalse();
        return value.asText();
    }

    /** FLINK_PROPERTIES parsed like the image's entrypoint: one `key: value` a line. */
    private static Map<String, String> flinkProperties(String service) {
        Map<String, String> props = new HashMap<>();
        for (String line : env(service, "FLINK_PROPERTIES").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            assertThat(colon).as("'%s' in FLINK_PROPERTIES of %s", line, service).isPositive();
            props.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
        return props;
    }

    /** "NAME://host:port,..." to NAME -> host:port. */
    private static Map<String, String> listeners(String spec) {
        Map<String, String> listeners = new LinkedHashMap<>();
        for (String listener : spec.split(",")) {
            int sep = listener.indexOf("://");
            listeners.put(listener.substring(0, sep), listener.substring(sep + 3));
        }
        return listeners;
    }

    private static String commandText(String service) {
        JsonNode command = services.path(service).path("command");
        if (command.isArray()) {
            List<String> parts = new ArrayList<>();
            command.forEach(c -> parts.add(c.asText()));
            return String.join("\n", parts);
        }
        return command.asText();
    }

    private static List<String> createTopicsCommands() {
        return commandText("create-topics").lines().filter(l -> l.contains("--create")).map(String::trim).toList();
    }

    private static String flag(String commandLine, String flag) {
        Matcher m = Pattern.compile("(?:^|\\s)" + Pattern.quote(flag) + "\\s+(\\S+)").matcher(commandLine);
        assertThat(m.find()).as("%s in: %s", flag, commandLine).isTrue();
        return m.group(1);
    }

    private static FlinkRun submitCommand() {
        List<String> runs = commandText("submit").lines().filter(l -> l.contains("flink run")).toList();
        assertThat(runs).hasSize(1);
        String[] tokens = runs.get(0).trim().split("\\s+");
        int i = List.of(tokens).indexOf("run") + 1;
        Map<String, String> options = new LinkedHashMap<>();
        while (!tokens[i].endsWith(".jar")) {
            if (tokens[i].equals("-d")) {
                options.put(tokens[i++], "");
            } else {
                options.put(tokens[i], tokens[i + 1]);
                i += 2;
            }
        }
        String jar = tokens[i++];
        Map<String, String> args = new LinkedHashMap<>();
        for (; i < tokens.length; i += 2) {
            assertThat(tokens[i]).startsWith("--");
            args.put(tokens[i].substring(2), tokens[i + 1]);
        }
        return new FlinkRun(options, jar, args);
    }

    /** README.md from "### With Docker Compose" to the next top-level section. */
    private static String composeWalkthrough() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int start = readme.indexOf("### With Docker Compose");
        assertThat(start).as("README.md has a '### With Docker Compose' section").isNotNegative();
        int end = readme.indexOf("\n## ", start);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }
}
