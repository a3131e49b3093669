package dev.llmfleet.billing.rest;

import dev.llmfleet.billing.BillingApi;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.IsolatedLedger;
import dev.llmfleet.billing.UsageEvents;
import dev.llmfleet.billing.WebhookReceiver;
import dev.llmfleet.billing.service.AnomalyService;
import dev.llmfleet.common.messaging.UsageRecorded;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.llmfleet.billing.UsageEvents.attempt;
import static dev.llmfleet.billing.UsageEvents.call;
import static dev.llmfleet.billing.UsageEvents.id;
import static dev.llmfleet.billing.UsageEvents.json;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The ledger over real Kafka and Redis: exact sums, once per event id and one request per request id, unreadable records
 * skipped, the documented shapes.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(IsolatedLedger.class)
@WithTestResource(WebhookReceiver.class)
class LedgerTest {
    @BeforeEach
    void asAdmin() {
        BillingApi.asAdmin();
    }

    private static UsageEvents events;

    @Inject
    ObjectMapper mapper;

    @Inject
    AnomalyService anomalyCheck;

    @BeforeEach
    void consumerReady() {
        if (events == null) {
            events = new UsageEvents(mapper);
            events.awaitConsumer();
        }
    }

    @AfterAll
    static void close() {
        if (events != null) {
            events.close();
            events = null;
        }
    }

    private static String tenant() {
        return "t-" + UUID.randomUUID();
    }

    static JsonNode summary(String window, String by, String tenant) {
        return json(given().queryParam("window", window).queryParam("by", by).queryParam("tenant", tenant)
                .get("/v1/billing/summary").then().statusCode(200).extract().asString());
    }

    private static JsonNode awaitRequests(String window, String by, String tenant, long requests) {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> summary(window, by, tenant), s -> s.path("requests").asLong() == requests);
    }

    static JsonNode group(JsonNode summary, String field, String value, String field2, String value2) {
        for (JsonNode g : summary.path("groups")) {
            if (value.equals(g.path(field).asText()) && (field2 == null || value2.equals(g.path(field2).asText()))) {
                return g;
            }
        }
        throw new AssertionError("no group " + field + "=" + value + " in " + summary);
    }

    @Test
    void totalsByFeatureAndModelAreExactToTheNanoDollar() {
        String tenant = tenant();
        // configured features: the ledger keeps those by name (the tenant keeps this test's figures apart)
        String f1 = "support-chat";
        String f2 = "doc-summarize";
        Instant now = Instant.now();
        events.send(call(id(), f1, tenant, "openai/gpt-4o-mini", "interactive", 100, 20, "0.00012345", null, now));
        events.send(call(id(), f1, tenant, "openai/gpt-4o-mini", "interactive", 3, 1, "0.00000001", null, now));
        events.send(call(id(), f1, tenant, "openai/gpt-4o-mini", "async", 1000, 400, "0.0123", null, now));
        events.send(call(id(), f1, tenant, "google/gemini-2.0-flash", "async", 7, 0, "0.00000007", null, now));
        events.send(call(id(), f2, tenant, "openai/gpt-4o-mini", "async", 50, 60, "0.00345678", null, now));
        events.send(new UsageRecorded("1.0", id(), id(), "job_1", "async", f2, tenant, "openai/gpt-4o-mini", "openai/gpt-4o-mini", 50, 60,
                BigDecimal.ZERO, null, "none", true, new BigDecimal("0.0042"), "ok", 200, 3, 0, now, null));

        JsonNode byFeatureModel = awaitRequests("15m", "feature,model", tenant, 6);
        assertThat(byFeatureModel.path("window").asText()).isEqualTo("15m");
        assertThat(byFeatureModel.path("total_usd").decimalValue()).isEqualByComparingTo("0.01588031");
        assertThat(byFeatureModel.path("cost_per_request_usd").decimalValue()).isEqualByComparingTo("0.002646718");
        assertThat(byFeatureModel.path("cache_hits").asLong()).isEqualTo(1);
        assertThat(byFeatureModel.path("saved_usd").decimalValue()).isEqualByComparingTo("0.0042");
        assertThat(byFeatureModel.has("unattributed_usd")).isTrue();
        assertThat(byFeatureModel.path("groups")).hasSize(3);

        JsonNode mini = group(byFeatureModel, "feature", f1, "model", "openai/gpt-4o-mini");
        assertThat(mini.path("total_usd").decimalValue()).isEqualByComparingTo("0.01242346");
        assertThat(mini.path("requests").asLong()).isEqualTo(3);
        assertThat(mini.path("prompt_tokens").asLong()).isEqualTo(1103);
        assertThat(mini.path("completion_tokens").asLong()).isEqualTo(421);
        assertThat(mini.has("lane")).as("only the by-keys").isFalse();
        assertThat(mini.has("tenant")).isFalse();
        JsonNode gemini = group(byFeatureModel, "feature", f1, "model", "google/gemini-2.0-flash");
        assertThat(gemini.path("total_usd").decimalValue()).isEqualByComparingTo("0.00000007");
        assertThat(gemini.path("cost_per_request_usd").decimalValue()).isEqualByComparingTo("0.00000007");
        JsonNode b = group(byFeatureModel, "feature", f2, "model", "openai/gpt-4o-mini");
        assertThat(b.path("total_usd").decimalValue()).isEqualByComparingTo("0.00345678");
        assertThat(b.path("requests").asLong()).isEqualTo(2);
        assertThat(b.path("cache_hits").asLong()).isEqualTo(1);
        assertThat(b.path("saved_usd").decimalValue()).isEqualByComparingTo("0.0042");
        assertThat(b.path("cost_per_request_usd").decimalValue()).isEqualByComparingTo("0.00172839");

        JsonNode byFeature = summary("24h", "feature", tenant);
        assertThat(group(byFeature, "feature", f1, null, null).path("total_usd").decimalValue()).isEqualByComparingTo("0.01242353");
        assertThat(group(byFeature, "feature", f2, null, null).path("total_usd").decimalValue()).isEqualByComparingTo("0.00345678");
        JsonNode byLane = summary("30d", "lane,tenant", tenant);
        assertThat(group(byLane, "lane", "interactive", null, null).path("total_usd").decimalValue()).isEqualByComparingTo("0.00012346");
        assertThat(group(byLane, "lane", "async", null, null).path("total_usd").decimalValue()).isEqualByComparingTo("0.01575685");
        assertThat(group(byLane, "lane", "async", null, null).path("tenant").asText()).isEqualTo(tenant);
        assertThat(summary("7d", "model", tenant).path("total_usd").decimalValue()).isEqualByComparingTo("0.01588031");
        JsonNode byTenant = summary("1h", "tenant", tenant);
        assertThat(byTenant.path("groups")).hasSize(1);
        assertThat(byTenant.path("groups").get(0).path("total_usd").decimalValue()).isEqualByComparingTo("0.01588031");
        // the ledger's writes went through its fault-tolerance guard (retried until Redis answers): one invocation per
        // batch, and how many records a batch holds depends on how the fetches fell
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern("ft_invocations_total\\{[^}]*method=\"dev.llmfleet.billing.repository.LedgerRepository.record\""
                + "[^}]*result=\"valueReturned\"[^}]*} [1-9][0-9]*\\.");
    }

    @Test
    void theSeriesSplitsTheWindowHourByHourAndAddsUpToTheSummary() {
        String tenant = tenant();
        Instant now = Instant.now();
        events.send(call(id(), "support-chat", tenant, "openai/gpt-4o-mini", "interactive", 10, 2, "0.001", null, now.minus(Duration.ofHours(2))));
        events.send(call(id(), "doc-summarize", tenant, "openai/gpt-4o", "async", 10, 2, "0.0002", null, now.minus(Duration.ofHours(1))));
        events.send(call(id(), "support-chat", tenant, "openai/gpt-4o-mini", "interactive", 10, 2, "0.00003", null, now));
        awaitRequests("24h", "feature", tenant, 3);

        // the series has no tenant filter: this test's groups are told apart by grouping by tenant too
        Instant askedAt = Instant.now();
        JsonNode series = json(given().queryParam("window", "24h").queryParam("by", "tenant,feature")
                .get("/v1/billing/series").then().statusCode(200).extract().asString());
        assertThat(series.path("window").asText()).isEqualTo("24h");
        assertThat(series.path("bucket_seconds").asLong()).isEqualTo(3600);
        JsonNode buckets = series.path("buckets");
        assertThat(buckets).hasSize(24);
        Instant lastStart = Instant.parse(buckets.get(23).path("start").asText());
        assertThat(lastStart).as("the current hour").isBetween(askedAt.truncatedTo(ChronoUnit.HOURS), Instant.now());
        assertThat(Instant.parse(buckets.get(0).path("start").asText())).isEqualTo(lastStart.minus(Duration.ofHours(23)));
        assertThat(tenantSpend(series, now.minus(Duration.ofHours(2)), tenant, "support-chat")).isEqualByComparingTo("0.001");
        assertThat(tenantSpend(series, now.minus(Duration.ofHours(1)), tenant, "doc-summarize")).isEqualByComparingTo("0.0002");
        assertThat(tenantSpend(series, now, tenant, "support-chat")).isEqualByComparingTo("0.00003");
        assertThat(tenantSpend(series, now, tenant, "doc-summarize")).isEqualByComparingTo("0");

        // each bucket's total is the sum of its groups, and the tenant's groups add up to its summary of the same window
        BigDecimal tenantTotal = BigDecimal.ZERO;
        for (JsonNode bucket : buckets) {
            BigDecimal groups = BigDecimal.ZERO;
            for (JsonNode g : bucket.path("groups")) {
                groups = groups.add(g.path("total_usd").decimalValue());
                tenantTotal = tenant.equals(g.path("tenant").asText()) ? tenantTotal.add(g.path("total_usd").decimalValue()) : tenantTotal;
            }
            assertThat(bucket.path("total_usd").decimalValue()).as(bucket.path("start").asText()).isEqualByComparingTo(groups);
        }
        assertThat(tenantTotal).isEqualByComparingTo(summary("24h", "", tenant).path("total_usd").decimalValue()).isEqualByComparingTo("0.00123");
    }

    /** The USD a tenant's feature spent in the series bucket that holds {@code at} (0 without a group there). */
    private static BigDecimal tenantSpend(JsonNode series, Instant at, String tenant, String feature) {
        String start = at.truncatedTo(ChronoUnit.HOURS).toString();
        for (JsonNode bucket : series.path("buckets")) {
            if (Instant.parse(bucket.path("start").asText()).toString().equals(start)) {
                for (JsonNode g : bucket.path("groups")) {
                    if (tenant.equals(g.path("tenant").asText()) && feature.equals(g.path("feature").asText())) {
                        return g.path("total_usd").decimalValue();
                    }
                }
                return BigDecimal.ZERO;
            }
        }
        throw new AssertionError("no bucket starting " + start + " in " + series);
    }

    @Test
    void aRedeliveredEventIsCountedOnce() {
        String tenant = tenant();
        String requestId = id();
        Instant now = Instant.now();
        UsageRecorded first = call(requestId, "search-index", tenant, "openai/gpt-4o-mini", "async", 10, 10, "0.00001234", null, now);
        events.send(first);
        events.send(first);
        // a redelivery with different figures is still the same request
        events.send(call(requestId, "search-index", tenant, "openai/gpt-4o-mini", "async", 99, 99, "0.5", null, now));
        String other = id();
        events.send(call(other, "search-index", tenant, "openai/gpt-4o-mini", "async", 1, 1, "0.00000100", null, now));
        events.send(call(other, "search-index", tenant, "openai/gpt-4o-mini", "async", 1, 1, "0.00000100", null, now));

        JsonNode s = awaitRequests("15m", "feature", tenant, 2);
        UsageEvents.sleep(1500);
        s = summary("15m", "feature", tenant);
        assertThat(s.path("requests").asLong()).isEqualTo(2);
        assertThat(s.path("total_usd").decimalValue()).isEqualByComparingTo("0.00001334");
        assertThat(metric("fleet_billing_events_duplicate_total")).isGreaterThanOrEqualTo(3);
    }

    private static JsonNode awaitTotal(String tenant, String usd) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> summary("15m", "feature", tenant).path("total_usd").decimalValue(), t -> t.compareTo(new BigDecimal(usd)) == 0);
        UsageEvents.sleep(1500);
        return summary("15m", "feature", tenant);
    }

    @Test
    void everyAttemptOfARequestCountsItsChargeAndTheRequestOnce() {
        String tenant = tenant();
        String feature = "ticket-classify";
        Instant now = Instant.now();
        String retried = id();
        UsageRecorded second = attempt(retried, 2, feature, tenant, "openai/gpt-4o-mini", 200, "0.00000200", "header", null, now);
        events.send(attempt(retried, 1, feature, tenant, "openai/gpt-4o-mini", 200, "0.00000100", "header", null, now));
        events.send(second);
        events.send(second);
        events.send(call(id(), feature, tenant, "openai/gpt-4o-mini", "async", 1, 1, "0.00000600", null, now));
        // a schema 1.0 event has no event id: its request id is its identity, so its redelivery is a duplicate
        String old = "{\"schema_version\":\"1.0\",\"request_id\":\"" + id() + "\",\"lane\":\"interactive\",\"feature\":\"" + feature
                + "\",\"tenant\":\"" + tenant + "\",\"model_used\":\"openai/gpt-4o-mini\",\"charged_usd\":0.00000030,\"status\":\"ok\","
                + "\"http_status\":200,\"occurred_at\":\"" + now + "\"}";
        events.sendRaw("old", old);
        events.sendRaw("old", old);

        JsonNode s = awaitTotal(tenant, "0.00000930");
        assertThat(s.path("requests").asLong()).as("one request per request id").isEqualTo(3);
        assertThat(s.path("cost_per_request_usd").decimalValue()).isEqualByComparingTo("0.0000031");
        assertThat(s.path("prompt_tokens").asLong()).isEqualTo(201);
        JsonNode group = group(s, "feature", feature, null, null);
        assertThat(group.path("requests").asLong()).isEqualTo(3);
        assertThat(group.path("total_usd").decimalValue()).isEqualByComparingTo("0.0000093");
    }

    @Test
    void aFailedFreeAttemptDoesNotHideThePaidRetryOfTheSameRequest() {
        String tenant = tenant();
        String job = id();
        Instant now = Instant.now();
        events.send(attempt(job, 1, "search-index", tenant, "openai/gpt-4o-mini", 500, "0", "none", null, now));
        events.send(attempt(job, 2, "search-index", tenant, "openai/gpt-4o-mini", 200, "0.00012345", "header", null, now.plusMillis(5)));

        JsonNode s = awaitTotal(tenant, "0.00012345");
        assertThat(s.path("requests").asLong()).isEqualTo(1);
        assertThat(s.path("cost_per_request_usd").decimalValue()).isEqualByComparingTo("0.00012345");
        assertThat(s.path("completion_tokens").asLong()).isEqualTo(50);
    }

    @Test
    void unreadableRecordsAreSkippedAndTheStreamGoesOn() {
        String tenant = tenant();
        double rejectedBefore = metric("fleet_billing_events_rejected_total");
        events.sendRaw("bad-1", "this is not json");
        events.sendRaw("bad-2", "{\"schema_version\":\"2.0\",\"request_id\":\"" + id() + "\",\"charged_usd\":1}");
        events.sendRaw("bad-3", "{\"schema_version\":\"1.0\",\"charged_usd\":1}");
        events.sendRaw("bad-4", "[1,2,3]");
        events.sendRaw("bad-5", "{\"schema_version\":\"1.0\",\"request_id\":\"" + id() + "\",\"prompt_tokens\":\"many\"}");
        events.send(call(id(), "search-index", tenant, "openai/gpt-4o-mini", "async", 1, 1, "0.00000321", null, Instant.now()));

        JsonNode s = awaitRequests("15m", "feature", tenant, 1);
        assertThat(s.path("total_usd").decimalValue()).isEqualByComparingTo("0.00000321");
        await().atMost(Duration.ofSeconds(30)).until(() -> metric("fleet_billing_events_rejected_total") - rejectedBefore >= 5);
        given().get("/q/metrics").then().body(containsString("reason=\"unknown_version\""))
                .body(containsString("reason=\"unparseable\"")).body(containsString("reason=\"invalid\""));
    }

    @Test
    void aFeatureWhoseCostPerRequestJumpsRaisesOneCostAnomaly() {
        String tenant = tenant();
        // no other test of this class spends on it, so its cost per request is this test's alone
        String feature = "product-enrich";
        Instant baseline = Instant.now().minus(Duration.ofMinutes(30));
        Instant now = Instant.now();
        for (int i = 0; i < 25; i++) {
            events.send(call(id(), feature, tenant, "openai/gpt-4o-mini", "async", 10, 10, "0.0001", null, baseline));
            events.send(call(id(), feature, tenant, "openai/gpt-4o-mini", "async", 10, 10, "0.0005", null, now));
        }
        awaitRequests("1h", "feature", tenant, 50);
        JsonNode alert = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> anomalies(feature), list -> !list.isEmpty()).get(0);
        assertThat(alert.path("level").asText()).isNotBlank();
        assertThat(new BigDecimal(alert.path("figures").path("window_cost_per_request_usd").asText())).isEqualByComparingTo("0.0005");
        assertThat(new BigDecimal(alert.path("figures").path("baseline_cost_per_request_usd").asText())).isEqualByComparingTo("0.0001");
        UsageEvents.sleep(3000);
        assertThat(anomalies(feature)).as("once per feature per window").hasSize(1);
    }

    @Test
    void aLastingCostAnomalyAlertsOnceAcrossAWindowBoundary() {
        String tenant = tenant();
        // hours ahead, so the periodic check (on the real clock) and other tests never see these minutes
        String feature = "doc-summarize";
        long window = Duration.ofMinutes(5).toMillis();
        long boundary = Math.floorDiv(System.currentTimeMillis() + Duration.ofHours(3).toMillis(), window) * window;
        Instant spike = Instant.ofEpochMilli(boundary - 20_000);
        Instant baseline = spike.minus(Duration.ofMinutes(30));
        for (int i = 0; i < 25; i++) {
            events.send(call(id(), feature, tenant, "openai/gpt-4o-mini", "async", 10, 10, "0.0001", null, baseline));
            events.send(call(id(), feature, tenant, "openai/gpt-4o-mini", "async", 10, 10, "0.0005", null, spike));
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> anomalyCheck.check(boundary - 1_000).await().indefinitely() == 1);
        assertThat(anomalyCheck.check(boundary + 1_000).await().indefinitely()).as("the same anomaly a second later, past the boundary").isZero();
        assertThat(anomalies(feature)).hasSize(1);
    }

    @Test
    void anEventOfAFeatureBillingDoesNotKnowIsLedgeredAsOther() {
        String tenant = tenant();
        Instant now = Instant.now();
        events.send(call(id(), "made-up-" + UUID.randomUUID(), tenant, "openai/gpt-4o-mini", "async", 10, 10, "0.00000200", null, now));
        events.send(call(id(), "made-up-" + UUID.randomUUID(), tenant, "openai/gpt-4o-mini", "async", 10, 10, "0.00000300", null, now));
        events.send(call(id(), "support-chat", tenant, "openai/gpt-4o-mini", "interactive", 10, 10, "0.00000100", null, now));

        JsonNode s = awaitRequests("15m", "feature", tenant, 3);
        assertThat(s.path("groups")).as("however many names arrive, one bucket holds them").hasSize(2);
        JsonNode other = group(s, "feature", "other", null, null);
        assertThat(other.path("requests").asLong()).isEqualTo(2);
        assertThat(other.path("total_usd").decimalValue()).isEqualByComparingTo("0.000005");
        assertThat(group(s, "feature", "support-chat", null, null).path("requests").asLong()).isEqualTo(1);
    }

    private static List<JsonNode> anomalies(String feature) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode a : json(given().queryParam("limit", 500).get("/v1/billing/alerts").asString()).path("data")) {
            if ("cost_anomaly".equals(a.path("kind").asText()) && feature.equals(a.path("figures").path("feature").asText())) {
                found.add(a);
            }
        }
        return found;
    }

    @Test
    void badParametersAnswerOpenAiStyle400s() {
        given().queryParam("window", "2h").get("/v1/billing/summary").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error")).body("error.code", equalTo("invalid_window"))
                .body("error.message", containsString("15m"));
        given().queryParam("window", "24h").queryParam("by", "feature,colour").get("/v1/billing/summary").then().statusCode(400)
                .body("error.code", equalTo("invalid_group_by"));
        given().queryParam("limit", 0).get("/v1/billing/alerts").then().statusCode(400).body("error.code", equalTo("invalid_limit"));
        given().queryParam("limit", "many").get("/v1/billing/alerts").then().statusCode(400).body("error.code", equalTo("invalid_limit"));
        given().queryParam("window", "2h").get("/v1/billing/series").then().statusCode(400).body("error.code", equalTo("invalid_window"));
        given().queryParam("by", "colour").get("/v1/billing/series").then().statusCode(400).body("error.code", equalTo("invalid_group_by"));
        given().get("/v1/billing/nothing").then().statusCode(404).body("error.code", equalTo("not_found"));
    }

    @Test
    void balanceAndAlertsAnswerTheDocumentedShapes() {
        JsonNode balance = json(given().get("/v1/billing/balance").then().statusCode(200).extract().asString());
        for (String field : List.of("balance_usd", "burn_rate_usd_per_hour", "runway_hours", "level", "as_of", "unattributed_usd",
                "estimate_drift_usd", "estimate_reconciled_usd", "last_topup")) {
            assertThat(balance.has(field)).as(field).isTrue();
        }
        assertThat(balance.path("level").asText()).isIn("OK", "LOW", "CRITICAL", "DEPLETED");
        JsonNode alerts = json(given().get("/v1/billing/alerts").then().statusCode(200).extract().asString());
        assertThat(alerts.path("data").isArray()).isTrue();
        JsonNode summary = json(given().get("/v1/billing/summary").then().statusCode(200).extract().asString());
        assertThat(summary.path("window").asText()).isEqualTo("24h");
        for (String field : List.of("total_usd", "requests", "cost_per_request_usd", "cache_hits", "saved_usd", "unattributed_usd",
                "by_source", "groups")) {
            assertThat(summary.has(field)).as(field).isTrue();
        }
        given().get("/q/openapi").then().statusCode(200).body(containsString("/v1/billing/summary")).body(containsString("/v1/billing/series"));
    }

    @Test
    void billingMetricsAreExported() {
        events.send(call(id(), "ticket-classify", tenant(), "openai/gpt-4o-mini", "interactive", 1, 1, "0.00000002", null, Instant.now()));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/q/metrics").then()
                .body(containsString("fleet_billing_balance_usd"))
                .body(containsString("fleet_billing_burn_rate_usd_per_hour"))
                .body(containsString("fleet_billing_runway_hours"))
                .body(containsString("fleet_billing_level"))
                .body(containsString("fleet_billing_unattributed_usd"))
                .body(containsString("fleet_billing_events_ingested_total"))
                .body(containsString("fleet_billing_spend_usd_total{application=\"billing-service\",feature=\"ticket-classify\",lane=\"interactive\",model=\"openai/gpt-4o-mini\"")));
    }

    /** The sum of a counter's series in /q/metrics. */
    static double metric(String name) {
        double sum = 0;
        for (String line : given().get("/q/metrics").asString().split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
