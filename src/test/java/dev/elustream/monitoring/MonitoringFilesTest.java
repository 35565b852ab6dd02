package dev.elustream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped dashboard and rules hold together without a server: the dashboard's structure as
 * Grafana reads it (Grafana does not run here; MonitoringITCase runs every query on Prometheus),
 * every query filtered by the job menu, and each alert's annotations and README section.
 */
class MonitoringFilesTest {

    private static final Path README = Path.of("README.md");
    private static final Set<String> PANEL_TYPES = Set.of("timeseries", "stat", "bargauge");
    /** The variables a query may use: the job menu, Grafana's rate interval, label_replace's group. */
    private static final Set<String> QUERY_VARIABLES = Set.of("job_name", "__rate_interval", "1");

    private static JsonNode dashboard;
    private static JsonNode rules;
    private static String readme;

    @BeforeAll
    static void load() throws IOException {
        dashboard = new ObjectMapper().readTree(MonitoringITCase.DASHBOARD.toFile());
        rules = new YAMLMapper().readTree(MonitoringITCase.RULES.toFile());
        readme = Files.readString(README, StandardCharsets.UTF_8);
    }

    @Test
    void dashboardHasAJobMenuOverAPrometheusDataSourceVariable() {
        assertThat(dashboard.path("uid").asText()).isEqualTo("elu-stream");
        assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
        List<String> names = new ArrayList<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            names.add(v.path("name").asText());
            if (v.path("name").asText().equals("datasource")) {
                assertThat(v.path("type").asText()).isEqualTo("datasource");
                assertThat(v.path("query").asText()).isEqualTo("prometheus");
            } else {
                assertThat(v.path("type").asText()).isEqualTo("query");
                assertThat(v.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
                assertThat(v.path("query").path("query").asText())
                        .isEqualTo("label_values(flink_jobmanager_job_uptime, job_name)");
            }
        }
        assertThat(names).containsExactly("datasource", "job_name");
    }

    @Test
    void panelsHaveUniqueIdsAndTitlesAndTileTheGridWithoutOverlap() {
        Set<Integer> ids = new HashSet<>();
        Set<String> titles = new HashSet<>();
        List<int[]> boxes = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            String title = p.path("title").asText();
            assertThat(ids.add(p.path("id").asInt())).as("id of %s", title).isTrue();
            assertThat(titles.add(title)).as("title %s", title).isTrue();
            assertThat(p.path("type").asText()).as(title).isIn(PANEL_TYPES);
            assertThat(p.path("description").asText()).as("description of %s", title).isNotBlank();
            assertThat(p.path("datasource").path("uid").asText()).as(title).isEqualTo("${datasource}");
            JsonNode g = p.path("gridPos");
            int[] box = {g.path("x").asInt(), g.path("y").asInt(), g.path("w").asInt(), g.path("h").asInt()};
            assertThat(box[2]).as("width of %s", title).isPositive();
            assertThat(box[0] + box[2]).as("right edge of %s", title).isLessThanOrEqualTo(24);
            for (int[] other : boxes) {
                boolean overlap = box[0] < other[0] + other[2] && other[0] < box[0] + box[2]
                        && box[1] < other[1] + other[3] && other[1] < box[1] + box[3];
                assertThat(overlap).as("%s overlaps another panel", title).isFalse();
            }
            boxes.add(box);
        }
        assertThat(ids).hasSizeGreaterThanOrEqualTo(12);
    }

    @Test
    void everyQueryIsFilteredByTheJobMenuAndUsesOnlyKnownVariables() {
        Pattern variable = Pattern.compile("\\$(\\w+)");
        for (JsonNode p : dashboard.path("panels")) {
            Set<String> refIds = new HashSet<>();
            for (JsonNode t : p.path("targets")) {
                String id = p.path("title").asText() + " / " + t.path("refId").asText();
                assertThat(refIds.add(t.path("refId").asText())).as(id).isTrue();
                assertThat(t.path("datasource").path("uid").asText()).as(id).isEqualTo("${datasource}");
                String expr = t.path("expr").asText();
                Matcher m = Pattern.compile("flink_\\w+\\{([^}]*)}|\\{(__name__=~[^}]*)}").matcher(expr);
                int selectors = 0;
                while (m.find()) {
                    selectors++;
                    String matchers = m.group(1) != null ? m.group(1) : m.group(2);
                    assertThat(matchers).as("%s: %s", id, m.group()).contains("job_name=\"$job_name\"");
                }
                assertThat(selectors).as("%s selects series: %s", id, expr).isPositive();
                assertThat(expr).as("%s: a selector without the job filter", id)
                        .doesNotContainPattern("flink_\\w+(\\[|\\)|\\s|$)");
                Matcher v = variable.matcher(expr);
                while (v.find()) {
                    assertThat(v.group(1)).as("%s uses $%s", id, v.group(1)).isIn(QUERY_VARIABLES);
                }
            }
            assertThat(refIds).as(p.path("title").asText()).isNotEmpty();
        }
    }

    @Test
    void everyAlertHasASeverityASummaryAndARunbookSectionInReadme() {
        Set<String> alerts = new LinkedHashSet<>();
        Set<String> records = new TreeSet<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode r : group.path("rules")) {
                if (r.has("record")) {
                    assertThat(r.path("record").asText()).matches("elu:[a-z_]+:[a-z0-9_]+");
                    records.add(r.path("record").asText());
                    continue;
                }
                String name = r.path("alert").asText();
                alerts.add(name);
                assertThat(name).startsWith("Elu");
                assertThat(r.path("labels").path("severity").asText()).as(name).isIn("warning", "critical");
                assertThat(r.path("annotations").path("summary").asText()).as(name)
                        .startsWith("{{ $labels.job_name }}: ");
                assertThat(r.path("annotations").path("runbook").asText()).as(name)
                        .isEqualTo("README.md#" + name.toLowerCase());
                assertThat(readme).as("README section of %s", name).contains("\n#### " + name + "\n");
                assertThat(readme).as("README's alert table row of %s", name)
                        .containsPattern("\n\\| `" + name + "` \\| [^\n]+ \\| (warning|critical) \\|\n");
            }
        }
        assertThat(alerts).hasSize(8);
        assertThat(records).hasSize(7);
        Matcher sections = Pattern.compile("\n#### (Elu\\w+)\n").matcher(readme);
        Set<String> documented = new LinkedHashSet<>();
        while (sections.find()) {
            documented.add(sections.group(1));
        }
        assertThat(documented).as("README's alert sections, in the rules' order").containsExactlyElementsOf(alerts);
    }

    @Test
    void readmeShowsThePictureKeptSmall() throws IOException {
        Path picture = Path.of("src", "main", "monitoring", "dashboard.png");
        assertThat(readme).contains("](" + picture.toString().replace('\\', '/') + ")");
        assertThat(Files.size(picture)).isLessThan(120_000);
    }
}
