package dev.elustream.perf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of src/test/perf/throughput.sh. The producer settings ({@link #producerSettings()})
 * are the same for the driver's producer (backlog and latency phase), the job's sinks, the baseline's
 * producers and the Kafka Streams app's producers: defaults below, each can be overridden with
 * {@code --kafka.<key> <value>}.
 */
record PerfOptions(
        long records,
        int dimension,
        List<String> guarantees,
        List<String> systems,
        PayloadFormat format,
        InputNumbers numbers,
        int partitions,
        int rounds,
        int latencyRate,
        int latencySeconds,
        long checkpointIntervalMs,
        Map<String, String> producerSettings) {

    static final String AT_LEAST_ONCE = "at-least-once";
    static final String EXACTLY_ONCE = "exactly-once";
    static final long QUICK_RECORDS = 50_000;
    /** The systems in the order each round runs them. */
    static final List<String> SYSTEMS = List.of(RunResult.BASELINE, RunResult.JOB, RunResult.JOB_LIVE, RunResult.STREAMS);
    /** The systems a round runs when --systems is not given. */
    static final List<String> DEFAULT_SYSTEMS = List.of(RunResult.BASELINE, RunResult.JOB, RunResult.STREAMS);
    /** The job's transaction-timeout, the baseline's and the Kafka Streams app's transaction.timeout.ms. */
    static final long TRANSACTION_TIMEOUT_MS = 600_000;

    static final String USAGE = """
            usage: src/test/perf/throughput.sh [--quick] [--records N] [--dimension D]
                     [--guarantees at-least-once,exactly-once] [--systems baseline,job,streams]
                     [--format json|binary] [--numbers full|six] [--partitions P] [--rounds R]
                     [--latency-rate R] [--latency-seconds S] [--checkpoint-interval-ms MS]
                     [--kafka.<producer key> <value> ...]
              --quick                   a smoke test: 50,000 records, 5 s latency phase
              --records N               records in the throughput phase's backlog, at least 2
                                        (default 1,000,000)
              --dimension D             elements per feature vector (default 64)
              --guarantees G[,G]        at-least-once, exactly-once or both (default both)
              --systems S[,S...]        which systems run, each round in the order baseline (the
                                        plain consumer/producer copy), job, job-live (the job with a
                                        control topic, to price live parameters), streams (the plain
                                        Kafka Streams app); default baseline,job,streams. The ratios
                                        need the baseline
              --format F                input/output value format: json (default) or binary (float64;
                                        streams is skipped: the Kafka Streams app reads JSON only)
              --numbers N               how the input writes each element: full (default; Java's
                                        Double.toString, up to 17 digits) or six (exactly six
                                        decimals, like -3.581839; expected values are computed from
                                        what that text parses to, for binary too)
              --partitions P            partitions of every topic = job parallelism = baseline
                                        consumer/producer pairs = Kafka Streams threads (default 2)
              --rounds R                rounds per guarantee; each ratio reported is the median of
                                        the rounds' ratios (default 1)
              --latency-rate R          records/s in the paced latency phase (default 5000)
              --latency-seconds S       length of the latency phase (default 10)
              --checkpoint-interval-ms  the job's checkpoint interval = the baseline's and the Kafka
                                        Streams app's commit interval (default 5000)
              --kafka.KEY VALUE         a producer setting for the driver, the job's sinks, the
                                        baseline and the Kafka Streams app (defaults: acks=all
                                        batch.size=262144 linger.ms=5 compression.type=none)""";

    static Map<String, String> defaultProducerSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("acks", "all");
        // The default 16 KB caps one partition at ~14k records/s of 64-element JSON here.
        m.put("batch.size", "262144");
        m.put("linger.ms", "5");
        m.put("compression.type", "none");
        return m;
    }

    /**
     * Parses the command line.
     *
     * @throws IllegalArgumentException naming the bad option or value
     */
    static PerfOptions parse(String[] args) {
        boolean quick = List.of(args).contains("--quick");
        long records = quick ? QUICK_RECORDS : 1_000_000;
        int dimension = 64;
        List<String> guarantees = List.of(AT_LEAST_ONCE, EXACTLY_ONCE);
        List<String> systems = DEFAULT_SYSTEMS;
        String format = JsonPayloadFormat.NAME;
        InputNumbers numbers = InputNumbers.FULL;
        int partitions = 2;
        int rounds = 1;
        int latencyRate = 5000;
        int latencySeconds = quick ? 5 : 10;
        long checkpointMs = 5000;
        Map<String, String> producer = defaultProducerSettings();
        for (int i = 0; i < args.length; i++) {
            String opt = args[i];
            if (opt.equals("--quick")) {
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(opt + " needs a value");
            }
            String v = args[++i];
            if (opt.startsWith("--kafka.") && opt.length() > "--kafka.".length()) {
                producer.put(opt.substring("--kafka.".length()), v);
                continue;
            }
            switch (opt) {
                case "--records" -> records = positive(opt, v);
                case "--dimension" -> dimension = (int) positive(opt, v);
                case "--guarantees", "--guarantee" -> guarantees = guarantees(v);
                case "--systems", "--system" -> systems = systems(v);
                case "--format" -> format = v;
                case "--numbers" -> numbers = InputNumbers.named(v);
                case "--partitions", "--parallelism" -> partitions = (int) positive(opt, v);
                case "--rounds" -> rounds = (int) positive(opt, v);
                case "--latency-rate" -> latencyRate = (int) positive(opt, v);
                case "--latency-seconds" -> latencySeconds = (int) positive(opt, v);
                case "--checkpoint-interval-ms" -> checkpointMs = positive(opt, v);
                default -> throw new IllegalArgumentException("unknown option '" + opt + "'");
            }
        }
        if (records < 2) {
            throw new IllegalArgumentException("--records must be at least 2 (the steady-state window needs two), got " + records);
        }
        PerfOptions options = new PerfOptions(records, dimension, guarantees, systems, PayloadFormat.named(format, numbers),
                numbers, partitions, rounds, latencyRate, latencySeconds, checkpointMs, Map.copyOf(producer));
        if (options.systemsToRun().isEmpty()) {
            throw new IllegalArgumentException("--systems " + String.join(",", systems) + " with --format " + format
                    + " leaves nothing to run: the Kafka Streams app reads JSON only");
        }
        return options;
    }

    /**
     * The systems each round runs, in the order of {@link #SYSTEMS}: those asked for, less streams
     * when the format is not JSON (the Kafka Streams app reads JSON only).
     */
    List<String> systemsToRun() {
        return systems.stream()
                .filter(s -> !s.equals(RunResult.STREAMS) || format.name().equals(JsonPayloadFormat.NAME))
                .toList();
    }

    /** Why a system asked for does not run, one line each, for the table output. */
    List<String> notRunNotes() {
        List<String> out = new ArrayList<>();
        if (systems.contains(RunResult.STREAMS) && !systemsToRun().contains(RunResult.STREAMS)) {
            out.add("streams not run: --format " + format.name() + ", and the Kafka Streams app reads JSON only");
        }
        return out;
    }

    /** The producer settings as {@code --kafka.<key> <value>} arguments, for the job and the baseline. */
    List<String> producerArguments() {
        List<String> out = new ArrayList<>();
        producerSettings.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            out.add("--kafka." + e.getKey());
            out.add(e.getValue());
        });
        return out;
    }

    private static long positive(String opt, String v) {
        try {
            long n = Long.parseLong(v.replace("_", "").replace(",", ""));
            if (n >= 1 && n <= Integer.MAX_VALUE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(opt + " must be a whole number from 1 to " + Integer.MAX_VALUE + ", got '" + v + "'");
    }

    private static List<String> systems(String v) {
        List<String> asked = List.of(v.split(","));
        for (String s : asked) {
            if (!SYSTEMS.contains(s)) {
                throw new IllegalArgumentException("--systems must list baseline, job, job-live and/or streams, got '" + s + "'");
            }
        }
        // Always in the order of SYSTEMS: a round runs the baseline first whatever the command line's order.
        return SYSTEMS.stream().filter(asked::contains).toList();
    }

    private static List<String> guarantees(String v) {
        List<String> out = new ArrayList<>();
        for (String g : v.split(",")) {
            if (!g.equals(AT_LEAST_ONCE) && !g.equals(EXACTLY_ONCE)) {
                throw new IllegalArgumentException("--guarantees must list at-least-once and/or exactly-once, got '" + g + "'");
            }
            out.add(g);
        }
        return List.copyOf(out);
    }
}
