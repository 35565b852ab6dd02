package dev.elustream.job;

import dev.elustream.codec.AvroEncoding;
import dev.elustream.codec.AvroRecordSchema;
import dev.elustream.codec.JsonVectorFields;
import dev.elustream.codec.ProtobufRecordSchema;
import dev.elustream.codec.RecordSchema;
import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.codec.Endianness;
import dev.elustream.codec.OutputMode;
import dev.elustream.codec.VectorFormat;
import dev.elustream.flink.EluSettings;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Activations;
import dev.elustream.math.Alpha;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import javax.annotation.Nullable;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.util.TimeUtils;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The validated, immutable configuration of one ELU job: read from a job file (Java properties)
 * with command-line overrides; anything unknown, missing or bad is refused with a message that names
 * the key and the value.
 */
public final class JobConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap-servers";
    public static final String INPUT_TOPIC = "input-topic";
    public static final String OUTPUT_TOPIC = "output-topic";
    public static final String DEAD_LETTER_TOPIC = "dead-letter-topic";
    public static final String GROUP_ID = "group-id";
    public static final String CONTROL_TOPIC = "control-topic";
    public static final String STARTING_OFFSETS = "starting-offsets";
    public static final String ACTIVATION = "activation";
    public static final String ALPHA = "alpha";
    public static final String ALPHA_GRADIENT = "alpha-gradient";
    public static final String MODE = "mode";
    public static final String FORMAT = "format";
    public static final String BYTE_ORDER = "byte-order";
    public static final String PRECISION = "precision";
    public static final String DIMENSION = "dimension";
    public static final String MAX_DIMENSION = "max-dimension";
    public static final String DELIVERY_GUARANTEE = "delivery-guarantee";
    public static final String CHECKPOINT_INTERVAL = "checkpoint-interval";
    public static final String TRANSACTIONAL_ID_PREFIX = "transactional-id-prefix";
    public static final String TRANSACTION_TIMEOUT = "transaction-timeout";
    public static final String PARALLELISM = "parallelism";
    public static final String JOB_NAME = "job-name";
    public static final String CHECK_TOPICS = "check-topics";
    public static final String VECTOR_FIELDS = JsonVectorFields.KEY_VECTOR_FIELDS;
    public static final String DERIVATIVE_NAME = JsonVectorFields.KEY_DERIVATIVE_NAME;
    public static final String ALPHA_GRADIENT_NAME = JsonVectorFields.KEY_ALPHA_GRADIENT_NAME;
    public static final String INPUT_NAME = JsonVectorFields.KEY_INPUT_NAME;
    /** Keys under this prefix name the vector of one pointer of vector-fields, e.g. {@code vector-name./vectors/0}. */
    public static final String VECTOR_NAME_PREFIX = JsonVectorFields.KEY_VECTOR_NAME_PREFIX;
    public static final String AVRO_SCHEMA = AvroRecordSchema.KEY_SCHEMA;
    public static final String AVRO_ENCODING = AvroRecordSchema.KEY_ENCODING;
    public static final String AVRO_REGISTRY_URL = AvroRecordSchema.KEY_REGISTRY_URL;
    public static final String AVRO_REGISTRY_SUBJECT = AvroRecordSchema.KEY_REGISTRY_SUBJECT;
    public static final String AVRO_REGISTRY_BASIC_AUTH = AvroRecordSchema.KEY_REGISTRY_BASIC_AUTH;
    public static final String PROTOBUF_DESCRIPTOR = ProtobufRecordSchema.KEY_DESCRIPTOR;
    public static final String PROTOBUF_MESSAGE = ProtobufRecordSchema.KEY_MESSAGE;
    public static final String PROTOBUF_OUTPUT_MESSAGE = ProtobufRecordSchema.KEY_OUTPUT_MESSAGE;
    /** Keys whose values are files: in a job file, a relative path is relative to the job file's folder. */
    public static final Set<String> FILE_KEYS = Set.of(AVRO_SCHEMA, PROTOBUF_DESCRIPTOR);
    /** Keys under this prefix go, without it, to every Kafka client of the job. */
    public static final String KAFKA_PREFIX = "kafka.";

    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    /**
     * The keys that shape a record (what is read from a value and what is written), outside
     * vector-name.*: what {@code apply} takes too.
     */
    public static final Set<String> RECORD_KEYS = Set.of(ACTIVATION, ALPHA, ALPHA_GRADIENT, MODE, FORMAT, DIMENSION,
            MAX_DIMENSION, BYTE_ORDER, PRECISION, VECTOR_FIELDS, DERIVATIVE_NAME, ALPHA_GRADIENT_NAME, INPUT_NAME,
            AVRO_SCHEMA, AVRO_ENCODING, AVRO_REGISTRY_URL, AVRO_REGISTRY_SUBJECT, AVRO_REGISTRY_BASIC_AUTH,
            PROTOBUF_DESCRIPTOR, PROTOBUF_MESSAGE, PROTOBUF_OUTPUT_MESSAGE);

    /** Every key a job file may set, outside kafka.* and vector-name.*. */
    public static final Set<String> KEYS = union(RECORD_KEYS, Set.of(BOOTSTRAP_SERVERS, INPUT_TOPIC, OUTPUT_TOPIC,
            DEAD_LETTER_TOPIC, CONTROL_TOPIC, GROUP_ID, STARTING_OFFSETS, DELIVERY_GUARANTEE, CHECKPOINT_INTERVAL,
            TRANSACTIONAL_ID_PREFIX, TRANSACTION_TIMEOUT, PARALLELISM, JOB_NAME, CHECK_TOPICS));

    public static final int DEFAULT_MAX_DIMENSION = 65536;
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
    /** Below the broker's default transaction.max.timeout.ms (15 min), far above a checkpoint. */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(10);

    /**
     * Kafka client properties the job sets itself from its own keys (or must own to keep its
     * guarantees); setting them under kafka.* is refused, with the key to use instead.
     */
    private static final Map<String, String> MANAGED_KAFKA_KEYS = Map.of(
            "bootstrap.servers", "set " + BOOTSTRAP_SERVERS + " instead",
            "group.id", "set " + GROUP_ID + " instead",
            "transactional.id", "set " + TRANSACTIONAL_ID_PREFIX + " instead",
            "transaction.timeout.ms", "set " + TRANSACTION_TIMEOUT + " instead",
            "auto.offset.reset", "set " + STARTING_OFFSETS + " instead",
            "enable.auto.commit", "the job commits offsets on checkpoints",
            "key.serializer", "the job reads and writes raw bytes",
            "value.serializer", "the job reads and writes raw bytes",
            "key.deserializer", "the job reads and writes raw bytes",
            "value.deserializer", "the job reads and writes raw bytes");

    /** Where the source starts when the job starts without state. */
    public enum StartingOffsets {
        /** The group's committed offsets; earliest for partitions without one. */
        COMMITTED,
        EARLIEST,
        LATEST
    }

    private final String bootstrapServers;
    private final String inputTopic;
    private final String outputTopic;
    private final String deadLetterTopic;
    @Nullable
    private final String controlTopic;
    private final String groupId;
    private final StartingOffsets startingOffsets;
    private final EluSettings eluSettings;
    private final DeliveryGuarantee deliveryGuarantee;
    private final Duration checkpointInterval;
    private final String transactionalIdPrefix;
    private final Duration transactionTimeout;
    private final OptionalInt parallelism;
    private final String jobName;
    private final boolean checkTopics;
    private final Map<String, String> kafkaProperties;

    private JobConfig(Map<String, String> values) {
        refuseUnknownKeys(values);
        Values v = new Values(values);
        bootstrapServers = v.required(BOOTSTRAP_SERVERS);
        inputTopic = v.topic(INPUT_TOPIC);
        outputTopic = v.topic(OUTPUT_TOPIC);
        deadLetterTopic = v.topic(DEAD_LETTER_TOPIC);
        if (inputTopic.equals(outputTopic) || inputTopic.equals(deadLetterTopic) || outputTopic.equals(deadLetterTopic)) {
            throw new ConfigException(INPUT_TOPIC + ", " + OUTPUT_TOPIC + " and " + DEAD_LETTER_TOPIC
                    + " must be three different topics, got '" + inputTopic + "', '" + outputTopic + "' and '"
                    + deadLetterTopic + "'");
        }
        controlTopic = v.get(CONTROL_TOPIC).isPresent() ? v.topic(CONTROL_TOPIC) : null;
        if (controlTopic != null && List.of(inputTopic, outputTopic, deadLetterTopic).contains(controlTopic)) {
            throw new ConfigException(CONTROL_TOPIC + " must be a topic of its own, not one of " + INPUT_TOPIC + ", "
                    + OUTPUT_TOPIC + " and " + DEAD_LETTER_TOPIC + ", got '" + controlTopic + "'");
        }
        groupId = v.nonBlank(GROUP_ID, "elu-stream");
        startingOffsets = v.oneOf(STARTING_OFFSETS, StartingOffsets.class, StartingOffsets.COMMITTED);
        deliveryGuarantee = v.deliveryGuarantee();
        checkpointInterval = v.positiveDuration(CHECKPOINT_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL);
        transactionalIdPrefix = v.nonBlank(TRANSACTIONAL_ID_PREFIX, "elu-stream");
        transactionTimeout = v.positiveDuration(TRANSACTION_TIMEOUT, DEFAULT_TRANSACTION_TIMEOUT);
        // A transaction opened after checkpoint n is committed once checkpoint n+1 completes: it
        // lives one interval plus the checkpoint's own duration. Below two intervals, one slow
        // checkpoint lets the broker abort it, and its records are lost.
        if (deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE
                && transactionTimeout.compareTo(checkpointInterval.multipliedBy(2)) < 0) {
            throw new ConfigException(TRANSACTION_TIMEOUT + " (" + TimeUtils.formatWithHighestUnit(transactionTimeout)
                    + ") must be at least twice " + CHECKPOINT_INTERVAL + " ("
                    + TimeUtils.formatWithHighestUnit(checkpointInterval) + "): a transaction stays open from one"
                    + " checkpoint until the next one completes");
        }
        int p = v.positiveInt(PARALLELISM, 0);
        parallelism = p == 0 ? OptionalInt.empty() : OptionalInt.of(p);
        jobName = v.nonBlank(JOB_NAME, "elu-stream " + inputTopic + " -> " + outputTopic);
        checkTopics = v.bool(CHECK_TOPICS, true);
        kafkaProperties = v.kafkaProperties();
        int maxRequestSize = kafkaProperties.containsKey("max.request.size")
                ? v.positiveInt(KAFKA_PREFIX + "max.request.size", 0)
                : EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES;
        eluSettings = withSubject(recordSettings(v, maxRequestSize), outputTopic);
        if (controlTopic != null && eluSettings.activation() == ActivationKind.SELU) {
            throw new ConfigException(CONTROL_TOPIC + " cannot be set with " + ACTIVATION + " selu, whose alpha is fixed:"
                    + " there is nothing for it to change; remove it, got '" + controlTopic + "'");
        }
    }

    /** Confluent: the output schema's subject defaults to the output topic's value subject (TopicNameStrategy). */
    private static EluSettings withSubject(EluSettings s, String outputTopic) {
        if (s.schema() instanceof AvroRecordSchema a && a.registry() != null && a.registry().subject() == null) {
            AvroRecordSchema.Registry r = a.registry();
            return new EluSettings(s.activation(), s.alpha(), s.mode(), s.alphaGradient(), s.dimension(),
                    s.maxDimension(), s.maxOutputRecordBytes(), s.format(), s.byteOrder(), s.jsonFields(), s.precision(),
                    a.withRegistry(new AvroRecordSchema.Registry(r.url(), r.basicAuth(), outputTopic + "-value")));
        }
        return s;
    }

    /**
     * The settings of the transformation alone, from the {@link #RECORD_KEYS} and vector-name.* keys
     * (as {@code apply} takes them); any other key is refused.
     */
    public static EluSettings recordSettings(Map<String, String> values) {
        for (String key : new TreeMap<>(values).keySet()) {
            if (!RECORD_KEYS.contains(key) && !key.startsWith(VECTOR_NAME_PREFIX)) {
                throw new ConfigException("unknown key '" + key + "'; the keys that shape a record: "
                        + String.join(", ", new TreeSet<>(RECORD_KEYS)) + ", " + VECTOR_NAME_PREFIX + "POINTER");
            }
        }
        return recordSettings(new Values(values), EluSettings.DEFAULT_MAX_OUTPUT_RECORD_BYTES);
    }

    private static EluSettings recordSettings(Values v, int maxRequestSize) {
        ActivationKind activation = v.oneOf(ACTIVATION, ActivationKind.class, ActivationKind.ELU);
        Optional<String> alphaText = v.get(ALPHA);
        boolean alphaGradient = v.bool(ALPHA_GRADIENT, false);
        OutputMode mode = v.oneOf(MODE, OutputMode.class, OutputMode.BOTH);
        VectorFormat format = v.oneOf(FORMAT, VectorFormat.class, VectorFormat.JSON);
        v.refuseUnless(format == VectorFormat.AVRO, format, AVRO_SCHEMA, AVRO_ENCODING, AVRO_REGISTRY_URL,
                AVRO_REGISTRY_SUBJECT, AVRO_REGISTRY_BASIC_AUTH);
        v.refuseUnless(format == VectorFormat.PROTOBUF, format, PROTOBUF_DESCRIPTOR, PROTOBUF_MESSAGE,
                PROTOBUF_OUTPUT_MESSAGE);
        Optional<String> byteOrderText = v.get(BYTE_ORDER);
        if (byteOrderText.isPresent() && !format.isRaw()) {
            throw new ConfigException(BYTE_ORDER + " cannot be set with " + FORMAT + " " + format.id() + ", "
                    + (format == VectorFormat.BINARY ? "whose values are always little-endian" : "which is text")
                    + ": it applies to raw-float32 and raw-float64 only; remove it, got '" + byteOrderText.get() + "'");
        }
        Endianness byteOrder = v.oneOf(BYTE_ORDER, Endianness.class, Endianness.LITTLE_ENDIAN);
        Optional<String> precisionText = v.get(PRECISION);
        if (precisionText.isPresent() && format != VectorFormat.JSON) {
            throw new ConfigException(PRECISION + " applies to format json only: " + format.id() + " values are written"
                    + " in the input's element type; remove it, got '" + precisionText.get() + "' with " + FORMAT + " "
                    + format.id());
        }
        ElementType precision = v.oneOf(PRECISION, ElementType.class, ElementType.FLOAT64);
        int maxDimension = v.positiveInt(MAX_DIMENSION, DEFAULT_MAX_DIMENSION);
        int dimension = v.positiveInt(DIMENSION, 0);
        if (dimension > maxDimension) {
            throw new ConfigException(DIMENSION + " must not exceed " + MAX_DIMENSION + " (" + maxDimension
                    + "), got '" + dimension + "'");
        }
        Alpha alpha = alphaText.isEmpty() ? Alpha.of(Activations.defaultAlpha(activation))
                : parseAlpha(activation, alphaText.get(), dimension);
        if (precision == ElementType.FLOAT32 && alpha.max() > Float.MAX_VALUE) {
            throw new ConfigException(ALPHA + " must be at most " + Float.MAX_VALUE + " with " + PRECISION
                    + " float32, whose results must fit a float, got '" + alphaText.orElse("") + "'");
        }
        JsonVectorFields fields = v.jsonFields(format, mode, alphaGradient);
        RecordSchema schema = v.recordSchema(format, fields, mode, alphaGradient);
        return new EluSettings(activation, alpha, mode, alphaGradient, dimension, maxDimension, maxRequestSize,
                format, byteOrder, fields, precision, schema);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.addAll(b);
        return Collections.unmodifiableSet(out);
    }

    /**
     * Parses the alpha of an activation: one number ({@link #parseAlpha(ActivationKind, String)}) or,
     * for ELU and CELU, one per element, {@code [1.0, 0.5, ...]}: as many as dimension, each valid.
     */
    public static Alpha parseAlpha(ActivationKind activation, String text, int dimension) {
        String t = text.trim();
        if (!t.startsWith("[")) {
            return Alpha.of(parseAlpha(activation, t));
        }
        if (activation == ActivationKind.SELU) {
            throw new ConfigException(ALPHA + " cannot be set with " + ACTIVATION + " selu, whose alpha is fixed at "
                    + ActivationKind.SELU_ALPHA + ": remove it, got '" + shorten(text) + "'");
        }
        if (!t.endsWith("]")) {
            throw new ConfigException(ALPHA + " per element must be a JSON array of numbers [a0, a1, ...], got '"
                    + shorten(text) + "'");
        }
        String body = t.substring(1, t.length() - 1).trim();
        String[] parts = body.isEmpty() ? new String[0] : body.split(",", -1);
        if (dimension == 0) {
            throw new ConfigException(ALPHA + " per element needs " + DIMENSION + " (one alpha per element of vectors"
                    + " of that length), got " + parts.length + " elements and no " + DIMENSION);
        }
        if (parts.length != dimension) {
            throw new ConfigException(ALPHA + " per element must have " + DIMENSION + " (" + dimension
                    + ") elements, got " + parts.length);
        }
        double[] values = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            double a = DECIMAL.matcher(p).matches() ? Double.parseDouble(p) : Double.NaN;
            if (!Activations.isValidAlpha(activation, a)) {
                throw new ConfigException(ALPHA + "[" + i + "] must be a finite number " + (activation == ActivationKind.CELU
                        ? "> 0" : ">= 0") + " for " + ACTIVATION + " " + activation.id() + ", got '" + shorten(p) + "'");
            }
            values[i] = a;
        }
        return Alpha.perElement(values);
    }

    private static String shorten(String s) {
        return s.length() <= 100 ? s : s.substring(0, 97) + "...";
    }

    /**
     * Parses the alpha of an activation: for ELU a decimal number, finite and &gt;= 0; for CELU the
     * same but &gt; 0 (CELU divides by it); SELU's alpha is a fixed constant, so for SELU any other
     * value is refused (its exact constant is accepted, as it changes nothing).
     */
    public static double parseAlpha(ActivationKind activation, String text) {
        if (activation == ActivationKind.SELU) {
            String t = text.trim();
            if (DECIMAL.matcher(t).matches() && Double.parseDouble(t) == ActivationKind.SELU_ALPHA) {
                return ActivationKind.SELU_ALPHA;
            }
            throw new ConfigException(ALPHA + " cannot be set with " + ACTIVATION + " selu, whose alpha is fixed at "
                    + ActivationKind.SELU_ALPHA + ": remove it, got '" + text + "'");
        }
        double alpha = parseAlpha(text);
        if (!Activations.isValidAlpha(activation, alpha)) {
            throw new ConfigException(ALPHA + " must be > 0 for " + ACTIVATION + " " + activation.id()
                    + ", got '" + text + "'");
        }
        return alpha;
    }

    /** Parses an alpha: a decimal number, finite and >= 0. */
    public static double parseAlpha(String text) {
        String t = text.trim();
        // Plain decimal notation only: Double.parseDouble would also take "1d", hex and "NaN".
        if (DECIMAL.matcher(t).matches()) {
            double d = Double.parseDouble(t);
            if (Double.isFinite(d) && d >= 0.0) {
                return d;
            }
        }
        throw new ConfigException(ALPHA + " must be a finite number >= 0, got '" + text + "'");
    }

    /** Validates a complete set of key-value pairs. */
    public static JobConfig fromMap(Map<String, String> values) {
        return new JobConfig(values);
    }

    /**
     * Reads a job from the command line: {@code --job FILE} (a Java properties file) and any number
     * of {@code --key value} or {@code --key=value} overrides, which win over the file.
     */
    public static JobConfig fromArgs(String[] args) {
        return fromMap(mergeArgs(args));
    }

    /** The job file named by --job, with the other arguments laid over it, before validation. */
    public static Map<String, String> mergeArgs(String[] args) {
        Map<String, String> overrides = parseOverrides(args);
        Map<String, String> merged = new LinkedHashMap<>();
        String job = overrides.remove("job");
        if (job != null) {
            merged.putAll(readJobFile(Path.of(job)));
        }
        merged.putAll(overrides);
        return merged;
    }

    /** Parses {@code --key value} and {@code --key=value} pairs, in order. */
    public static Map<String, String> parseOverrides(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new ConfigException("expected --key value or --key=value, got '" + arg + "'");
            }
            String key;
            String value;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                key = arg.substring(2, eq);
                value = arg.substring(eq + 1);
            } else {
                key = arg.substring(2);
                if (i + 1 >= args.length) {
                    throw new ConfigException("--" + key + " needs a value");
                }
                value = args[++i];
            }
            if (out.put(key, value) != null) {
                throw new ConfigException("--" + key + " is given twice");
            }
        }
        return out;
    }

    /** Reads a job file (Java properties, UTF-8). */
    public static Map<String, String> readJobFile(Path file) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException("job file " + file.toAbsolutePath() + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read job file " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        Map<String, String> out = new TreeMap<>();
        for (String name : props.stringPropertyNames()) {
            String value = props.getProperty(name).trim();
            if (FILE_KEYS.contains(name) && !value.isEmpty()) {
                Path parent = file.toAbsolutePath().getParent();
                value = parent == null ? value : parent.resolve(value).normalize().toString();
            }
            out.put(name, value);
        }
        return out;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String inputTopic() {
        return inputTopic;
    }

    public String outputTopic() {
        return outputTopic;
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /** The topic the job reads parameter updates from, if it has one. */
    public Optional<String> controlTopic() {
        return Optional.ofNullable(controlTopic);
    }

    public String groupId() {
        return groupId;
    }

    public StartingOffsets startingOffsets() {
        return startingOffsets;
    }

    public EluSettings eluSettings() {
        return eluSettings;
    }

    public DeliveryGuarantee deliveryGuarantee() {
        return deliveryGuarantee;
    }

    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    public String transactionalIdPrefix() {
        return transactionalIdPrefix;
    }

    public Duration transactionTimeout() {
        return transactionTimeout;
    }

    public OptionalInt parallelism() {
        return parallelism;
    }

    public String jobName() {
        return jobName;
    }

    public boolean checkTopics() {
        return checkTopics;
    }

    /** The kafka.* keys without their prefix, as given: they go to every Kafka client. */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    /** The kafka.* keys as client properties, with bootstrap servers set. */
    public Properties kafkaClientProperties() {
        Properties props = new Properties();
        props.putAll(kafkaProperties);
        props.setProperty("bootstrap.servers", bootstrapServers);
        return props;
    }

    /** One line per setting, secrets masked: safe to log. */
    public String describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(BOOTSTRAP_SERVERS, bootstrapServers);
        m.put(INPUT_TOPIC, inputTopic);
        m.put(OUTPUT_TOPIC, outputTopic);
        m.put(DEAD_LETTER_TOPIC, deadLetterTopic);
        if (controlTopic != null) {
            m.put(CONTROL_TOPIC, controlTopic);
        }
        m.put(GROUP_ID, groupId);
        m.put(STARTING_OFFSETS, startingOffsets.name().toLowerCase(Locale.ROOT));
        m.put(ACTIVATION, eluSettings.activation().id());
        m.put(ALPHA, eluSettings.alpha());
        m.put(ALPHA_GRADIENT, eluSettings.alphaGradient());
        m.put(MODE, eluSettings.mode().name().toLowerCase(Locale.ROOT));
        m.put(FORMAT, eluSettings.format().id());
        if (eluSettings.format().isRaw()) {
            m.put(BYTE_ORDER, eluSettings.byteOrder().id());
        }
        JsonVectorFields fields = eluSettings.jsonFields();
        if (eluSettings.schema() != null) {
            m.put("schema", eluSettings.schema().describe());
        }
        if (eluSettings.format() == VectorFormat.JSON || eluSettings.format().hasSchema()) {
            if (eluSettings.format() == VectorFormat.JSON) {
                m.put(PRECISION, eluSettings.precision().label());
            }
            m.put(VECTOR_FIELDS, fields.vectorFields());
            fields.derivativeName().ifPresent(t -> m.put(DERIVATIVE_NAME, t));
            fields.alphaGradientName().ifPresent(t -> m.put(ALPHA_GRADIENT_NAME, t));
            fields.inputName().ifPresent(t -> m.put(INPUT_NAME, t));
            fields.vectorNames().forEach((p, n) -> m.put(VECTOR_NAME_PREFIX + p, n));
        }
        m.put(DIMENSION, eluSettings.dimension() == 0 ? "any" : eluSettings.dimension());
        m.put(MAX_DIMENSION, eluSettings.maxDimension());
        m.put(DELIVERY_GUARANTEE, deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE ? "exactly-once" : "at-least-once");
        m.put(CHECKPOINT_INTERVAL, TimeUtils.formatWithHighestUnit(checkpointInterval));
        m.put(TRANSACTIONAL_ID_PREFIX, transactionalIdPrefix);
        m.put(TRANSACTION_TIMEOUT, TimeUtils.formatWithHighestUnit(transactionTimeout));
        m.put(PARALLELISM, parallelism.isPresent() ? parallelism.getAsInt() : "default");
        m.put(JOB_NAME, jobName);
        m.put(CHECK_TOPICS, checkTopics);
        new TreeMap<>(kafkaProperties).forEach((k, val) -> m.put(KAFKA_PREFIX + k, mask(k, val)));
        StringBuilder sb = new StringBuilder();
        m.forEach((k, val) -> sb.append("  ").append(k).append(" = ").append(val).append('\n'));
        return sb.toString();
    }

    /**
     * The value, or a mask when the key holds a secret: by name (passwords, passphrases, JAAS config,
     * keys, credentials, tokens), and every property the Kafka clients themselves treat as a
     * password, such as {@code sasl.oauthbearer.assertion.private.key.passphrase}.
     */
    public static String mask(String key, String value) {
        String k = key.toLowerCase(Locale.ROOT);
        String kafkaName = k.startsWith(KAFKA_PREFIX) ? k.substring(KAFKA_PREFIX.length()) : k;
        boolean secret = k.contains("password") || k.contains("passphrase") || k.contains("secret")
                || k.endsWith("jaas.config") || k.endsWith(".key") || k.contains("basic-auth") || k.contains("credentials") || k.contains("token")
                || KafkaPasswords.NAMES.contains(kafkaName);
        return secret ? "******" : value;
    }

    /** Kafka client properties of type PASSWORD, which Kafka itself logs as [hidden]. */
    private static final class KafkaPasswords {
        static final Set<String> NAMES = names();

        private static Set<String> names() {
            Set<String> names = new TreeSet<>();
            for (ConfigDef def : List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(),
                    AdminClientConfig.configDef())) {
                def.configKeys().values().stream()
                        .filter(c -> c.type == ConfigDef.Type.PASSWORD)
                        .forEach(c -> names.add(c.name));
            }
            return Collections.unmodifiableSet(names);
        }
    }

    @Override
    public String toString() {
        return "JobConfig{\n" + describe() + "}";
    }

    private static void refuseUnknownKeys(Map<String, String> values) {
        for (String key : new TreeMap<>(values).keySet()) {
            if (!KEYS.contains(key) && !key.startsWith(KAFKA_PREFIX) && !key.startsWith(VECTOR_NAME_PREFIX)) {
                throw new ConfigException("unknown key '" + key + "' (value '" + mask(key, values.get(key))
                        + "'); known keys: " + String.join(", ", new TreeSet<>(KEYS))
                        + ", " + VECTOR_NAME_PREFIX + "POINTER, and kafka.* for Kafka client properties");
            }
        }
    }

    /** Reads typed values. */
    private static final class Values {
        private final Map<String, String> values;

        Values(Map<String, String> values) {
            this.values = values;
        }

        Optional<String> get(String key) {
            return Optional.ofNullable(values.get(key)).map(String::trim);
        }

        String required(String key) {
            String v = get(key).orElseThrow(() -> new ConfigException(
                    "missing required key '" + key + "' (set it in the job file or pass --" + key + " VALUE)"));
            if (v.isEmpty()) {
                throw new ConfigException(key + " must not be empty");
            }
            return v;
        }

        String nonBlank(String key, String fallback) {
            Optional<String> v = get(key);
            if (v.isPresent() && v.get().isEmpty()) {
                throw new ConfigException(key + " must not be empty");
            }
            return v.orElse(fallback);
        }

        String topic(String key) {
            String t = required(key);
            // Kafka's own rule for topic names.
            if (t.length() > 249 || !t.matches("[a-zA-Z0-9._-]+") || t.equals(".") || t.equals("..")) {
                throw new ConfigException(key + " is not a valid Kafka topic name (letters, digits, '.', '_', '-',"
                        + " at most 249), got '" + t + "'");
            }
            return t;
        }

        int positiveInt(String key, int fallback) {
            Optional<String> v = get(key);
            if (v.isEmpty()) {
                return fallback;
            }
            try {
                int i = Integer.parseInt(v.get());
                if (i >= 1) {
                    return i;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new ConfigException(key + " must be a whole number >= 1, got '" + v.get() + "'");
        }

        boolean bool(String key, boolean fallback) {
            Optional<String> v = get(key);
            if (v.isEmpty()) {
                return fallback;
            }
            return switch (v.get().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new ConfigException(key + " must be true or false, got '" + v.get() + "'");
            };
        }

        Duration positiveDuration(String key, Duration fallback) {
            Optional<String> v = get(key);
            if (v.isEmpty()) {
                return fallback;
            }
            Duration d;
            try {
                d = TimeUtils.parseDuration(v.get());
            } catch (RuntimeException e) {
                throw new ConfigException(key + " must be a duration such as 500ms, 10s or 5min, got '" + v.get() + "'");
            }
            if (d.isZero() || d.isNegative()) {
                throw new ConfigException(key + " must be longer than zero, got '" + v.get() + "'");
            }
            return d;
        }

        <E extends Enum<E>> E oneOf(String key, Class<E> type, E fallback) {
            Optional<String> v = get(key);
            if (v.isEmpty()) {
                return fallback;
            }
            for (E e : type.getEnumConstants()) {
                if (e.name().replace('_', '-').equalsIgnoreCase(v.get())) {
                    return e;
                }
            }
            List<String> names = Arrays.stream(type.getEnumConstants())
                    .map(e -> e.name().replace('_', '-').toLowerCase(Locale.ROOT)).toList();
            throw new ConfigException(key + " must be one of " + String.join(", ", names) + ", got '" + v.get() + "'");
        }

        /** format avro: the schema, and with avro-encoding confluent its registry (the subject set by the job). */
        private AvroRecordSchema avroSchema(JsonVectorFields fields, OutputMode mode, boolean alphaGradient) {
            AvroEncoding encoding = oneOf(AVRO_ENCODING, AvroEncoding.class, AvroEncoding.BINARY);
            for (String key : List.of(AVRO_REGISTRY_URL, AVRO_REGISTRY_SUBJECT, AVRO_REGISTRY_BASIC_AUTH)) {
                if (encoding != AvroEncoding.CONFLUENT && values.containsKey(key)) {
                    throw new ConfigException(key + " applies to " + AVRO_ENCODING + " confluent only, not "
                            + encoding.id() + "; remove it, got '" + (key.equals(AVRO_REGISTRY_BASIC_AUTH) ? "****"
                                    : values.get(key)) + "'");
                }
            }
            AvroRecordSchema schema = AvroRecordSchema.load(Path.of(required(AVRO_SCHEMA)),
                    encoding == AvroEncoding.CONFLUENT ? AvroEncoding.BINARY : encoding, fields, mode, alphaGradient);
            if (encoding != AvroEncoding.CONFLUENT) {
                return schema;
            }
            String url = required(AVRO_REGISTRY_URL);
            try {
                java.net.URI uri = new java.net.URI(url);
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                    throw new java.net.URISyntaxException(url, "not an http(s) URL with a host");
                }
            } catch (java.net.URISyntaxException e) {
                throw new ConfigException(AVRO_REGISTRY_URL + " must be an http:// or https:// URL, e.g."
                        + " http://registry:8081, got '" + url + "'");
            }
            String auth = get(AVRO_REGISTRY_BASIC_AUTH).orElse(null);
            if (auth != null && auth.indexOf(':') < 1) {
                throw new ConfigException(AVRO_REGISTRY_BASIC_AUTH + " must be USER:PASSWORD, got '****'");
            }
            return schema.withRegistry(new AvroRecordSchema.Registry(url, auth, get(AVRO_REGISTRY_SUBJECT).orElse(null)));
        }

        /** Refuses each of {@code keys} that is set unless {@code applies}, naming the format. */
        void refuseUnless(boolean applies, VectorFormat format, String... keys) {
            for (String key : keys) {
                if (!applies && values.containsKey(key)) {
                    throw new ConfigException(key + " applies to " + FORMAT + " " + key.substring(0, key.indexOf('-'))
                            + " only, not " + format.id() + "; remove it, got '" + mask(key, values.get(key)) + "'");
                }
            }
        }

        /** The schema of format avro or protobuf, read from its file and checked; null for the other formats. */
        @Nullable
        RecordSchema recordSchema(VectorFormat format, JsonVectorFields fields, OutputMode mode, boolean alphaGradient) {
            try {
                return switch (format) {
                    case AVRO -> avroSchema(fields, mode, alphaGradient);
                    case PROTOBUF -> ProtobufRecordSchema.load(Path.of(required(PROTOBUF_DESCRIPTOR)),
                            required(PROTOBUF_MESSAGE), get(PROTOBUF_OUTPUT_MESSAGE).orElse(null), fields, mode,
                            alphaGradient);
                    default -> null;
                };
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage(), e);
            }
        }

        /** vector-fields and the name keys, checked against the format and the outputs of the mode. */
        JsonVectorFields jsonFields(VectorFormat format, OutputMode mode, boolean alphaGradient) {
            Map<String, String> names = new LinkedHashMap<>();
            List<String> set = new java.util.ArrayList<>();
            for (String key : new TreeMap<>(values).keySet()) {
                if (key.startsWith(VECTOR_NAME_PREFIX)) {
                    names.put(key.substring(VECTOR_NAME_PREFIX.length()), values.get(key).trim());
                    set.add(key);
                }
            }
            for (String key : List.of(VECTOR_FIELDS, DERIVATIVE_NAME, ALPHA_GRADIENT_NAME, INPUT_NAME)) {
                if (values.containsKey(key)) {
                    set.add(key);
                }
            }
            if (format != VectorFormat.JSON && !format.hasSchema() && !set.isEmpty()) {
                throw new ConfigException(set.get(0) + " applies to formats json, avro and protobuf only (a " + format.name()
                        .toLowerCase(Locale.ROOT).replace('_', '-') + " value has no members), got '"
                        + values.get(set.get(0)) + "' with " + FORMAT + " " + format.name().toLowerCase(Locale.ROOT)
                        .replace('_', '-'));
            }
            try {
                JsonVectorFields fields = JsonVectorFields.of(get(VECTOR_FIELDS).orElse(
                        JsonVectorFields.DEFAULT_VECTOR_FIELDS), get(DERIVATIVE_NAME).orElse(null),
                        get(ALPHA_GRADIENT_NAME).orElse(null), get(INPUT_NAME).orElse(null), names);
                fields.check(mode, alphaGradient);
                return fields;
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }

        DeliveryGuarantee deliveryGuarantee() {
            Optional<String> v = get(DELIVERY_GUARANTEE);
            if (v.isEmpty()) {
                return DeliveryGuarantee.EXACTLY_ONCE;
            }
            return switch (v.get().toLowerCase(Locale.ROOT)) {
                case "exactly-once" -> DeliveryGuarantee.EXACTLY_ONCE;
                case "at-least-once" -> DeliveryGuarantee.AT_LEAST_ONCE;
                default -> throw new ConfigException(DELIVERY_GUARANTEE
                        + " must be exactly-once or at-least-once, got '" + v.get() + "'");
            };
        }

        Map<String, String> kafkaProperties() {
            Map<String, String> out = new TreeMap<>();
            for (Map.Entry<String, String> e : values.entrySet()) {
                if (!e.getKey().startsWith(KAFKA_PREFIX)) {
                    continue;
                }
                String name = e.getKey().substring(KAFKA_PREFIX.length());
                if (name.isEmpty()) {
                    throw new ConfigException("'" + e.getKey() + "' names no Kafka property");
                }
                String why = MANAGED_KAFKA_KEYS.get(name);
                if (why != null) {
                    throw new ConfigException(e.getKey() + " cannot be set: " + why);
                }
                out.put(name, e.getValue().trim());
            }
            return Collections.unmodifiableMap(out);
        }
    }
}
