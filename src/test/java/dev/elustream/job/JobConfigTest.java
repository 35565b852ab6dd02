package dev.elustream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.codec.AvroEncoding;
import dev.elustream.codec.AvroRecordSchema;
import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.codec.Endianness;
import dev.elustream.codec.OutputMode;
import dev.elustream.codec.ProtobufRecordSchema;
import dev.elustream.codec.VectorFormat;
import dev.elustream.flink.EluSettings;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Celu;
import dev.elustream.math.Selu;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobConfigTest {

    /** The keys a job must have; a fresh, mutable map. */
    static Map<String, String> minimal() {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap-servers", "broker:9092");
        m.put("input-topic", "in");
        m.put("output-topic", "out");
        m.put("dead-letter-topic", "dlq");
        return m;
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> m = minimal();
        m.put(key, value);
        return m;
    }

    @Test
    void appliesDefaults() {
        JobConfig c = JobConfig.fromMap(minimal());
        assertThat(c.bootstrapServers()).isEqualTo("broker:9092");
        assertThat(c.groupId()).isEqualTo("elu-stream");
        assertThat(c.startingOffsets()).isEqualTo(JobConfig.StartingOffsets.COMMITTED);
        assertThat(c.eluSettings().activation()).isEqualTo(ActivationKind.ELU);
        assertThat(c.eluSettings().alpha().value()).isEqualTo(1.0);
        assertThat(c.eluSettings().mode()).isEqualTo(OutputMode.BOTH);
        assertThat(c.eluSettings().alphaGradient()).isFalse();
        assertThat(c.eluSettings().dimension()).isZero();
        assertThat(c.eluSettings().maxDimension()).isEqualTo(65536);
        assertThat(c.eluSettings().maxOutputRecordBytes()).isEqualTo(1024 * 1024);
        assertThat(c.eluSettings().format()).isEqualTo(VectorFormat.JSON);
        assertThat(c.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.transactionTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.transactionalIdPrefix()).isEqualTo("elu-stream");
        assertThat(c.parallelism()).isEmpty();
        assertThat(c.checkTopics()).isTrue();
        assertThat(c.jobName()).isEqualTo("elu-stream in -> out");
        assertThat(c.kafkaProperties()).isEmpty();
    }

    @Test
    void readsEveryKey() {
        Map<String, String> m = minimal();
        m.put("group-id", "g");
        m.put("starting-offsets", "latest");
        m.put("activation", "celu");
        m.put("alpha", "0.25");
        m.put("mode", "activation");
        m.put("format", "binary");
        m.put("alpha-gradient", "true");
        m.put("dimension", "64");
        m.put("max-dimension", "128");
        m.put("delivery-guarantee", "at-least-once");
        m.put("checkpoint-interval", "1500ms");
        m.put("transactional-id-prefix", "tx");
        m.put("transaction-timeout", "2min");
        m.put("parallelism", "3");
        m.put("job-name", "my job");
        m.put("check-topics", "false");
        m.put("kafka.security.protocol", "SASL_SSL");
        m.put("kafka.max.request.size", "2097152");
        JobConfig c = JobConfig.fromMap(m);
        assertThat(c.groupId()).isEqualTo("g");
        assertThat(c.startingOffsets()).isEqualTo(JobConfig.StartingOffsets.LATEST);
        assertThat(c.eluSettings().activation()).isEqualTo(ActivationKind.CELU);
        assertThat(c.eluSettings().alpha().value()).isEqualTo(0.25);
        assertThat(c.eluSettings().mode()).isEqualTo(OutputMode.ACTIVATION);
        assertThat(c.eluSettings().format()).isEqualTo(VectorFormat.BINARY);
        assertThat(c.eluSettings().alphaGradient()).isTrue();
        assertThat(c.eluSettings().activationFunction()).isInstanceOf(Celu.class);
        assertThat(c.eluSettings().dimension()).isEqualTo(64);
        assertThat(c.eluSettings().maxDimension()).isEqualTo(128);
        assertThat(c.eluSettings().maxOutputRecordBytes()).isEqualTo(2097152);
        assertThat(c.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(c.checkpointInterval()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.transactionalIdPrefix()).isEqualTo("tx");
        assertThat(c.transactionTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.parallelism()).hasValue(3);
        assertThat(c.jobName()).isEqualTo("my job");
        assertThat(c.checkTopics()).isFalse();
        assertThat(c.kafkaProperties())
                .containsExactlyInAnyOrderEntriesOf(Map.of("security.protocol", "SASL_SSL", "max.request.size", "2097152"));
        assertThat(c.kafkaClientProperties())
                .containsEntry("bootstrap.servers", "broker:9092")
                .containsEntry("security.protocol", "SASL_SSL");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "alpha|-1|alpha must be a finite number >= 0, got '-1'",
        "alpha|NaN|alpha must be a finite number >= 0, got 'NaN'",
        "alpha|Infinity|alpha must be a finite number >= 0, got 'Infinity'",
        "alpha|1e999|alpha must be a finite number >= 0, got '1e999'",
        "alpha|0x1p3|alpha must be a finite number >= 0, got '0x1p3'",
        "alpha|one|alpha must be a finite number >= 0, got 'one'",
        "mode|relu|mode must be one of both, activation, got 'relu'",
        "format|xml|format must be one of json, binary, raw-float32, raw-float64, avro, protobuf, got 'xml'",
        "format|''|format must be one of json, binary, raw-float32, raw-float64, avro, protobuf, got ''",
        "byte-order|little-endian|byte-order cannot be set with format json, which is text: it applies to raw-float32 and raw-float64 only; remove it, got 'little-endian'",
        "activation|relu|activation must be one of elu, selu, celu, got 'relu'",
        "activation|''|activation must be one of elu, selu, celu, got ''",
        "alpha-gradient|yes|alpha-gradient must be true or false, got 'yes'",
        "dimension|0|dimension must be a whole number >= 1, got '0'",
        "dimension|70000|dimension must not exceed max-dimension (65536), got '70000'",
        "max-dimension|-5|max-dimension must be a whole number >= 1, got '-5'",
        "max-dimension|lots|max-dimension must be a whole number >= 1, got 'lots'",
        "delivery-guarantee|none|delivery-guarantee must be exactly-once or at-least-once, got 'none'",
        "checkpoint-interval|0s|checkpoint-interval must be longer than zero, got '0s'",
        "checkpoint-interval|soon|checkpoint-interval must be a duration such as 500ms, 10s or 5min, got 'soon'",
        "transaction-timeout|5s|transaction-timeout (5 s) must be at least twice checkpoint-interval (10 s): a transaction stays open from one checkpoint until the next one completes",
        "transaction-timeout|19s|transaction-timeout (19 s) must be at least twice checkpoint-interval (10 s): a transaction stays open from one checkpoint until the next one completes",
        "parallelism|0|parallelism must be a whole number >= 1, got '0'",
        "starting-offsets|beginning|starting-offsets must be one of committed, earliest, latest, got 'beginning'",
        "check-topics|yes|check-topics must be true or false, got 'yes'",
        "output-topic|in|input-topic, output-topic and dead-letter-topic must be three different topics, got 'in', 'in' and 'dlq'",
        "input-topic|bad topic|input-topic is not a valid Kafka topic name (letters, digits, '.', '_', '-', at most 249), got 'bad topic'",
        "group-id|''|group-id must not be empty",
        "kafka.bootstrap.servers|x:1|kafka.bootstrap.servers cannot be set: set bootstrap-servers instead",
        "kafka.transaction.timeout.ms|3600000|kafka.transaction.timeout.ms cannot be set: set transaction-timeout instead",
        "kafka.group.id|g|kafka.group.id cannot be set: set group-id instead",
        "kafka.value.deserializer|x|kafka.value.deserializer cannot be set: the job reads and writes raw bytes",
        "kafka.|x|'kafka.' names no Kafka property",
        "kafka.max.request.size|big|kafka.max.request.size must be a whole number >= 1, got 'big'",
    })
    void refusesBadValueNamingKeyAndValue(String key, String value, String message) {
        assertThatThrownBy(() -> JobConfig.fromMap(with(key, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @ParameterizedTest(name = "activation={0} alpha={1}")
    @CsvSource(delimiter = '|', value = {
        "celu|0|alpha must be > 0 for activation celu, got '0'",
        "celu|-0.0|alpha must be > 0 for activation celu, got '-0.0'",
        "celu|-1|alpha must be a finite number >= 0, got '-1'",
        "celu|NaN|alpha must be a finite number >= 0, got 'NaN'",
        "elu|-1|alpha must be a finite number >= 0, got '-1'",
        "selu|1.0|alpha cannot be set with activation selu, whose alpha is fixed at 1.6732632423543772: remove it, got '1.0'",
        "selu|1.67326324235|alpha cannot be set with activation selu, whose alpha is fixed at 1.6732632423543772: remove it, got '1.67326324235'",
        "selu|two|alpha cannot be set with activation selu, whose alpha is fixed at 1.6732632423543772: remove it, got 'two'",
    })
    void refusesAnAlphaTheActivationCannotTakeNamingBoth(String activation, String alpha, String message) {
        Map<String, String> m = with("activation", activation);
        m.put("alpha", alpha);
        assertThatThrownBy(() -> JobConfig.fromMap(m))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void readsOneAlphaPerElement() {
        Map<String, String> m = with("alpha", " [1.0, 0.5,2, 0] ");
        m.put("dimension", "4");
        JobConfig c = JobConfig.fromMap(m);
        assertThat(c.eluSettings().alpha().isPerElement()).isTrue();
        assertThat(c.eluSettings().alpha().values()).containsExactly(1.0, 0.5, 2.0, 0.0);
        assertThat(c.describe()).contains("  alpha = [1.0, 0.5, 2.0, 0.0]\n");
        assertThat(c.eluSettings().operatorName()).isEqualTo("ELU (alpha per element, mode=both)");
        assertThat(c.eluSettings().activationFunction().alphaParameter()).isEqualTo(c.eluSettings().alpha());
    }

    @ParameterizedTest(name = "{0} {1} dimension={2}")
    @CsvSource(delimiter = '|', value = {
        "elu|[1.0, 0.5]|0|alpha per element needs dimension (one alpha per element of vectors of that length), got 2 elements and no dimension",
        "elu|[1.0, 0.5]|3|alpha per element must have dimension (3) elements, got 2",
        "elu|[]|3|alpha per element must have dimension (3) elements, got 0",
        "elu|[1.0, -0.5, 1]|3|alpha[1] must be a finite number >= 0 for activation elu, got '-0.5'",
        "elu|[1.0, x, 1]|3|alpha[1] must be a finite number >= 0 for activation elu, got 'x'",
        "elu|[1.0, NaN, 1]|3|alpha[1] must be a finite number >= 0 for activation elu, got 'NaN'",
        "elu|[1.0, 1e400, 1]|3|alpha[1] must be a finite number >= 0 for activation elu, got '1e400'",
        "celu|[1.0, 0, 1]|3|alpha[1] must be a finite number > 0 for activation celu, got '0'",
        "elu|[1.0, 0.5|3|alpha per element must be a JSON array of numbers [a0, a1, ...], got '[1.0, 0.5'",
        "selu|[1.0, 1.0, 1.0]|3|alpha cannot be set with activation selu, whose alpha is fixed at 1.6732632423543772: remove it, got '[1.0, 1.0, 1.0]'",
    })
    void refusesABadAlphaPerElementNamingTheElement(String activation, String alpha, int dimension, String message) {
        Map<String, String> m = with("activation", activation);
        m.put("alpha", alpha);
        if (dimension > 0) {
            m.put("dimension", Integer.toString(dimension));
        }
        assertThatThrownBy(() -> JobConfig.fromMap(m)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void readsAControlTopic() {
        JobConfig c = JobConfig.fromMap(with("control-topic", "features-control"));
        assertThat(c.controlTopic()).contains("features-control");
        assertThat(c.describe()).contains("  control-topic = features-control\n");
        assertThat(JobConfig.fromMap(minimal()).controlTopic()).isEmpty();
        assertThat(JobConfig.fromMap(minimal()).describe()).doesNotContain("control-topic");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "in|control-topic must be a topic of its own, not one of input-topic, output-topic and dead-letter-topic, got 'in'",
        "dlq|control-topic must be a topic of its own, not one of input-topic, output-topic and dead-letter-topic, got 'dlq'",
        "a b|control-topic is not a valid Kafka topic name (letters, digits, '.', '_', '-', at most 249), got 'a b'",
    })
    void refusesABadControlTopic(String topic, String message) {
        assertThatThrownBy(() -> JobConfig.fromMap(with("control-topic", topic))).isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void refusesAControlTopicForSelu() {
        Map<String, String> m = with("control-topic", "features-control");
        m.put("activation", "selu");
        assertThatThrownBy(() -> JobConfig.fromMap(m)).isInstanceOf(ConfigException.class).hasMessage(
                "control-topic cannot be set with activation selu, whose alpha is fixed: there is nothing for it to"
                        + " change; remove it, got 'features-control'");
    }

    @Test
    void eachActivationHasItsDefaultAlpha() {
        assertThat(JobConfig.fromMap(with("activation", "celu")).eluSettings().alpha().value()).isEqualTo(1.0);
        JobConfig selu = JobConfig.fromMap(with("activation", "SELU"));
        assertThat(selu.eluSettings().activation()).isEqualTo(ActivationKind.SELU);
        assertThat(selu.eluSettings().alpha().value()).isEqualTo(ActivationKind.SELU_ALPHA);
        assertThat(selu.eluSettings().activationFunction()).isSameAs(Selu.instance());
        assertThat(selu.describe()).contains("  activation = selu\n", "  alpha = 1.6732632423543772\n");
    }

    @Test
    void seluAcceptsItsOwnAlphaWrittenOut() {
        Map<String, String> m = with("activation", "selu");
        m.put("alpha", "1.6732632423543772");
        assertThat(JobConfig.fromMap(m).eluSettings().alpha().value()).isEqualTo(ActivationKind.SELU_ALPHA);
    }

    @Test
    void eluTakesAlphaZeroAndDescribesTheNewKeys() {
        Map<String, String> m = with("alpha", "0");
        m.put("alpha-gradient", "TRUE");
        JobConfig c = JobConfig.fromMap(m);
        assertThat(c.eluSettings().alpha().value()).isZero();
        assertThat(c.eluSettings().alphaGradient()).isTrue();
        assertThat(c.describe()).contains("  activation = elu\n", "  alpha = 0.0\n", "  alpha-gradient = true\n");
        assertThat(c.eluSettings().operatorName()).isEqualTo("ELU (alpha=0.0, mode=both, alpha-gradient)");
    }

    @Test
    void theShippedJobFileRunsEveryActivation() {
        for (String activation : new String[] {"elu", "selu", "celu"}) {
            JobConfig c = JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu.properties", "--activation", activation});
            assertThat(c.eluSettings().activation()).isEqualTo(ActivationKind.parse(activation));
            assertThat(c.eluSettings().alphaGradient()).isFalse();
        }
    }

    @Test
    void readsVectorFieldsAndTheirNames() {
        Map<String, String> m = minimal();
        m.put("vector-fields", "/user/embedding, /vectors/0");
        m.put("vector-name./vectors/0", "first");
        m.put("derivative-name", "d_{name}");
        m.put("input-name", "{name}_in");
        m.put("alpha-gradient", "true");
        JobConfig c = JobConfig.fromMap(m);
        assertThat(c.eluSettings().jsonFields().pointers()).extracting(p -> p.text())
                .containsExactly("/user/embedding", "/vectors/0");
        assertThat(c.eluSettings().jsonFields().vectorNames()).containsEntry("/vectors/0", "first");
        assertThat(c.eluSettings().jsonFields().derivativeName()).contains("d_{name}");
        assertThat(c.describe()).contains("  vector-fields = /user/embedding, /vectors/0\n")
                .contains("  derivative-name = d_{name}\n").contains("  input-name = {name}_in\n")
                .contains("  vector-name./vectors/0 = first\n").doesNotContain("alpha-gradient-name");
        assertThat(c.eluSettings().operatorName()).isEqualTo(
                "ELU (alpha=1.0, mode=both, alpha-gradient, /user/embedding, /vectors/0)");
        assertThat(JobConfig.fromMap(minimal()).describe()).contains("  vector-fields = /features\n");
        assertThat(JobConfig.fromMap(minimal()).eluSettings().jsonFields().isDefault()).isTrue();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            vector-fields          | user/embedding | vector-fields: 'user/embedding' is not a JSON pointer: it must start with '/', e.g. /user/embedding
            vector-fields          | /a,/a/b        | vector-fields /a and /a/b overlap: one lies inside the other
            vector-fields          | /v/0           | vector-fields /v/0 ends in an array index, which has no member name for the members written next to it: set vector-name./v/0 (e.g. vector-name./v/0=v_0)
            vector-fields          | /features,/derivative | the job would write /derivative as the derivative of /features, but vector-fields selects /derivative: choose another name
            derivative-name        | {field}_d      | derivative-name has the placeholder {field}, but the only one is {name}, got '{field}_d'
            vector-name./x         | x              | vector-name./x names no pointer of vector-fields (/features)
            """)
    void refusesBadVectorFieldsNamingTheKey(String key, String value, String message) {
        assertThatThrownBy(() -> JobConfig.fromMap(with(key, value))).isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void refusesVectorFieldsOnABinaryJob() {
        Map<String, String> m = with("format", "binary");
        m.put("vector-fields", "/x");
        assertThatThrownBy(() -> JobConfig.fromMap(m)).isInstanceOf(ConfigException.class).hasMessage(
                "vector-fields applies to formats json, avro and protobuf only (a binary value has no members), got '/x'"
                        + " with format binary");
    }

    @Test
    void readsTheRecordKeysAloneForApply() {
        EluSettings s = JobConfig.recordSettings(Map.of("vector-fields", "/a", "mode", "activation"));
        assertThat(s.jsonFields().vectorFields()).isEqualTo("/a");
        assertThat(s.mode()).isEqualTo(OutputMode.ACTIVATION);
        assertThatThrownBy(() -> JobConfig.recordSettings(Map.of("input-topic", "x"))).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("unknown key 'input-topic'; the keys that shape a record: activation, alpha,");
    }

    @Test
    void refusesUnknownKeyNamingIt() {
        assertThatThrownBy(() -> JobConfig.fromMap(with("alhpa", "0.5")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("unknown key 'alhpa' (value '0.5'); known keys: activation, alpha,"
                        + " alpha-gradient, alpha-gradient-name, avro-encoding, avro-registry-basic-auth,"
                        + " avro-registry-subject, avro-registry-url, avro-schema, bootstrap-servers,");
    }

    @Test
    void refusesMissingRequiredKeyNamingIt() {
        Map<String, String> m = minimal();
        m.remove("output-topic");
        assertThatThrownBy(() -> JobConfig.fromMap(m))
                .isInstanceOf(ConfigException.class)
                .hasMessage("missing required key 'output-topic' (set it in the job file or pass --output-topic VALUE)");
    }

    @Test
    void acceptsATransactionTimeoutOfTwiceTheCheckpointInterval() {
        Map<String, String> m = with("checkpoint-interval", "30s");
        m.put("transaction-timeout", "1min");
        assertThat(JobConfig.fromMap(m).transactionTimeout()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void atLeastOnceDoesNotNeedATransactionTimeoutAboveTheCheckpointInterval() {
        Map<String, String> m = with("delivery-guarantee", "at-least-once");
        m.put("transaction-timeout", "1s");
        assertThat(JobConfig.fromMap(m).deliveryGuarantee()).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
    }

    @Test
    void commandLineOverridesTheJobFile(@TempDir Path dir) throws IOException {
        Path job = dir.resolve("job.properties");
        Files.writeString(job, "bootstrap-servers=a:1\ninput-topic=in\noutput-topic=out\ndead-letter-topic=dlq\nalpha=2\n",
                StandardCharsets.UTF_8);
        JobConfig c = JobConfig.fromArgs(new String[] {"--job", job.toString(), "--alpha", "0.5", "--mode=activation"});
        assertThat(c.eluSettings().alpha().value()).isEqualTo(0.5);
        assertThat(c.eluSettings().mode()).isEqualTo(OutputMode.ACTIVATION);
        assertThat(c.bootstrapServers()).isEqualTo("a:1");
    }

    @Test
    void refusesMalformedCommandLines() {
        assertThatThrownBy(() -> JobConfig.parseOverrides(new String[] {"alpha", "1"}))
                .hasMessage("expected --key value or --key=value, got 'alpha'");
        assertThatThrownBy(() -> JobConfig.parseOverrides(new String[] {"--alpha"}))
                .hasMessage("--alpha needs a value");
        assertThatThrownBy(() -> JobConfig.parseOverrides(new String[] {"--alpha", "1", "--alpha=2"}))
                .hasMessage("--alpha is given twice");
    }

    @Test
    void refusesMissingJobFileNamingIt(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--job", missing.toString()}))
                .isInstanceOf(ConfigException.class)
                .hasMessage("job file " + missing.toAbsolutePath() + " does not exist");
    }

    @Test
    void theShippedJobFileIsValid() {
        JobConfig c = JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu.properties"});
        assertThat(c.inputTopic()).isEqualTo("features");
        assertThat(c.outputTopic()).isEqualTo("features-elu");
        assertThat(c.deadLetterTopic()).isEqualTo("features-dlq");
        assertThat(c.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
    }

    @Test
    void theShippedBinaryJobFileIsValidAndUsesItsOwnTopicsAndIds() {
        JobConfig json = JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu.properties"});
        JobConfig binary = JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu-binary.properties"});
        assertThat(json.eluSettings().format()).isEqualTo(VectorFormat.JSON);
        assertThat(binary.eluSettings().format()).isEqualTo(VectorFormat.BINARY);
        assertThat(binary.inputTopic()).isEqualTo("features-binary");
        assertThat(binary.outputTopic()).isEqualTo("features-binary-elu");
        assertThat(binary.deadLetterTopic()).isEqualTo("features-binary-dlq");
        assertThat(binary.groupId()).isNotEqualTo(json.groupId());
        assertThat(binary.transactionalIdPrefix()).isNotEqualTo(json.transactionalIdPrefix());
        assertThat(binary.eluSettings()).isEqualTo(new EluSettings(json.eluSettings().activation(),
                json.eluSettings().alpha().value(), json.eluSettings().mode(), json.eluSettings().alphaGradient(),
                json.eluSettings().dimension(), json.eluSettings().maxDimension(),
                json.eluSettings().maxOutputRecordBytes(), VectorFormat.BINARY));
        assertThat(binary.describe()).contains("  format = binary\n");
        assertThat(binary.eluSettings().operatorName()).isEqualTo("ELU (alpha=1.0, mode=both, binary)");
    }

    @Test
    void theShippedRawJobFileIsValidAndUsesItsOwnTopicsAndIds() {
        JobConfig json = JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu.properties"});
        JobConfig binary = JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu-binary.properties"});
        JobConfig raw = JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu-raw-float32.properties"});
        assertThat(raw.eluSettings().format()).isEqualTo(VectorFormat.RAW_FLOAT32);
        assertThat(raw.eluSettings().byteOrder()).isEqualTo(Endianness.LITTLE_ENDIAN);
        assertThat(raw.inputTopic()).isEqualTo("features-raw");
        assertThat(raw.outputTopic()).isEqualTo("features-raw-elu");
        assertThat(raw.deadLetterTopic()).isEqualTo("features-raw-dlq");
        assertThat(raw.groupId()).isNotIn(json.groupId(), binary.groupId());
        assertThat(raw.transactionalIdPrefix()).isNotIn(json.transactionalIdPrefix(), binary.transactionalIdPrefix());
        assertThat(raw.eluSettings()).isEqualTo(new EluSettings(json.eluSettings().activation(),
                json.eluSettings().alpha().value(), json.eluSettings().mode(), json.eluSettings().alphaGradient(),
                json.eluSettings().dimension(), json.eluSettings().maxDimension(),
                json.eluSettings().maxOutputRecordBytes(), VectorFormat.RAW_FLOAT32, Endianness.LITTLE_ENDIAN));
        assertThat(raw.eluSettings().operatorName()).isEqualTo("ELU (alpha=1.0, mode=both, raw-float32)");
        // a big-endian float64 producer needs only overrides
        assertThat(JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu-raw-float32.properties", "--byte-order",
                "big-endian", "--format", "raw-float64"}).eluSettings().operatorName())
                .isEqualTo("ELU (alpha=1.0, mode=both, raw-float64, big-endian)");
    }

    @Test
    void theShippedAvroJobFileIsValidAndReadsItsSchemaBesideIt() {
        JobConfig json = JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu.properties"});
        JobConfig avro = JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu-avro.properties"});
        assertThat(avro.eluSettings().format()).isEqualTo(VectorFormat.AVRO);
        assertThat(avro.inputTopic()).isEqualTo("features-avro");
        assertThat(avro.groupId()).isNotEqualTo(json.groupId());
        assertThat(avro.transactionalIdPrefix()).isNotEqualTo(json.transactionalIdPrefix());
        AvroRecordSchema schema = (AvroRecordSchema) avro.eluSettings().schema();
        assertThat(schema.encoding()).isEqualTo(AvroEncoding.SINGLE_OBJECT);
        assertThat(schema.inputSchema().getFullName()).isEqualTo("example.Features");
        assertThat(avro.eluSettings().operatorName()).isEqualTo("ELU (alpha=1.0, mode=both, avro single-object"
                + " example.Features (features.avsc), /features,/user/embedding)");
        assertThat(avro.describe()).contains("schema = avro single-object example.Features (features.avsc)")
                .contains("vector-fields = /features,/user/embedding");
        // on the command line, a relative path is relative to the working directory
        assertThat(JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu-avro.properties", "--avro-schema",
                "jobs/features.avsc", "--avro-encoding", "binary"}).eluSettings().schema().describe())
                .isEqualTo("avro binary example.Features (features.avsc)");
    }

    @Test
    void theShippedProtobufJobFileIsValidAndReadsItsDescriptorBesideIt() {
        JobConfig avro = JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu-avro.properties"});
        JobConfig protobuf = JobConfig.fromArgs(new String[] {"--job", "jobs/features-elu-protobuf.properties"});
        assertThat(protobuf.eluSettings().format()).isEqualTo(VectorFormat.PROTOBUF);
        assertThat(protobuf.inputTopic()).isEqualTo("features-protobuf");
        assertThat(protobuf.groupId()).isNotEqualTo(avro.groupId());
        assertThat(protobuf.transactionalIdPrefix()).isNotEqualTo(avro.transactionalIdPrefix());
        ProtobufRecordSchema schema = (ProtobufRecordSchema) protobuf.eluSettings().schema();
        assertThat(schema.describe()).isEqualTo("protobuf example.Features -> example.FeaturesOut (features.desc)");
        assertThat(schema.outputMessageName()).isEqualTo("example.FeaturesOut");
        assertThat(protobuf.eluSettings().jsonFields()).isEqualTo(avro.eluSettings().jsonFields());
    }

    @Test
    void refusesAProtobufJobWithoutItsMessageOrWithOneThatLacksTheOutputs() {
        Map<String, String> m = with("format", "protobuf");
        m.put("protobuf-descriptor", "jobs/features.desc");
        assertThatThrownBy(() -> JobConfig.fromMap(m)).isInstanceOf(ConfigException.class)
                .hasMessage("missing required key 'protobuf-message' (set it in the job file or pass --protobuf-message"
                        + " VALUE)");
        m.put("protobuf-message", "example.Features");
        assertThatThrownBy(() -> JobConfig.fromMap(m)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("protobuf-output-message is not set, so the output is protobuf-message"
                        + " example.Features, which cannot hold the field 'derivative' (repeated double)");
        m.put("protobuf-output-message", "example.FeaturesOut");
        m.put("vector-fields", "/user/embedding");
        m.put("alpha-gradient", "true");
        m.put("alpha-gradient-name", "{name}_grad");
        assertThatThrownBy(() -> JobConfig.fromMap(m)).isInstanceOf(ConfigException.class)
                .hasMessage("protobuf-output-message example.FeaturesOut lacks field 'embedding_grad' (repeated float)"
                        + " next to /user/embedding: add it to example.UserOut");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "json|avro-schema|x.avsc|avro-schema applies to format avro only, not json; remove it, got 'x.avsc'",
        "binary|avro-encoding|binary|avro-encoding applies to format avro only, not binary; remove it, got 'binary'",
        "avro|protobuf-message|a.B|protobuf-message applies to format protobuf only, not avro; remove it, got 'a.B'",
        "avro|avro-encoding|registry|avro-encoding must be one of binary, single-object, confluent, got 'registry'",
        "avro|precision|float32|precision applies to format json only: avro values are written in the input's element"
                + " type; remove it, got 'float32' with format avro",
    })
    void refusesSchemaKeysOfAnotherFormatNamingThem(String format, String key, String value, String message) {
        Map<String, String> m = with("format", format);
        if (format.equals("avro")) {
            m.put("avro-schema", "jobs/features.avsc");
        }
        m.put(key, value);
        assertThatThrownBy(() -> JobConfig.fromMap(m)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void aConfluentAvroJobRegistersUnderTheOutputTopicsSubjectUnlessToldOtherwise() {
        Map<String, String> m = with("format", "avro");
        m.put("avro-schema", "jobs/features.avsc");
        m.put("avro-encoding", "confluent");
        m.put("avro-registry-url", "http://registry:8081");
        m.put("avro-registry-basic-auth", "elu:s3cret");
        JobConfig config = JobConfig.fromMap(m);
        AvroRecordSchema schema = (AvroRecordSchema) config.eluSettings().schema();
        assertThat(schema.encoding()).isEqualTo(AvroEncoding.CONFLUENT);
        assertThat(schema.registry()).isEqualTo(new AvroRecordSchema.Registry("http://registry:8081", "elu:s3cret",
                config.outputTopic() + "-value"));
        assertThat(config.describe()).contains("registry http://registry:8081, subject " + config.outputTopic()
                + "-value, basic auth ****").doesNotContain("s3cret");
        m.put("avro-registry-subject", "features-elu-v2");
        assertThat(((AvroRecordSchema) JobConfig.fromMap(m).eluSettings().schema()).registry().subject())
                .isEqualTo("features-elu-v2");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "binary|avro-registry-url|http://r:8081|avro-registry-url applies to avro-encoding confluent only, not binary;"
                + " remove it, got 'http://r:8081'",
        "single-object|avro-registry-basic-auth|u:p|avro-registry-basic-auth applies to avro-encoding confluent only,"
                + " not single-object; remove it, got '****'",
        "confluent|avro-registry-url|registry:8081|avro-registry-url must be an http:// or https:// URL, e.g."
                + " http://registry:8081, got 'registry:8081'",
        "confluent|avro-registry-basic-auth|nopassword|avro-registry-basic-auth must be USER:PASSWORD, got '****'",
    })
    void refusesRegistryKeysThatDoNotFitNamingThem(String encoding, String key, String value, String message) {
        Map<String, String> m = with("format", "avro");
        m.put("avro-schema", "jobs/features.avsc");
        m.put("avro-encoding", encoding);
        if (encoding.equals("confluent") && !key.equals("avro-registry-url")) {
            m.put("avro-registry-url", "http://registry:8081");
        }
        m.put(key, value);
        assertThatThrownBy(() -> JobConfig.fromMap(m)).isInstanceOf(ConfigException.class).hasMessage(message);
        Map<String, String> noUrl = with("format", "avro");
        noUrl.put("avro-schema", "jobs/features.avsc");
        noUrl.put("avro-encoding", "confluent");
        assertThatThrownBy(() -> JobConfig.fromMap(noUrl)).isInstanceOf(ConfigException.class)
                .hasMessage("missing required key 'avro-registry-url' (set it in the job file or pass"
                        + " --avro-registry-url VALUE)");
        Map<String, String> json = with("format", "json");
        json.put("avro-registry-basic-auth", "u:p");
        assertThatThrownBy(() -> JobConfig.fromMap(json)).isInstanceOf(ConfigException.class)
                .hasMessage("avro-registry-basic-auth applies to format avro only, not json; remove it, got '******'");
    }

    @Test
    void refusesAnAvroJobWithoutItsSchemaOrWithOneThatDoesNotFit() {
        assertThatThrownBy(() -> JobConfig.fromMap(with("format", "avro"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("avro-schema");
        Map<String, String> missing = with("format", "avro");
        missing.put("avro-schema", "no/such.avsc");
        assertThatThrownBy(() -> JobConfig.fromMap(missing)).isInstanceOf(ConfigException.class)
                .hasMessage("avro-schema " + java.nio.file.Path.of("no/such.avsc") + " does not exist");
        Map<String, String> wrong = with("format", "avro");
        wrong.put("avro-schema", "jobs/features.avsc");
        wrong.put("vector-fields", "/tags");
        assertThatThrownBy(() -> JobConfig.fromMap(wrong)).isInstanceOf(ConfigException.class)
                .hasMessage("vector-fields /tags: field 'tags' of example.Features is map<string>, expected"
                        + " array<double> or array<float> (or a union of null and one of them)");
    }

    @Test
    void theFormatIsReadInAnyCase() {
        assertThat(JobConfig.fromMap(with("format", "BINARY")).eluSettings().format()).isEqualTo(VectorFormat.BINARY);
        assertThat(JobConfig.fromMap(with("format", "Json")).describe()).contains("  format = json\n");
    }

    @Test
    void aRawFormatIsLittleEndianUnlessToldOtherwise() {
        JobConfig f32 = JobConfig.fromMap(with("format", "raw-float32"));
        assertThat(f32.eluSettings().format()).isEqualTo(VectorFormat.RAW_FLOAT32);
        assertThat(f32.eluSettings().byteOrder()).isEqualTo(Endianness.LITTLE_ENDIAN);
        assertThat(f32.describe()).contains("  format = raw-float32\n  byte-order = little-endian\n");
        assertThat(f32.eluSettings().operatorName()).isEqualTo("ELU (alpha=1.0, mode=both, raw-float32)");

        Map<String, String> m = with("format", "Raw-Float64");
        m.put("byte-order", "Big-Endian");
        JobConfig f64 = JobConfig.fromMap(m);
        assertThat(f64.eluSettings().format()).isEqualTo(VectorFormat.RAW_FLOAT64);
        assertThat(f64.eluSettings().byteOrder()).isEqualTo(Endianness.BIG_ENDIAN);
        assertThat(f64.describe()).contains("  format = raw-float64\n  byte-order = big-endian\n");
        assertThat(f64.eluSettings().operatorName()).isEqualTo("ELU (alpha=1.0, mode=both, raw-float64, big-endian)");
    }

    @Test
    void onlyARawFormatDescribesItsByteOrder() {
        assertThat(JobConfig.fromMap(minimal()).describe()).doesNotContain("byte-order");
        assertThat(JobConfig.fromMap(with("format", "binary")).describe()).doesNotContain("byte-order");
        assertThat(JobConfig.fromMap(with("format", "binary")).eluSettings().byteOrder())
                .isEqualTo(Endianness.LITTLE_ENDIAN);
    }

    @ParameterizedTest(name = "format={0} byte-order={1}")
    @CsvSource(delimiter = '|', value = {
        "json|big-endian|byte-order cannot be set with format json, which is text: it applies to raw-float32 and raw-float64 only; remove it, got 'big-endian'",
        "binary|little-endian|byte-order cannot be set with format binary, whose values are always little-endian: it applies to raw-float32 and raw-float64 only; remove it, got 'little-endian'",
        "binary|''|byte-order cannot be set with format binary, whose values are always little-endian: it applies to raw-float32 and raw-float64 only; remove it, got ''",
        "raw-float32|native|byte-order must be one of little-endian, big-endian, got 'native'",
        "raw-float64|''|byte-order must be one of little-endian, big-endian, got ''",
    })
    void refusesAByteOrderTheFormatCannotTakeNamingBoth(String format, String byteOrder, String message) {
        Map<String, String> m = with("format", format);
        m.put("byte-order", byteOrder);
        assertThatThrownBy(() -> JobConfig.fromMap(m))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void jsonResultsAreFloat64UnlessPrecisionFloat32IsAsked() {
        JobConfig f64 = JobConfig.fromMap(minimal());
        assertThat(f64.eluSettings().precision()).isEqualTo(ElementType.FLOAT64);
        assertThat(f64.describe()).contains("  precision = float64\n");
        assertThat(f64.eluSettings().operatorName()).isEqualTo("ELU (alpha=1.0, mode=both)");

        JobConfig f32 = JobConfig.fromMap(with("precision", "Float32"));
        assertThat(f32.eluSettings().precision()).isEqualTo(ElementType.FLOAT32);
        assertThat(f32.describe()).contains("  precision = float32\n");
        assertThat(f32.eluSettings().operatorName()).isEqualTo("ELU (alpha=1.0, mode=both, float32)");
        assertThat(JobConfig.fromMap(with("format", "binary")).describe()).doesNotContain("precision");
    }

    @ParameterizedTest(name = "format={0} precision={1}")
    @CsvSource(delimiter = '|', value = {
        "json|float16|precision must be one of float64, float32, got 'float16'",
        "json|''|precision must be one of float64, float32, got ''",
        "binary|float32|precision applies to format json only: binary values are written in the input's element type; remove it, got 'float32' with format binary",
        "raw-float32|float64|precision applies to format json only: raw-float32 values are written in the input's element type; remove it, got 'float64' with format raw-float32",
    })
    void refusesAPrecisionTheFormatCannotTakeNamingBoth(String format, String precision, String message) {
        Map<String, String> m = with("format", format);
        m.put("precision", precision);
        assertThatThrownBy(() -> JobConfig.fromMap(m))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void refusesAnAlphaAFloatCannotHoldWithPrecisionFloat32() {
        Map<String, String> m = with("precision", "float32");
        m.put("alpha", "1e39");
        assertThatThrownBy(() -> JobConfig.fromMap(m))
                .isInstanceOf(ConfigException.class)
                .hasMessage("alpha must be at most 3.4028235E38 with precision float32, whose results must fit a float,"
                        + " got '1e39'");
        m.put("alpha", "3.4e38");
        assertThat(JobConfig.fromMap(m).eluSettings().alpha().value()).isEqualTo(3.4e38);
    }

    @Test
    void describeMasksSecrets() {
        Map<String, String> m = minimal();
        m.put("kafka.sasl.jaas.config", "ScramLoginModule required username=\"u\" password=\"hunter2\";");
        m.put("kafka.ssl.truststore.password", "changeit");
        m.put("kafka.ssl.keystore.password", "changeit2");
        m.put("kafka.ssl.key.password", "changeit3");
        m.put("kafka.security.protocol", "SASL_SSL");
        JobConfig c = JobConfig.fromMap(m);
        assertThat(c.describe())
                .doesNotContain("hunter2", "changeit")
                .contains("kafka.sasl.jaas.config = ******", "kafka.ssl.truststore.password = ******",
                        "kafka.security.protocol = SASL_SSL");
        assertThat(c.toString()).doesNotContain("hunter2", "changeit");
    }
}
