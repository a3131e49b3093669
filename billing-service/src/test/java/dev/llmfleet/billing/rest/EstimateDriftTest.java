package dev.llmfleet.billing.rest;

import dev.llmfleet.billing.BillingApi;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.IsolatedLedger;
import dev.llmfleet.billing.UsageEvents;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import static dev.llmfleet.billing.UsageEvents.attempt;
import static dev.llmfleet.billing.UsageEvents.id;
import static dev.llmfleet.billing.UsageEvents.json;
import static dev.llmfleet.billing.rest.LedgerTest.group;
import static dev.llmfleet.billing.rest.LedgerTest.summary;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Charges by source and the estimate drift over real Kafka and Redis, in an application (and ledger) of its own: its
 * balance readings would otherwise be the anchor or the latest reading of the other tests' balance story.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(IsolatedLedger.class)
class EstimateDriftTest {
    @BeforeEach
    void asAdmin() {
        BillingApi.asAdmin();
    }

    @Inject
    ObjectMapper mapper;

    @Test
    void chargesAreKeptBySourceAndEstimatesAreReconciledWithTheNextReading() {
        String tenant = "t-" + UUID.randomUUID();
        String feature = "doc-summarize";
        String model = "openai/gpt-4o-mini";
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (UsageEvents events = new UsageEvents(mapper)) {
            events.awaitConsumer();
            story(events, tenant, feature, model, t);
        }
    }

    private static void story(UsageEvents events, String tenant, String feature, String model, Instant t) {
        // the first reading anchors the reconciliation (the only readings this application sees)
        events.send(attempt(id(), 1, feature, tenant, model, 200, "0.001", "header", "100", t));
        awaitReading("100");

        // an estimate $0.0005 too low: the next reading fell $0.0035 where the ledger says $0.003
        events.send(attempt(id(), 1, feature, tenant, model, 200, "0.002", "estimated", null, t.plusSeconds(1)));
        awaitSource(tenant, "estimated", "0.002");
        events.send(attempt(id(), 1, feature, tenant, model, 200, "0.001", "header", "99.9965", t.plusSeconds(2)));
        JsonNode first = awaitDrift("0.0005");
        assertThat(first.path("estimate_reconciled_usd").decimalValue()).isEqualByComparingTo("0.002");

        // an estimate $0.001 too high (the provider took $0.002 for it, $0.0001 for the next call): the drift nets out
        events.send(attempt(id(), 1, feature, tenant, model, 200, "0.003", "estimated", null, t.plusSeconds(3)));
        awaitSource(tenant, "estimated", "0.005");
        events.send(attempt(id(), 1, feature, tenant, model, 200, "0.0001", "trailer", "99.9944", t.plusSeconds(4)));
        JsonNode second = awaitDrift("-0.0005");
        assertThat(second.path("estimate_reconciled_usd").decimalValue()).isEqualByComparingTo("0.005");
        assertThat(second.path("unattributed_usd").decimalValue()).isEqualByComparingTo("0");

        JsonNode s = summary("15m", "feature", tenant);
        assertThat(s.path("by_source").path("header").decimalValue()).isEqualByComparingTo("0.002");
        assertThat(s.path("by_source").path("trailer").decimalValue()).isEqualByComparingTo("0.0001");
        assertThat(s.path("by_source").path("estimated").decimalValue()).isEqualByComparingTo("0.005");
        assertThat(group(s, "feature", feature, null, null).path("by_source").path("estimated").decimalValue()).isEqualByComparingTo("0.005");
        assertThat(s.path("total_usd").decimalValue()).isEqualByComparingTo("0.0071");
        assertThat(given().get("/q/metrics").asString()).contains("fleet_billing_spend_by_source_usd_total{application=\"billing-service\",source=\"estimated\"}");
        // the gauges read the same view as the balance answer (their values are not compared here: a gauge registered by an
        // earlier test application of this JVM keeps its name, and Micrometer hands that one back)
        assertThat(given().get("/q/metrics").asString()).contains("fleet_billing_estimate_drift_usd", "fleet_billing_estimate_reconciled_usd");
    }

    private static JsonNode balance() {
        return json(given().get("/v1/billing/balance").then().statusCode(200).extract().asString());
    }

    private static void awaitReading(String usd) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(
                () -> balance().path("balance_usd").decimalValue(), b -> b != null && b.compareTo(new BigDecimal(usd)) == 0);
    }

    private static void awaitSource(String tenant, String source, String usd) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(
                () -> summary("15m", "", tenant).path("by_source").path(source).decimalValue(),
                v -> v != null && v.compareTo(new BigDecimal(usd)) == 0);
    }

    private static JsonNode awaitDrift(String usd) {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(EstimateDriftTest::balance,
                b -> b.path("estimate_drift_usd").decimalValue() != null
                        && b.path("estimate_drift_usd").decimalValue().compareTo(new BigDecimal(usd)) == 0);
    }
}
