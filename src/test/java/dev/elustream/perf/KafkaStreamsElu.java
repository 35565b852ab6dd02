package dev.elustream.perf;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * The throughput run's peer, in its own JVM: ELU as a plain Kafka Streams app would do it, reading JSON
 * values with Jackson's tree model and writing them back with {@code features} replaced by f(x) and a
 * {@code derivative} array f'(x) added (key, headers and timestamp kept); a value that is not a JSON
 * object with an array {@code features} of finite numbers goes to the dead-letter topic as it came,
 * with the reason in an {@value #ERROR_HEADER} header.
 *
 * <p>Arguments: {@code --bootstrap-servers B --input-topic T --output-topic T --dead-letter-topic T
 * --application-id A --state-dir DIR --threads N --delivery-guarantee G --commit-interval-ms MS
 * --transaction-timeout-ms MS [--alpha A] [--kafka.<producer key> <value> ...]}. Prints {@value #READY}
 * once the app is RUNNING (its tasks assigned), then runs until killed.
 */
public final class KafkaStreamsElu {

    /** The line printed when the app is ready for records. */
    public static final String READY = "Kafka Streams ready";
    /** The dead-letter record's header with the reason. */
    static final String ERROR_HEADER = "elu-error";

    private static final ObjectMapper MAPPER =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private KafkaStreamsElu() {}

    /** A value made into the output, or rejected with a reason. */
    record Result(byte[] input, byte[] output, String error) {}

    static Topology topology(String input, String output, String deadLetters, double alpha) {
        Serde<byte[]> bytes = Serdes.ByteArray();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(bytes, bytes))
                .mapValues(value -> elu(value, alpha))
                .split()
                .branch((key, r) -> r.error() == null, Branched.withConsumer(
                        ok -> ok.mapValues(Result::output).to(output, Produced.with(bytes, bytes))))
                .defaultBranch(Branched.withConsumer(
                        bad -> bad.processValues(WithReason::new).to(deadLetters, Produced.with(bytes, bytes))));
        return builder.build();
    }

    /** f and f' of the value's {@code features}, or why not. */
    static Result elu(byte[] value, double alpha) {
        if (value == null) {
            return rejected(null, "no value");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(value);
        } catch (IOException e) {
            return rejected(value, "not JSON: " + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e));
        }
        if (!(root instanceof ObjectNode record)) {
            return rejected(value, "not a JSON object");
        }
        JsonNode features = record.get("features");
        if (features == null || !features.isArray()) {
            return rejected(value, "no array 'features'");
        }
        ArrayNode values = record.arrayNode(features.size());
        ArrayNode derivatives = record.arrayNode(features.size());
        for (int i = 0; i < features.size(); i++) {
            JsonNode element = features.get(i);
            if (!element.isNumber()) {
                return rejected(value, "features[" + i + "] is not a number: " + element);
            }
            double x = element.doubleValue();
            if (!Double.isFinite(x)) {
                return rejected(value, "features[" + i + "] is not finite: " + element);
            }
            values.add(x > 0 ? x : alpha * Math.expm1(x));
            derivatives.add(x > 0 ? 1.0 : alpha * Math.exp(x));
        }
        record.set("features", values);
        record.set("derivative", derivatives);
        try {
            return new Result(value, MAPPER.writeValueAsBytes(record), null);
        } catch (JsonProcessingException e) {
            return rejected(value, "cannot write the output: " + e.getOriginalMessage());
        }
    }

    private static Result rejected(byte[] value, String why) {
        return new Result(value, null, why);
    }

    /** A rejected record as it came in, with the reason added to its headers. */
    private static final class WithReason implements FixedKeyProcessor<byte[], Result, byte[]> {
        private FixedKeyProcessorContext<byte[], byte[]> context;

        @Override
        public void init(FixedKeyProcessorContext<byte[], byte[]> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<byte[], Result> record) {
            Headers headers = new RecordHeaders(record.headers().toArray());
            headers.add(ERROR_HEADER, record.value().error().getBytes(UTF_8));
            context.forward(record.withValue(record.value().input()).withHeaders(headers));
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        Map<String, String> kafka = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --key value pairs, got '" + args[i] + "'"
                        + (i + 1 == args.length ? " without a value" : ""));
            }
            if (args[i].startsWith("--kafka.")) {
                kafka.put(args[i].substring("--kafka.".length()), args[i + 1]);
            } else {
                opts.put(args[i].substring(2), args[i + 1]);
            }
        }
        String guarantee = switch (required(opts, "delivery-guarantee")) {
            case PerfOptions.EXACTLY_ONCE -> StreamsConfig.EXACTLY_ONCE_V2;
            case PerfOptions.AT_LEAST_ONCE -> StreamsConfig.AT_LEAST_ONCE;
            default -> throw new IllegalArgumentException("--delivery-guarantee must be exactly-once or at-least-once, got '"
                    + opts.get("delivery-guarantee") + "'");
        };
        Properties p = new Properties();
        p.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, required(opts, "application-id"));
        p.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, required(opts, "bootstrap-servers"));
        p.setProperty(StreamsConfig.STATE_DIR_CONFIG, required(opts, "state-dir"));
        p.setProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        p.setProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, required(opts, "commit-interval-ms"));
        p.setProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG, required(opts, "threads"));
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        kafka.forEach((k, v) -> p.setProperty(StreamsConfig.producerPrefix(k), v));
        // Streams' exactly-once default is 10 s; the job and the baseline get the same timeout as this.
        p.setProperty(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                required(opts, "transaction-timeout-ms"));
        double alpha = Double.parseDouble(opts.getOrDefault("alpha", "1.0"));

        KafkaStreams streams = new KafkaStreams(topology(required(opts, "input-topic"), required(opts, "output-topic"),
                required(opts, "dead-letter-topic"), alpha), p);
        CountDownLatch failed = new CountDownLatch(1);
        AtomicBoolean announced = new AtomicBoolean();
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING && announced.compareAndSet(false, true)) {
                System.out.println(READY + ": " + p.getProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG)
                        + " stream threads, " + guarantee + ", committing every "
                        + p.getProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG) + " ms");
            } else if (now == KafkaStreams.State.ERROR) {
                failed.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            System.err.println("Kafka Streams app failed:");
            e.printStackTrace();
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(Duration.ofSeconds(10))));
        streams.start();
        failed.await();
        System.exit(1);
    }

    private static String required(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + key);
        }
        return v;
    }
}
