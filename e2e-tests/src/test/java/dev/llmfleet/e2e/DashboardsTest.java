package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.localstack.PrometheusServer;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboards (k8s/monitoring/dashboards) against a real Prometheus scraping a running fleet: after traffic
 * through both lanes, and the events some series only appear on (a cache hit, a stream, a refused request, provider
 * errors and retries, a poison record, a billing alert), every panel's query and every template variable's returns
 * data; and every metric a query names is documented in docs/METRICS.md.
 * <p>
 * The fleet is one of its own (its own Kafka and Redis): its billing reports the balance as LOW from the first reading
 * (the LOW threshold is above the simulator's balance), so the alert panels have an alert to show without draining
 * a balance another test relies on.
 */
class DashboardsTest {
    private static final Path DASHBOARDS = FleetHarness.home().resolve("k8s/monitoring/dashboards");
    private static final Path METRICS_DOC = FleetHarness.home().resolve("docs/METRICS.md");
    /**
     * The values Grafana would give the variables on this run: the namespace label Prometheus adds to every local target,
     * every instance ("All"), a rate window of many 1 s scrapes and a range covering the whole run.
     */
    private static final Map<String, String> VARIABLES = Map.of(
            "namespace", PrometheusServer.NAMESPACE,
            "instance", ".*",
            "__rate_interval", "1m",
            "__range", "1h");
    private static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);
    /** How long the queries may take to all return data after the traffic (billing ingests usage from Kafka meanwhile). */
    private static final long SETTLE_MILLIS = 30_000;

    private static OwnFleet own;
    private static PrometheusServer prometheusServer;
    private static Prometheus prometheus;

    @BeforeAll
    static void up() throws IOException {
        assertThat(PrometheusServer.binary())
                .as("'prometheus' is not on PATH: install Debian's prometheus package (apt-get install prometheus) to run this test")
                .isPresent();
        own = new OwnFleet("dashboards", Map.of("FLEET_BILLING_LOW_BALANCE_USD", "2000"), Map.of());
        // a fresh data folder: series an earlier run stored must not answer for this one
        Path target = Files.createDirectories(FleetHarness.home().resolve("e2e-tests/target"));
        prometheusServer = PrometheusServer.start(Files.createTempDirectory(target, "prometheus-dashboards-"),
                own.fleet.metricsTargets(), FleetHarness.home().resolve(PrometheusServer.RULES), SCRAPE_INTERVAL);
        prometheus = new Prometheus(prometheusServer.url());
    }

    @AfterAll
    static void down() {
        if (prometheusServer != null) {
            prometheusServer.close();
        }
        if (own != null) {
            own.close();
        }
    }

    @Test
    void everyPanelAndVariableQueryOfBothDashboardsReturnsDataFromTheRunningFleet() throws Exception {
        List<Dashboard.Query> queries = queries();
        assertThat(queries).as("queries in %s", DASHBOARDS).hasSizeGreaterThan(20);
        sendTraffic();

        List<String> empty = List.of();
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        do {
            Jobs.sleep(2 * SCRAPE_INTERVAL.toMillis());
            empty = new ArrayList<>();
            for (Dashboard.Query query : queries) {
                if (prometheus.query(query.expand(VARIABLES)).isEmpty()) {
                    empty.add(query.toString());
                }
            }
        } while (!empty.isEmpty() && System.currentTimeMillis() < deadline);
        assertThat(empty).as("queries returning no data from %s", prometheusServer.url()).isEmpty();
    }

    @Test
    void everyMetricTheDashboardsQueryIsDocumentedInMetricsMd() throws IOException {
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("`([a-zA-Z_:][a-zA-Z0-9_:]*\\*?)`").matcher(Files.readString(METRICS_DOC));
        while (m.find()) {
            documented.add(m.group(1));
        }
        List<String> undocumented = new ArrayList<>();
        for (Dashboard.Query query : queries()) {
            query.metrics().stream().filter(name -> !isDocumented(name, documented))
                    .forEach(name -> undocumented.add(name + " in " + query));
        }
        assertThat(undocumented).as("metrics the dashboards query that %s does not list", METRICS_DOC).isEmpty();
    }

    /** Listed by name, as a histogram's series (_bucket, _count, _sum), or under a documented prefix such as {@code jvm_*}. */
    private static boolean isDocumented(String name, Set<String> documented) {
        String histogram = name.replaceFirst("_(bucket|count|sum)$", "");
        return documented.contains(name) || documented.contains(histogram)
                || documented.stream().anyMatch(d -> d.endsWith("*") && name.startsWith(d.substring(0, d.length() - 1)));
    }

    private static List<Dashboard.Query> queries() throws IOException {
        List<Dashboard.Query> queries = new ArrayList<>();
        try (var files = Files.list(DASHBOARDS)) {
            files.filter(f -> f.toString().endsWith(".json")).sorted().forEach(f -> queries.addAll(Dashboard.read(f).queries()));
        }
        return queries;
    }

    /**
     * Both lanes on two models and several features: plain and streamed calls, a cache hit, a refused request, jobs of
     * every priority, a poison record; then, with the provider failing every call, interactive errors, retries and jobs
     * sent to the retry topic.
     */
    private static void sendTraffic() {
        String intake = own.intake.url() + "/v1/chat/completions";
        String[][] calls = {{"support-chat", "openai/gpt-4o-mini"}, {"ticket-classify", "openai/gpt-4o"}};
        for (int i = 0; i < 12; i++) {
            String[] call = calls[i % calls.length];
            boolean stream = i % 3 == 0;
            HttpResponse<String> response = Http.post(intake, Load.chat(call[1], "Dashboards " + UUID.randomUUID(), 30, stream),
                    "X-Fleet-Feature", call[0]);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
        String repeated = Load.chat("Dashboards cached " + UUID.randomUUID(), 30, false);
        for (int i = 0; i < 2; i++) {
            assertThat(Http.post(intake, repeated, "X-Fleet-Feature", "support-chat").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> refused = Http.post(intake, "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[]}", "X-Fleet-Feature", "support-chat");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);

        Set<String> ids = Jobs.ids(own.jobs.submit(Load.jobs(30, "dashboards"), 30));
        own.jobs.awaitFinished(ids, 120_000);
        try (KafkaCompanion kafka = new KafkaCompanion(own.fleet.kafkaBootstrapServers())) {
            kafka.produceStrings().fromRecords(KafkaCompanion.record("llm.jobs.normal", "poison-" + UUID.randomUUID(), "{not json at all"))
                    .awaitCompletion(Duration.ofSeconds(10));
        }

        own.sim.configure("{\"error_500_rate\":1}");
        for (int i = 0; i < 2; i++) {
            int status = Http.post(intake, Load.chat("Dashboards failing " + UUID.randomUUID(), 30, false),
                    "X-Fleet-Feature", "support-chat").statusCode();
            assertThat(status).as("a call the provider fails").isGreaterThanOrEqualTo(500);
        }
        List<ObjectNode> failing = Load.jobs(3, "dashboards-failing");
        Set<String> retried = Jobs.ids(own.jobs.submit(failing, 3));
        // jobs a failing provider sends back to the retry topic (they run again, and succeed, once it recovers)
        assertThat(retried).hasSize(3);
        awaitRetried();
        own.sim.configure(Simulator.NORMAL);
    }

    private static void awaitRetried() {
        Pattern retried = Pattern.compile("^(fleet_jobs_completed_total)\\{[^}]*outcome=\"retried\"[^}]*} ([0-9.eE+-]+)(?: #.*)?$", Pattern.MULTILINE);
        long deadline = System.currentTimeMillis() + 60_000;
        while (Metrics.sum(own.worker, retried) == null && System.currentTimeMillis() < deadline) {
            Jobs.sleep(200);
        }
        assertThat(Metrics.sum(own.worker, retried)).as("jobs retried after provider failures").isNotNull();
    }
}
