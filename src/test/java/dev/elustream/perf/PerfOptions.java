package dev.elustream.perf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of src/test/perf/throughput.sh. The producer settings ({@link #producerSettings()})
 * are the same for the driver's producer (backlog and latency phase), the job's sinks and the baseline's producers: defaults below,
 * each can be overridden with {@code --kafka.<key> <value>}.
 */
record PerfOptions(
        long records,
        int dimension,
        List<String> guarantees,
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
    /** Both the job's transaction-timeout and the baseline's transaction.timeout.ms. */
    static final long TRANSACTION_TIMEOUT_MS = 600_000;

    static final String USAGE = """
            usage: src/test/perf/throughput.sh [--quick] [--records N] [--dimension D]
                     [--guarantees at-least-once,exactly-once] [--format json|binary]
                     [--numbers full|six] [--partitions P] [--rounds R] [--latency-rate R]
                     [--latency-seconds S] [--checkpoint-interval-ms MS] [--kafka.<producer key> <value> ...]
              --quick                   a smoke test: 50,000 records, 5 s latency phase
              --records N               records in the throughput phase's backlog, at least 2
                                        (default 1,000,000)
              --dimension D             elements per feature vector (default 64)
              --guarantees G[,G]        at-least-once, exactly-once or both (default both)
              --format F                input/output value format: json (default) or binary (float64)
              --numbers N               how the input writes each element: full (default; Java's
                                        Double.toString, up to 17 digits) or six (exactly six
                                        decimals, like -3.581839; expected values are computed from
                                        what that text parses to, for binary too)
              --partitions P            partitions of every topic = job parallelism = baseline
                                        consumer/producer pairs (default 2)
              --rounds R                baseline-then-job rounds per guarantee; the ratio reported is
                                        the median of the rounds' ratios (default 1)
              --latency-rate R          records/s in the paced latency phase (default 5000)
              --latency-seconds S       length of the latency phase (default 10)
              --checkpoint-interval-ms  the job's checkpoint interval = the baseline's commit
                                        interval (default 5000)
              --kafka.KEY VALUE         a producer setting for the driver, the job's sinks and the
                                        baseline (defaults: acks=all batch.size=262144 linger.ms=5
                                        compression.type=none)""";

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
        return new PerfOptions(records, dimension, guarantees, PayloadFormat.named(format, numbers), numbers, partitions,
                rounds, latencyRate, latencySeconds, checkpointMs, Map.copyOf(producer));
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
