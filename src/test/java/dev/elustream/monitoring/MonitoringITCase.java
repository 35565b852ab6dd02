package dev.elustream.monitoring;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.elustream.testing.Ports;
import dev.elustream.testing.PrometheusServer;
import dev.elustream.testing.PrometheusServer.Sample;
import dev.elustream.testing.PrometheusServer.Series;
import dev.elustream.testing.StandaloneJarProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped monitoring (src/main/monitoring) proven on a real Prometheus: {@code local
 * --metrics-port} runs the job with Flink's Prometheus reporter, Prometheus scrapes it every second
 * with the shipped rules, and the test sends records at known rates, with a burst of dead letters
 * of three reasons and then a shift in the share of non-positive elements. Then every query of the
 * dashboard and every recording rule is asked of Prometheus: each returns series with the labels its
 * legend names and the values that were sent (records/s within 10%, dead letters by reason exactly);
 * every rule evaluates without error; the dead-letter alerts fire for the burst and resolve after it,
 * the drift alert fires for the shift, and no other alert fires.
 *
 * <p>The rules' durations are divided by {@link #TIME_SCALE} (a 5-minute window becomes 10 s, "for:
 * 15m" 30 s) so the run takes two minutes; the expressions are otherwise the shipped ones, and
 * {@code promtool test rules} checks them at their real durations. The dashboard's
 * {@code $__rate_interval} is {@value #RATE_INTERVAL}, as Grafana sets it for a 1 s scrape interval
 * (at least four scrapes). Grafana itself does not run here.
 */
class MonitoringITCase {

    static final Path DIR = Path.of("src", "main", "monitoring");
    static final Path RULES = DIR.resolve("elu-stream-rules.yml");
    static final Path DASHBOARD = DIR.resolve("elu-stream-dashboard.json");
    static final int TIME_SCALE = 30;
    static final String RATE_INTERVAL = "10s";
    /** The picture README shows, drawn from this run's series. */
    static final Path PICTURE = Path.of("target", "monitoring", "dashboard.png");

    static final int GOOD_PER_SECOND = 200;
    /** In the burst, one bad record after every this many good ones: 25 dead letters/s. */
    static final int BAD_EVERY = 8;
    static final int PHASE_A_SECONDS = 30;
    static final int PHASE_B_SECONDS = 24;
    static final int PHASE_C_SECONDS = 60;
    /** The bad records of the burst, in turn, by the reason they are dead-lettered with. */
    static final List<Map.Entry<String, String>> BAD = List.of(
            Map.entry("invalidJson", "{\"features\": [1.0, 2.0"),
            Map.entry("featuresMissing", "{\"id\": 7, \"values\": [1.0]}"),
            Map.entry("elementNotANumber", "{\"features\": [1.0, \"two\"]}"));
    /** One element of four <= 0 in phases A and B, three of four in phase C. */
    static final String GOOD_A = "{\"id\": %d, \"features\": [-1.5, 0.5, 2.0, 1.25]}";
    static final String GOOD_C = "{\"id\": %d, \"features\": [-1.5, -0.5, -2.0, 1.25]}";

    /**
     * Every record adds exactly one or three of its four elements to negativeElements and four to
     * elements, but the reporter reads the counters one after the other while records flow, so the
     * counters of one scrape can be some records apart, and a ratio of their rates over 10 s is off
     * by that much (measured: 0.0014 on a quiet machine, 0.010 with a build running beside it).
     */
    static final double SHARE_TOLERANCE = 0.03;
    /** Elements per record: 4, off as above (3.98 measured with a build beside it). */
    static final double LENGTH_TOLERANCE = 0.08;

    static final Set<String> EXPECTED_ALERTS = Set.of("EluDeadLettersHigh", "EluDeadLetterShareHigh", "EluNegativeShareDrift");

    @TempDir
    Path tmp;

    /** Every check of a run is made, and all that fail are reported together. */
    private final SoftAssertions softly = new SoftAssertions();

    @Test
    void promtoolChecksTheRulesAndTheirUnitTestsPass() throws Exception {
        PrometheusServer.requireInstalled();
        Map.Entry<Integer, String> check = PrometheusServer.promtool(DIR, "check", "rules", RULES.getFileName().toString());
        assertThat(check.getKey()).as(check.getValue()).isZero();
        assertThat(check.getValue()).contains("SUCCESS: 15 rules found");
        Map.Entry<Integer, String> test = PrometheusServer.promtool(DIR, "test", "rules", "elu-stream-rules.test.yml");
        assertThat(test.getKey()).as(test.getValue()).isZero();
        assertThat(test.getValue()).contains("SUCCESS");
    }

    @Test
    void everyDashboardQueryAndRuleAnswersWithWhatWasSent() throws Exception {
        PrometheusServer.requireInstalled();
        int kafkaPort = Ports.free();
        int metricsPort = Ports.free();
        String bootstrap = "127.0.0.1:" + kafkaPort;
        try (StandaloneJarProcess local = new StandaloneJarProcess("local", "--kafka-port", Integer.toString(kafkaPort),
                "--web-port", Integer.toString(Ports.free()), "--metrics-port", Integer.toString(metricsPort),
                "--control-topic", "features-control", "--checkpoint-interval", "2s")) {
            local.awaitOutput("Prometheus metrics: http://localhost:" + metricsPort + "/metrics", Duration.ofSeconds(120));
            local.awaitOutput("Press Ctrl-C to stop.", Duration.ofSeconds(60));
            Path rules = scaledRules(Files.readString(RULES, UTF_8), tmp);
            try (PrometheusServer prometheus = PrometheusServer.start(List.of("127.0.0.1:" + metricsPort), List.of(rules))) {
                String job = awaitJobName(prometheus);
                Phases phases = produce(bootstrap);
                long sent = phases.good + phases.bad;
                awaitValue(prometheus, "sum(flink_taskmanager_job_task_operator_elu_recordsTransformed{job_name=\"" + job
                        + "\"}) + sum(flink_taskmanager_job_task_operator_elu_deadLetters{job_name=\"" + job + "\"})", sent);
                Thread.sleep(3000);
                double end = now();

                checkDashboard(prometheus, job, phases, end);
                checkRecordingRules(prometheus, job, phases);
                checkRuleExpressions(prometheus, job, rules, phases);
                checkAlerts(prometheus, job, phases, end);
                DashboardPicture.draw(prometheus, job, RATE_INTERVAL, phases.aStart + 3, end, List.of(
                        new DashboardPicture.Marker(phases.bStart, "burst of bad records"),
                        new DashboardPicture.Marker(phases.cStart, "3 of 4 elements <= 0"),
                        new DashboardPicture.Marker(phases.cEnd, "input stops")), PICTURE);
                assertThat(PICTURE).exists();
                softly.assertAll();
            }
        }
    }

    /** Phase boundaries (epoch seconds) and what was sent. */
    record Phases(double aStart, double bStart, double cStart, double cEnd, long good, long bad, Map<String, Long> badByReason) {
        /** Moments late in phases A, B and C: a 10 s window before each lies within the phase. */
        double tA() {
            return bStart - 2;
        }

        double tB() {
            return cStart - 2;
        }

        double tC() {
            return cEnd - 2;
        }
    }

    // ---- the dashboard

    /** A query of a panel, with $job_name and $__rate_interval replaced. */
    record Target(String panel, String refId, String expr, String legend) {
        String id() {
            return panel + " / " + refId;
        }
    }

    static List<Target> dashboardTargets(String job) throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<Target> out = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode t : panel.get("targets")) {
                String expr = t.get("expr").asText().replace("$job_name", job).replace("$__rate_interval", RATE_INTERVAL);
                out.add(new Target(panel.get("title").asText(), t.get("refId").asText(), expr,
                        t.path("legendFormat").asText()));
            }
        }
        return out;
    }

    private void checkDashboard(PrometheusServer p, String job, Phases ph, double end) throws Exception {
        double tA = ph.tA();
        double tB = ph.tB();
        double tC = ph.tC();
        List<Target> targets = dashboardTargets(job);
        Set<String> eluSubtasks = labelValues(p.query(
                "flink_taskmanager_job_task_operator_elu_recordsTransformed{job_name=\"" + job + "\"}", end), "subtask_index");
        softly.assertThat(eluSubtasks).isNotEmpty();
        for (Target t : targets) {
            // mid-burst every part of the job is at work: every query answers, with its legend's labels
            List<Sample> atB = p.query(t.expr(), tB);
            softly.assertThat(atB).as("%s at the burst: %s", t.id(), t.expr()).isNotEmpty();
            for (Sample s : atB) {
                softly.assertThat(s.value()).as("%s %s", t.id(), s).isFinite();
                for (String label : legendLabels(t.legend())) {
                    softly.assertThat(s.labels()).as("%s: legend label %s", t.id(), label).containsKey(label);
                }
            }
            List<Sample> atA = p.query(t.expr(), tA);
            List<Sample> atC = p.query(t.expr(), tC);
            List<Sample> atEnd = p.query(t.expr(), end);
            System.out.printf("MonitoringITCase %s: A %s, B %s, C %s, end %s%n", t.id(), values(atA), values(atB),
                    values(atC), values(atEnd));
            switch (t.id()) {
                case "Records/s: in, out, dead letters / A" -> {
                    softly.assertThat(single(atA)).as("in, steady").isCloseTo(GOOD_PER_SECOND, within(GOOD_PER_SECOND * 0.1));
                    double inBurst = GOOD_PER_SECOND * (1 + 1.0 / BAD_EVERY);
                    softly.assertThat(single(atB)).as("in, burst").isCloseTo(inBurst, within(inBurst * 0.1));
                    softly.assertThat(single(atC)).as("in, shifted").isCloseTo(GOOD_PER_SECOND, within(GOOD_PER_SECOND * 0.1));
                }
                case "Records/s: in, out, dead letters / B" -> {
                    for (List<Sample> at : List.of(atA, atB, atC)) {
                        softly.assertThat(single(at)).as("out").isCloseTo(GOOD_PER_SECOND, within(GOOD_PER_SECOND * 0.1));
                    }
                }
                case "Records/s: in, out, dead letters / C" -> {
                    softly.assertThat(single(atA)).as("dead letters, steady").isZero();
                    double burst = (double) GOOD_PER_SECOND / BAD_EVERY;
                    softly.assertThat(single(atB)).as("dead letters, burst").isCloseTo(burst, within(burst * 0.1));
                    softly.assertThat(single(atC)).as("dead letters, shifted").isZero();
                }
                case "Dead letters/s by reason / A" -> {
                    softly.assertThat(atA).as("no dead letters before the burst").isEmpty();
                    softly.assertThat(labelValues(atB, "reason")).containsExactlyInAnyOrderElementsOf(ph.badByReason.keySet());
                    double burst = (double) GOOD_PER_SECOND / BAD_EVERY;
                    softly.assertThat(atB.stream().mapToDouble(Sample::value).sum()).isCloseTo(burst, within(burst * 0.1));
                    atB.forEach(s -> softly.assertThat(s.value()).isCloseTo(burst / BAD.size(), within(burst / BAD.size() * 0.25)));
                    softly.assertThat(atEnd).as("none after the burst").isEmpty();
                }
                case "Consumer lag: records behind, per source subtask / A" -> {
                    softly.assertThat(labelValues(atB, "subtask_index")).isEqualTo(eluSubtasks);
                    for (List<Sample> at : List.of(atA, atB, atC, atEnd)) {
                        at.forEach(s -> softly.assertThat(s.value()).as("lag %s", s).isBetween(0.0, 1000.0));
                    }
                }
                case "Share of non-positive elements per subtask (feature drift) / A" -> {
                    softly.assertThat(labelValues(atA, "subtask_index")).isEqualTo(eluSubtasks);
                    atA.forEach(s -> softly.assertThat(s.value()).as("share before %s", s).isCloseTo(0.25, within(SHARE_TOLERANCE)));
                    atB.forEach(s -> softly.assertThat(s.value()).as("share in the burst %s", s).isCloseTo(0.25, within(SHARE_TOLERANCE)));
                    atC.forEach(s -> softly.assertThat(s.value()).as("share after %s", s).isCloseTo(0.75, within(SHARE_TOLERANCE)));
                }
                case "Share of non-positive elements per subtask (feature drift) / B" -> {
                    softly.assertThat(single(atA)).isCloseTo(0.25, within(SHARE_TOLERANCE));
                    double good = ph.good;
                    double cRecords = (double) GOOD_PER_SECOND * PHASE_C_SECONDS;
                    double expected = ((good - cRecords) * 0.25 + cRecords * 0.75) / good;
                    softly.assertThat(single(atEnd)).as("trailing share of the whole run").isCloseTo(expected, within(0.02));
                }
                case "Transform time per record / A" -> {
                    softly.assertThat(labelValues(atB, "quantile")).containsExactlyInAnyOrder("0.5", "0.99", "0.999");
                    atB.forEach(s -> softly.assertThat(s.value()).as("ns %s", s).isStrictlyBetween(0.0, 1e9));
                }
                case "Vector length: elements per record / A" -> {
                    softly.assertThat(single(atA)).isCloseTo(4.0, within(LENGTH_TOLERANCE));
                    softly.assertThat(single(atC)).isCloseTo(4.0, within(LENGTH_TOLERANCE));
                }
                case "Vector length: elements per record / B" -> softly.assertThat(single(atB)).isEqualTo(4.0);
                case "Latency: record timestamp to the job reading it / A" -> {
                    softly.assertThat(labelValues(atB, "subtask_index")).isEqualTo(eluSubtasks);
                    atB.forEach(s -> softly.assertThat(s.value()).as("ms %s", s).isBetween(0.0, 30_000.0));
                }
                case "Checkpoint duration / A" -> softly.assertThat(single(atB)).isBetween(0.0, 30_000.0);
                case "Checkpoints completed and failed / A" ->
                        softly.assertThat(single(atB)).as("checkpoints every 2 s, over 10 s").isBetween(2.0, 10.0);
                case "Checkpoints completed and failed / B" -> {
                    for (List<Sample> at : List.of(atA, atB, atC, atEnd)) {
                        softly.assertThat(single(at)).as("failed checkpoints").isZero();
                    }
                }
                case "Restarts / A" -> softly.assertThat(single(atEnd)).isZero();
                case "Dead letters by reason since the tasks started / A" -> {
                    softly.assertThat(atA).as("no dead letters before the burst").isEmpty();
                    Map<String, Long> byReason = new TreeMap<>();
                    atEnd.forEach(s -> byReason.put(s.labels().get("reason"), (long) s.value()));
                    softly.assertThat(byReason).isEqualTo(new TreeMap<>(ph.badByReason));
                }
                case "Busy and back-pressured time, busiest subtask of each task / A",
                        "Busy and back-pressured time, busiest subtask of each task / B" ->
                        atB.forEach(s -> softly.assertThat(s.value()).as("share of a second %s", s).isBetween(0.0, 1.0));
                case "Parameter version in force (control topic) / A" -> {
                    softly.assertThat(labelValues(atA, "subtask_index")).isEqualTo(eluSubtasks);
                    atA.forEach(s -> softly.assertThat(s.value()).as("version %s", s).isEqualTo(1.0));
                }
                default -> throw new AssertionError("no check for the dashboard's query " + t.id() + ": add one");
            }
        }
    }

    // ---- the rules

    private void checkRecordingRules(PrometheusServer p, String job, Phases ph) throws Exception {
        double tA = ph.tA();
        double tB = ph.tB();
        double tC = ph.tC();
        Map<String, String> jobOnly = Map.of("job_name", job);
        double burstIn = GOOD_PER_SECOND * (1 + 1.0 / BAD_EVERY);
        double burst = (double) GOOD_PER_SECOND / BAD_EVERY;
        softly.assertThat(rule(p, "elu:input_records:rate5m", tA, jobOnly)).isCloseTo(GOOD_PER_SECOND, within(GOOD_PER_SECOND * 0.1));
        softly.assertThat(rule(p, "elu:input_records:rate5m", tB, jobOnly)).isCloseTo(burstIn, within(burstIn * 0.1));
        softly.assertThat(rule(p, "elu:output_records:rate5m", tB, jobOnly)).isCloseTo(GOOD_PER_SECOND, within(GOOD_PER_SECOND * 0.1));
        softly.assertThat(rule(p, "elu:dead_letters:rate5m", tA, jobOnly)).isZero();
        softly.assertThat(rule(p, "elu:dead_letters:rate5m", tB, jobOnly)).isCloseTo(burst, within(burst * 0.1));
        softly.assertThat(rule(p, "elu:dead_letter_share:rate5m", tA, jobOnly)).isZero();
        softly.assertThat(rule(p, "elu:dead_letter_share:rate5m", tB, jobOnly)).isCloseTo(1.0 / (BAD_EVERY + 1), within(0.01));
        softly.assertThat(rule(p, "elu:consumer_lag:sum", tB, jobOnly)).isBetween(0.0, 1000.0);
        softly.assertThat(rule(p, "elu:negative_share:rate10m", tA, jobOnly)).isCloseTo(0.25, within(SHARE_TOLERANCE));
        softly.assertThat(rule(p, "elu:negative_share:rate10m", tC, jobOnly)).isCloseTo(0.75, within(SHARE_TOLERANCE));
        softly.assertThat(rule(p, "elu:negative_share:rate6h", tA, jobOnly)).isCloseTo(0.25, within(SHARE_TOLERANCE));
        softly.assertThat(rule(p, "elu:negative_share:rate6h", tC, jobOnly)).isStrictlyBetween(0.25, 0.75);

        JsonNode groups = p.api("/api/v1/rules").get("groups");
        int rules = 0;
        for (JsonNode g : groups) {
            for (JsonNode r : g.get("rules")) {
                rules++;
                softly.assertThat(r.get("health").asText()).as("%s: %s", r.get("name"), r.path("lastError")).isEqualTo("ok");
            }
        }
        softly.assertThat(rules).isEqualTo(15);
    }

    /**
     * Every rule's own expression (as Prometheus evaluates it, durations scaled) asked of the API in
     * the burst: a recording rule's answers what it recorded there, one series per job; an alert's
     * answers with the job's series exactly when that alert is one of those that fire in the burst.
     */
    private void checkRuleExpressions(PrometheusServer p, String job, Path scaledRules, Phases ph) throws Exception {
        double tB = ph.tB();
        JsonNode groups = new YAMLMapper().readTree(scaledRules.toFile()).get("groups");
        int asked = 0;
        for (JsonNode g : groups) {
            for (JsonNode r : g.get("rules")) {
                String expr = r.get("expr").asText();
                List<Sample> answer = p.query(expr, tB);
                asked++;
                if (r.has("record")) {
                    String name = r.get("record").asText();
                    softly.assertThat(answer).as("%s: %s", name, expr).hasSize(1);
                    List<Sample> recorded = p.query(name, tB);
                    if (answer.size() == 1 && recorded.size() == 1) {
                        softly.assertThat(answer.get(0).labels()).as(name).isEqualTo(Map.of("job_name", job));
                        double v = answer.get(0).value();
                        if (name.equals("elu:consumer_lag:sum")) {
                            // a gauge that moves by whole fetches: both just plausible
                            softly.assertThat(recorded.get(0).value()).as(name).isBetween(0.0, 1000.0);
                            softly.assertThat(v).as(name).isBetween(0.0, 1000.0);
                        } else {
                            // recorded up to one evaluation (1 s) before the expression's moment
                            softly.assertThat(recorded.get(0).value()).as("%s recorded against its expression", name)
                                    .isCloseTo(v, within(Math.max(1e-9, Math.abs(v) * 0.1)));
                        }
                    }
                } else {
                    String name = r.get("alert").asText();
                    boolean burst = name.equals("EluDeadLettersHigh") || name.equals("EluDeadLetterShareHigh");
                    if (burst) {
                        softly.assertThat(answer).as("%s in the burst: %s", name, expr).hasSize(1);
                        answer.forEach(a -> softly.assertThat(a.labels()).as(name).containsEntry("job_name", job));
                    } else {
                        softly.assertThat(answer).as("%s in the burst: %s", name, expr).isEmpty();
                    }
                }
            }
        }
        softly.assertThat(asked).isEqualTo(15);
    }

    /** The recording rule's one series, with exactly the given labels, at the time. */
    private static double rule(PrometheusServer p, String name, double time, Map<String, String> labels) throws Exception {
        List<Sample> samples = p.query(name, time);
        assertThat(samples).as("%s at %s", name, time).hasSize(1);
        Map<String, String> got = new LinkedHashMap<>(samples.get(0).labels());
        assertThat(got.remove("__name__")).isEqualTo(name);
        assertThat(got).isEqualTo(labels);
        return samples.get(0).value();
    }

    private void checkAlerts(PrometheusServer p, String job, Phases ph, double end) throws Exception {
        List<Series> firing = p.queryRange("ALERTS{alertstate=\"firing\"}", ph.aStart, end, 1);
        Map<String, double[]> spans = new TreeMap<>();
        for (Series s : firing) {
            softly.assertThat(s.labels()).containsEntry("job_name", job);
            String name = s.labels().get("alertname");
            double first = s.points().get(0)[0];
            double last = s.points().get(s.points().size() - 1)[0];
            spans.merge(name, new double[] {first, last}, (a, b) -> new double[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
        softly.assertThat(spans.keySet()).as("alerts that fired").isEqualTo(new TreeSet<>(EXPECTED_ALERTS));
        // the dead-letter alerts: firing within the burst, resolved within 30 s after it
        for (String name : List.of("EluDeadLettersHigh", "EluDeadLetterShareHigh")) {
            double[] span = spans.get(name);
            softly.assertThat(span[0]).as("%s fires in the burst", name).isBetween(ph.bStart, ph.cStart);
            softly.assertThat(span[1]).as("%s resolves after the burst", name).isBetween(ph.cStart, ph.cStart + 30);
        }
        softly.assertThat(spans.get("EluNegativeShareDrift")[0]).as("drift fires after the shift").isBetween(ph.cStart, ph.cEnd + 10);
        JsonNode active = p.api("/api/v1/alerts").get("alerts");
        for (JsonNode a : active) {
            softly.assertThat(a.get("labels").get("alertname").asText()).as("still active at the end: %s", a)
                    .isEqualTo("EluNegativeShareDrift");
            softly.assertThat(a.get("annotations").get("summary").asText()).startsWith(job + ": the share of non-positive");
            softly.assertThat(a.get("annotations").get("runbook").asText()).isEqualTo("README.md#elunegativesharedrift");
        }
    }

    // ---- helpers

    /** The rules with every duration divided by TIME_SCALE: range selectors and "for:". */
    static Path scaledRules(String rules, Path dir) throws IOException {
        Matcher m = Pattern.compile("\\[(\\d+)([mh])\\]|for: (\\d+)m").matcher(rules);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group(1) != null) {
                long seconds = Long.parseLong(m.group(1)) * (m.group(2).equals("h") ? 3600 : 60);
                replacement = "[" + seconds / TIME_SCALE + "s]";
            } else {
                replacement = "for: " + Long.parseLong(m.group(3)) * 60 / TIME_SCALE + "s";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        Path file = dir.resolve("elu-stream-rules-scaled.yml");
        Files.writeString(file, out, UTF_8);
        return file;
    }

    /** The dashboard's job variable: label_values(flink_jobmanager_job_uptime, job_name). */
    private static String awaitJobName(PrometheusServer p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            JsonNode values = p.api("/api/v1/label/job_name/values?match[]=flink_jobmanager_job_uptime");
            if (values.size() > 0) {
                assertThat(values).hasSize(1);
                return values.get(0).asText();
            }
            assertThat(System.nanoTime()).as("the job's metrics scraped within 60 s: %s", p.log()).isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    private static void awaitValue(PrometheusServer p, String promql, double expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        double last = Double.NaN;
        while (true) {
            List<Sample> s = p.query(promql, now());
            if (s.size() == 1) {
                last = s.get(0).value();
                if (last == expected) {
                    return;
                }
            }
            assertThat(System.nanoTime()).as("%s reaches %s within 90 s, last %s", promql, expected, last)
                    .isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    /**
     * Phase A: good records at GOOD_PER_SECOND; B: the same with a bad record after every
     * BAD_EVERY good ones; C: good records with three of four elements <= 0. A control update
     * (version 1) first.
     */
    private static Phases produce(String bootstrap) throws Exception {
        Properties props = new Properties();
        props.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        props.setProperty(ProducerConfig.LINGER_MS_CONFIG, "0");
        Map<String, Long> badByReason = new TreeMap<>();
        long good = 0;
        long bad = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("features-control", "{\"version\": 1, \"alpha\": 0.5}".getBytes(UTF_8))).get();
            long start = System.nanoTime();
            double aStart = now();
            long total = (long) GOOD_PER_SECOND * (PHASE_A_SECONDS + PHASE_B_SECONDS + PHASE_C_SECONDS);
            long bFrom = (long) GOOD_PER_SECOND * PHASE_A_SECONDS;
            long cFrom = (long) GOOD_PER_SECOND * (PHASE_A_SECONDS + PHASE_B_SECONDS);
            double bStart = 0;
            double cStart = 0;
            for (long i = 0; i < total; i++) {
                long wait = start + (long) (i * 1e9 / GOOD_PER_SECOND) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                if (i == bFrom) {
                    bStart = now();
                }
                if (i == cFrom) {
                    cStart = now();
                }
                String value = String.format(i >= cFrom ? GOOD_C : GOOD_A, i);
                producer.send(new ProducerRecord<>("features", ("k" + i % 64).getBytes(UTF_8), value.getBytes(UTF_8)));
                good++;
                if (i >= bFrom && i < cFrom && (i - bFrom) % BAD_EVERY == BAD_EVERY - 1) {
                    Map.Entry<String, String> b = BAD.get((int) (bad % BAD.size()));
                    producer.send(new ProducerRecord<>("features", ("bad" + bad).getBytes(UTF_8), b.getValue().getBytes(UTF_8)));
                    badByReason.merge(b.getKey(), 1L, Long::sum);
                    bad++;
                }
            }
            producer.flush();
            return new Phases(aStart, bStart, cStart, now(), good, bad, badByReason);
        }
    }

    private double single(List<Sample> samples) {
        softly.assertThat(samples).as("one series").hasSize(1);
        return samples.size() == 1 ? samples.get(0).value() : Double.NaN;
    }

    private static Set<String> labelValues(List<Sample> samples, String label) {
        Set<String> out = new TreeSet<>();
        samples.forEach(s -> out.add(s.labels().get(label)));
        return out;
    }

    private static String values(List<Sample> samples) {
        List<String> out = new ArrayList<>();
        samples.forEach(s -> out.add(String.format(Locale.ROOT, "%.4g", s.value())));
        return out.toString();
    }

    static List<String> legendLabels(String legend) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}").matcher(legend);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

}
