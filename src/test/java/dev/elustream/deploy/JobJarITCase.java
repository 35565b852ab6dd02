package dev.elustream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * What the packaged job jar holds: our code, the Kafka connector and its dependencies, and not
 * Flink's own classes or the Kafka broker (a cluster has the first; the job must never start the
 * second). An ITCase because the jar exists only after the package phase.
 */
class JobJarITCase {

    private static List<String> entries(String jar) throws Exception {
        try (JarFile f = new JarFile(Path.of("target", jar).toFile())) {
            return f.stream().map(ZipEntry::getName).toList();
        }
    }

    @Test
    void jobJarCarriesTheConnectorAndOurCodeButNotFlinkOrTheBroker() throws Exception {
        List<String> entries = entries("elu-stream.jar");
        assertThat(entries)
                .contains("dev/elustream/job/EluJob.class", "dev/elustream/math/Elu.class",
                        "dev/elustream/codec/EluJsonTransformer.class",
                        "org/apache/flink/connector/kafka/source/KafkaSource.class",
                        "org/apache/flink/connector/kafka/sink/KafkaSink.class",
                        "org/apache/flink/connector/base/DeliveryGuarantee.class",
                        "org/apache/kafka/clients/producer/KafkaProducer.class",
                        "com/fasterxml/jackson/core/JsonParser.class",
                        // format=avro and format=protobuf run on a cluster that has neither library
                        "org/apache/avro/generic/GenericDatumReader.class",
                        "com/google/protobuf/DynamicMessage.class");
        assertThat(entries).filteredOn(e -> e.startsWith("org/apache/flink/runtime/")
                        || e.startsWith("org/apache/flink/streaming/api/") || e.startsWith("kafka/server/")
                        || e.startsWith("org/apache/flink/api/common/") || e.startsWith("scala/")
                        || e.startsWith("dev/elustream/launcher/") || e.equals("log4j2.properties"))
                .as("Flink's own classes, the broker, the launcher and a logging setup stay out")
                .isEmpty();
    }

    @Test
    void jobJarNamesTheJobAsMainClass() throws Exception {
        try (JarFile f = new JarFile(Path.of("target", "elu-stream.jar").toFile())) {
            assertThat(f.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("dev.elustream.job.EluJob");
        }
    }

    @Test
    void standaloneJarOpensWhatFlinkNeedsOnJava17() throws Exception {
        try (JarFile f = new JarFile(Path.of("target", "elu-stream-standalone.jar").toFile())) {
            var attrs = f.getManifest().getMainAttributes();
            assertThat(attrs.getValue("Main-Class")).isEqualTo("dev.elustream.launcher.Main");
            assertThat(attrs.getValue("Add-Opens")).contains("java.base/java.lang", "java.base/java.util",
                    "java.base/java.nio", "java.base/sun.nio.ch");
        }
        assertThat(entries("elu-stream-standalone.jar"))
                .contains("kafka/server/KafkaRaftServer.class", "org/apache/flink/runtime/minicluster/MiniCluster.class");
    }
}
