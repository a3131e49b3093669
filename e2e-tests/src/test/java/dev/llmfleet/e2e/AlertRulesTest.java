package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.llmfleet.localstack.testing.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Prometheus rules (k8s/monitoring/rules/llm-fleet.rules.yml): valid and unit-tested by promtool, every alert tested
 * firing and not firing and documented in docs/ALERTS.md, every series they read listed in docs/METRICS.md with the
 * labels they match on, and the PrometheusRule (k8s/monitoring/prometheus-rule.yaml) holding exactly the same groups.
 * Needs promtool (apt-get install prometheus) and Node.js; no fleet.
 */
class AlertRulesTest {
    /** Labels every series has ({@code application}) or a scrape adds (a Kubernetes one: namespace, pod). */
    private static final Set<String> TARGET_LABELS = Set.of("application", "namespace", "job", "instance", "pod");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Path monitoring;
    private static Path rulesFile;
    private static JsonNode rules;

    @BeforeAll
    static void read() throws IOException {
        monitoring = FleetHarness.home().resolve("k8s/monitoring");
        rulesFile = monitoring.resolve("rules/llm-fleet.rules.yml");
        rules = YAML.readTree(rulesFile.toFile());
    }

    @Test
    void promtoolChecksTheRules() throws Exception {
        Command.Result check = Promtool.checkRules(rulesFile);
        assertThat(check.exitCode()).as("promtool check rules:%n%s", check.output()).isZero();
    }

    @Test
    void promtoolUnitTestsOfTheRulesPass() throws Exception {
        Command.Result test = Promtool.testRules(monitoring.resolve("rules/llm-fleet.rules.test.yml"));
        assertThat(test.exitCode()).as("promtool test rules:%n%s", test.output()).isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertHasATestWhereItFiresAndOneWhereItDoesNot() throws IOException {
        JsonNode tests = YAML.readTree(monitoring.resolve("rules/llm-fleet.rules.test.yml").toFile());
        Set<String> fires = new TreeSet<>();
        Set<String> staysQuiet = new TreeSet<>();
        for (JsonNode test : tests.path("tests")) {
            for (JsonNode expectation : test.path("alert_rule_test")) {
                String alert = expectation.path("alertname").asText();
                (expectation.path("exp_alerts").isEmpty() ? staysQuiet : fires).add(alert);
            }
        }
        Set<String> alerts = new TreeSet<>(alertNames());
        assertThat(alerts).isNotEmpty();
        assertThat(fires).as("alerts with a test where they fire").containsAll(alerts);
        assertThat(staysQuiet).as("alerts with a test where they do not fire").containsAll(alerts);
    }

    @Test
    void everyAlertHasSeveritySummaryDescriptionAndARunbookSectionInAlertsMd() throws IOException {
        List<String> alertsMd = Files.readAllLines(FleetHarness.home().resolve("docs/ALERTS.md"));
        for (JsonNode rule : allRules()) {
            if (!rule.has("alert")) {
                continue;
            }
            String alert = rule.path("alert").asText();
            assertThat(rule.path("labels").path("severity").asText()).as(alert + " severity").isIn("warning", "critical");
            assertThat(rule.path("annotations").path("summary").asText()).as(alert + " summary").isNotBlank();
            assertThat(rule.path("annotations").path("description").asText()).as(alert + " description").isNotBlank();
            // GitHub's anchor of the heading "## <alert>"
            assertThat(rule.path("annotations").path("runbook").asText()).as(alert + " runbook")
                    .isEqualTo("docs/ALERTS.md#" + alert.toLowerCase(Locale.ROOT));
            assertThat(alertsMd).as("docs/ALERTS.md has a section for " + alert).contains("## " + alert);
        }
    }

    @Test
    void everySeriesTheRulesReadIsListedInMetricsMdWithTheLabelsTheyMatchOn() throws Exception {
        MetricsCatalog catalog = MetricsCatalog.read(FleetHarness.home().resolve("docs/METRICS.md"));
        Set<String> recorded = new TreeSet<>();
        List<String> expressions = new ArrayList<>();
        for (JsonNode rule : allRules()) {
            if (rule.has("record")) {
                recorded.add(rule.path("record").asText());
            }
            expressions.add(rule.path("expr").asText());
        }
        List<PromqlSelectors.Selector> selectors = PromqlSelectors.of(FleetHarness.home(), expressions);
        assertThat(selectors).as("selectors found").hasSizeGreaterThanOrEqualTo(expressions.size());
        List<String> problems = new ArrayList<>();
        for (PromqlSelectors.Selector selector : selectors) {
            String where = "in `" + expressions.get(selector.expression()).strip() + "`: ";
            if (selector.metric() == null) {
                problems.add(where + "a selector without a metric name");
            } else if (recorded.contains(selector.metric())) {
                continue;
            } else if (catalog.tags(selector.metric()).isEmpty()) {
                problems.add(where + selector.metric() + " is not listed in docs/METRICS.md");
            } else {
                Set<String> tags = catalog.tags(selector.metric()).get();
                for (String label : selector.labels()) {
                    if (!tags.contains(label) && !TARGET_LABELS.contains(label)) {
                        problems.add(where + selector.metric() + " has no label " + label + " in docs/METRICS.md (it lists " + tags + ")");
                    }
                }
            }
        }
        assertThat(problems).as("series the rules read").isEmpty();
    }

    @Test
    void thePrometheusRuleHoldsExactlyTheGroupsOfThePlainRulesFile() throws IOException {
        JsonNode prometheusRule = YAML.readTree(monitoring.resolve("prometheus-rule.yaml").toFile());
        assertThat(prometheusRule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(prometheusRule.path("kind").asText()).isEqualTo("PrometheusRule");
        assertThat(prometheusRule.path("metadata").path("name").asText()).isNotBlank();
        assertThat(prometheusRule.path("spec"))
                .as("spec of prometheus-rule.yaml differs from rules/llm-fleet.rules.yml: run k8s/monitoring/generate-prometheus-rule")
                .isEqualTo(rules);
    }

    private static List<JsonNode> allRules() {
        List<JsonNode> all = new ArrayList<>();
        rules.path("groups").forEach(group -> group.path("rules").forEach(all::add));
        return all;
    }

    private static List<String> alertNames() {
        return allRules().stream().filter(rule -> rule.has("alert")).map(rule -> rule.path("alert").asText()).toList();
    }
}
