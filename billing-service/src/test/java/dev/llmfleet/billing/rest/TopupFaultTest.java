package dev.llmfleet.billing.rest;

import dev.llmfleet.billing.BillingApi;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.IsolatedLedger;
import dev.llmfleet.billing.TopupSimResource;
import dev.llmfleet.billing.UsageEvents;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.llmfleet.billing.BillingApi.alerts;
import static dev.llmfleet.billing.BillingApi.balance;
import static dev.llmfleet.billing.TopupSimResource.admin;
import static dev.llmfleet.billing.UsageEvents.call;
import static dev.llmfleet.billing.UsageEvents.id;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Top-ups under real faults, against the provider simulator run as a process: a top-up whose answer comes after billing's
 * timeout stays pending and is retried with the same key until it gets one (credited once, never refunded and re-issued),
 * and a balance still LOW once a top-up settled tops up again, within the daily limit.
 */
@QuarkusTest
@TestProfile(TopupFaultTest.SmallTopups.class)
@WithTestResource(LocalStackResource.class)
@WithTestResource(IsolatedLedger.class)
class TopupFaultTest {
    @BeforeEach
    void asAdmin() {
        BillingApi.asAdmin();
    }

    /** $2 a time (a $15 balance stays LOW after one), at most $5 a day, a 500 ms timeout, retries at most 1 s apart. */
    public static class SmallTopups implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String ft = "quarkus.fault-tolerance.\"dev.llmfleet.billing.client.TopupClient/topup\".";
            return Map.of("fleet.billing.topup.mode", "auto", "fleet.billing.topup.amount-usd", "2",
                    "fleet.billing.topup.daily-limit-usd", "5", "fleet.billing.topup.api-key", "mdb_test_topup",
                    ft + "timeout.value", "500", ft + "exponential-backoff.max-delay", "1000",
                    "fleet.billing.topup.settle", "2s", "fleet.billing.anomaly.enabled", "false");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TopupSimResource.class));
        }
    }

    @Inject
    ObjectMapper mapper;

    private static BigDecimal simTotal(String field) {
        return new BigDecimal(admin("/admin/totals", null).path(field).asText());
    }

    private static void awaitBalance(String usd) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(
                () -> balance().path("balance_usd").decimalValue(), b -> b != null && b.compareTo(new BigDecimal(usd)) == 0);
    }

    @Test
    void anUnknownOutcomeIsRetriedWithTheSameKeyAndAPersistingLowTopsUpAgainWithinTheLimit() {
        assumeTrue(TopupSimResource.url() != null, "provider-sim is not packaged (" + TopupSimResource.JAR + ")");
        String tenant = "t-" + UUID.randomUUID();
        try (UsageEvents events = new UsageEvents(mapper)) {
            events.awaitConsumer();

            // the simulator credits at once but answers after billing's timeout: billing cannot know the outcome
            admin("/admin/config", "{\"balance_usd\": 15, \"topup_delay_ms\": 5000}");
            events.send(call(id(), "topup-fault", tenant, "openai/gpt-4o-mini", "async", 10, 10, "0", "15", Instant.now()));
            // more requests than any fixed attempt budget: an unknown outcome is never given up on
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> admin("/admin/totals", null).path("topup_requests").asLong() >= 6);
            assertThat(simTotal("topped_up_usd")).as("the same key every time: credited once").isEqualByComparingTo("2");
            JsonNode waiting = balance();
            assertThat(waiting.path("last_topup").path("status").asText()).isEqualTo("pending");
            assertThat(alerts("topup_failed")).as("not refunded, not failed").isZero();
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(metrics).as("each attempt without an answer counted")
                    .containsPattern("fleet_billing_topups_total\\{[^}]*outcome=\"unknown\"[^}]*} ([5-9]|[1-9][0-9]+)\\.");
            assertThat(metrics).containsPattern(
                    "ft_retry_retries_total\\{[^}]*method=\"dev.llmfleet.billing.client.TopupClient.topup\"[^}]*} ([5-9]|[1-9][0-9]+)\\.");

            // the provider answers in time again: the retry gets the first top-up's answer, a fresh reading
            admin("/admin/config", "{\"topup_delay_ms\": 0}");
            awaitBalance("17");
            assertThat(balance().path("last_topup").path("status").asText()).isEqualTo("succeeded");
            assertThat(balance().path("level").asText()).isEqualTo("LOW");

            // still LOW once the top-up settled: a second top-up, under a new key
            awaitBalance("19");
            assertThat(simTotal("topped_up_usd")).isEqualByComparingTo("4");
            await().atMost(Duration.ofSeconds(30)).until(() -> alerts("topup_succeeded") == 2);

            // a third would pass the $5 daily limit: refused once, nothing spent
            await().atMost(Duration.ofSeconds(60)).until(() -> alerts("topup_failed") == 1);
            assertThat(balance().path("last_topup").path("status").asText()).isEqualTo("limit_reached");
            UsageEvents.sleep(3000);
            assertThat(alerts("topup_failed")).as("held until the level is OK again").isEqualTo(1);
            assertThat(simTotal("topped_up_usd")).isEqualByComparingTo("4");
            assertThat(new BigDecimal(admin("/admin/totals", null).path("balance_usd").asText())).isEqualByComparingTo("19");

            // leave billing.state OK for whoever reads it next
            events.send(call(id(), "topup-fault", tenant, "openai/gpt-4o-mini", "async", 10, 10, "0", "1000", Instant.now()));
            await().atMost(Duration.ofSeconds(60)).until(() -> "OK".equals(balance().path("level").asText()));
        }
    }
}
