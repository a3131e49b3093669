package dev.llmfleet.billing.rest;

import dev.llmfleet.billing.BillingApi;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.IsolatedLedger;
import dev.llmfleet.billing.StateTopic;
import dev.llmfleet.billing.UsageEvents;
import dev.llmfleet.billing.WebhookReceiver;
import dev.llmfleet.common.messaging.UsageRecorded;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static dev.llmfleet.billing.UsageEvents.call;
import static dev.llmfleet.billing.UsageEvents.id;
import static dev.llmfleet.billing.UsageEvents.json;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fuel gauge over real Kafka and Redis, as one story (the balance is global, so its steps run in order): a balance
 * drains through LOW and CRITICAL, hovers at the threshold, a late old reading arrives, a charge goes missing, the
 * provider answers 402, and the balance is restored. Readings are placed hours in the past so the burn rate (the last
 * 15 minutes) stays that of the other tests, and each reading's charge matches its drop, so nothing is unattributed
 * until the step that means it.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(IsolatedLedger.class)
@WithTestResource(WebhookReceiver.class)
class BalanceScenarioTest {
    @BeforeEach
    void asAdmin() {
        BillingApi.asAdmin();
    }

    @Inject
    ObjectMapper mapper;

    private final String tenant = "t-" + UUID.randomUUID();
    private Instant clock = Instant.now().minus(Duration.ofHours(6)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    private BigDecimal last;

    private UsageEvents events;

    /** One call that took the balance from the last reading to {@code balance} (charged exactly the drop, unless told). */
    private void reading(String balance, String charged) {
        clock = clock.plusSeconds(1);
        BigDecimal next = new BigDecimal(balance);
        String charge = charged != null ? charged : last == null || next.compareTo(last) > 0 ? "0.001" : last.subtract(next).toPlainString();
        events.send(call(id(), "scenario", tenant, "openai/gpt-4o", "async", 100, 100, charge, balance, clock));
        last = next;
        awaitBalance(balance);
    }

    private static JsonNode balance() {
        return json(given().get("/v1/billing/balance").then().statusCode(200).extract().asString());
    }

    private static void awaitBalance(String usd) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> balance().path("balance_usd").decimalValue(), b -> b != null && b.compareTo(new BigDecimal(usd)) == 0);
    }

    private static void awaitLevel(String level) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> balance().path("level").asText(), level::equals);
    }

    private static long alerts(String kind) {
        long n = 0;
        for (JsonNode a : json(given().queryParam("limit", 500).get("/v1/billing/alerts").asString()).path("data")) {
            if (kind.equals(a.path("kind").asText())) {
                n++;
            }
        }
        return n;
    }

    private static void awaitAlerts(String kind, long count) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> alerts(kind), n -> n == count);
    }

    @Test
    void aDrainingBalanceAlertsOncePerCrossingAndPublishesItsState() {
        events = new UsageEvents(mapper);
        try (StateTopic state = new StateTopic("billing.state"); StateTopic alertTopic = new StateTopic("billing.alerts")) {
            events.awaitConsumer();

            // drain: OK → LOW (one balance_low) → CRITICAL (one balance_critical)
            reading("30", null);
            awaitLevel("OK");
            reading("25", null);
            reading("19.5", null);
            awaitLevel("LOW");
            awaitAlerts("balance_low", 1);
            reading("12", null);
            reading("6", null);
            reading("4.5", null);
            awaitLevel("CRITICAL");
            awaitAlerts("balance_critical", 1);
            reading("3", null);
            assertThat(alerts("balance_low")).isEqualTo(1);

            // hysteresis: back above 5 but inside the 10 % band, then below again: no repeat, level held
            // (rises are credit from outside billing: each more than the $1 external-credit threshold, so nothing is unattributed)
            reading("5.2", null);
            reading("4.4", null);
            assertThat(balance().path("level").asText()).isEqualTo("CRITICAL");
            // past the band: re-armed and LOW; the next crossing alerts again (a second time, not a third)
            reading("5.6", null);
            awaitLevel("LOW");
            reading("4.9", null);
            awaitLevel("CRITICAL");
            awaitAlerts("balance_critical", 2);
            assertThat(balance().path("unattributed_usd").decimalValue()).isEqualByComparingTo("0");

            // out of order: an older reading arriving late does not replace the newer one
            Instant newer = clock.plusSeconds(10).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            Instant older = clock.plusSeconds(5);
            clock = newer;
            events.send(call(id(), "scenario", tenant, "openai/gpt-4o", "async", 10, 10, "0.9", "4.0", newer));
            awaitBalance("4.0");
            events.send(call(id(), "scenario", tenant, "openai/gpt-4o", "async", 10, 10, "0.0", "4.7", older));
            await().atMost(Duration.ofSeconds(60)).until(() -> json(given().queryParam("window", "24h").queryParam("tenant", tenant)
                    .get("/v1/billing/summary").asString()).path("requests").asLong() == 13);
            UsageEvents.sleep(500);
            JsonNode afterLate = balance();
            assertThat(afterLate.path("balance_usd").decimalValue()).isEqualByComparingTo("4.0");
            assertThat(afterLate.path("as_of").asText()).isEqualTo(newer.toString());
            last = new BigDecimal("4.0");

            // a call charged by the provider but never recorded: $1 unattributed, one alert
            reading("2.99", "0.01");
            JsonNode gap = await().atMost(Duration.ofSeconds(60)).until(BalanceScenarioTest::balance,
                    b -> b.path("unattributed_usd").decimalValue().compareTo(new BigDecimal("0.9")) > 0);
            assertThat(gap.path("unattributed_usd").decimalValue()).isLessThanOrEqualTo(new BigDecimal("1.0"));
            awaitAlerts("unattributed_spend", 1);
            JsonNode summary = json(given().queryParam("window", "15m").get("/v1/billing/summary").asString());
            assertThat(summary.path("unattributed_usd").decimalValue()).isEqualByComparingTo(gap.path("unattributed_usd").decimalValue());

            // 402: depleted at once, whatever the last reading said
            clock = clock.plusSeconds(1);
            events.send(new UsageRecorded("1.0", id(), id(), "job_402", "async", "scenario", tenant, "openai/gpt-4o", "openai/gpt-4o", 100, 0,
                    BigDecimal.ZERO, null, "none", false, null, "provider_balance_depleted", 402, 50, 1, clock, null));
            awaitLevel("DEPLETED");
            awaitAlerts("balance_depleted", 1);

            // restored (a top-up outside billing): OK again, one recovery alert, the unattributed gap kept
            reading("1000", "0");
            awaitLevel("OK");
            awaitAlerts("recovered", 1);
            assertThat(balance().path("unattributed_usd").decimalValue()).isEqualByComparingTo(gap.path("unattributed_usd").decimalValue());
            assertThat(alerts("balance_low")).isEqualTo(1);
            assertThat(alerts("balance_critical")).isEqualTo(2);
            assertThat(alerts("unattributed_spend")).isEqualTo(1);

            // billing.state carried every level, keyed "balance", with the async share the lanes obey
            List<StateTopic.Record> states = await().atMost(Duration.ofSeconds(60)).until(state::records,
                    list -> !list.isEmpty() && "OK".equals(list.get(list.size() - 1).value().path("level").asText())
                            && new BigDecimal("1000").compareTo(new BigDecimal(list.get(list.size() - 1).value().path("balance_usd").asText("0"))) == 0);
            assertThat(states).allSatisfy(r -> assertThat(r.key()).isEqualTo("balance"));
            assertThat(states).anySatisfy(r -> {
                assertThat(r.value().path("level").asText()).isEqualTo("LOW");
                assertThat(r.value().path("async_share").asDouble()).isBetween(0.1, 1.0);
                assertThat(r.value().path("schema_version").asText()).isEqualTo("1.0");
            });
            assertThat(states).anySatisfy(r -> {
                assertThat(r.value().path("level").asText()).isEqualTo("CRITICAL");
                assertThat(r.value().path("async_share").asDouble()).isZero();
            });
            assertThat(states).anySatisfy(r -> {
                assertThat(r.value().path("level").asText()).isEqualTo("DEPLETED");
                assertThat(r.value().path("async_share").asDouble()).isZero();
            });
            JsonNode finalState = states.get(states.size() - 1).value();
            assertThat(finalState.path("async_share").asDouble()).isEqualTo(1.0);
            assertThat(finalState.path("as_of").asText()).isNotBlank();
            assertThat(finalState.has("burn_rate_usd_per_hour")).isTrue();
            assertThat(finalState.has("runway_hours")).isTrue();

            // alerts also went to billing.alerts, keyed by alert id
            List<StateTopic.Record> published = await().atMost(Duration.ofSeconds(60)).until(alertTopic::records,
                    list -> list.stream().anyMatch(r -> "balance_depleted".equals(r.value().path("kind").asText())));
            assertThat(published).allSatisfy(r -> assertThat(r.key()).isEqualTo(r.value().path("alert_id").asText()));
            assertThat(published.stream().filter(r -> "balance_critical".equals(r.value().path("kind").asText()))).hasSize(2);

            // and to the webhook, retried past its first refusal, each alert delivered once
            String depletedId = published.stream().filter(r -> "balance_depleted".equals(r.value().path("kind").asText()))
                    .findFirst().orElseThrow().key();
            await().atMost(Duration.ofSeconds(60)).until(() -> WebhookReceiver.accepted().stream()
                    .anyMatch(a -> depletedId.equals(a.path("alert_id").asText())));
            assertThat(WebhookReceiver.accepted().stream().filter(a -> depletedId.equals(a.path("alert_id").asText()))).hasSize(1);
            assertThat(WebhookReceiver.accepted().get(0).path("schema_version").asText()).isEqualTo("1.0");
        } finally {
            events.close();
        }
    }

    @Test
    void theHeartbeatRepublishesTheState() {
        events = new UsageEvents(mapper);
        try (StateTopic state = new StateTopic("billing.state")) {
            events.awaitConsumer();
            if (balance().path("balance_usd").isNull()) {
                reading("1000", "0");
            }
            List<StateTopic.Record> states = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(state::records, list -> list.size() >= 2);
            assertThat(states.get(1).value().path("published_at").asText()).isNotEqualTo(states.get(0).value().path("published_at").asText());
        } finally {
            events.close();
        }
    }
}
