package dev.llmfleet.billing.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.BillingApi;
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

import static dev.llmfleet.billing.UsageEvents.call;
import static dev.llmfleet.billing.UsageEvents.id;
import static dev.llmfleet.billing.BillingApi.alerts;
import static dev.llmfleet.billing.BillingApi.balance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Automated top-up against the real provider simulator: once per crossing into LOW, within the daily limit. */
@QuarkusTest
@TestProfile(AutoTopupTest.AutoTopup.class)
@WithTestResource(LocalStackResource.class)
@WithTestResource(IsolatedLedger.class)
class AutoTopupTest {
    @BeforeEach
    void asAdmin() {
        BillingApi.asAdmin();
    }

    /** Auto mode, $50 a time, at most $100 a day. */
    public static class AutoTopup implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fleet.billing.topup.mode", "auto", "fleet.billing.topup.amount-usd", "50",
                    "fleet.billing.topup.daily-limit-usd", "100", "fleet.billing.topup.api-key", "mdb_test_topup",
                    "fleet.billing.topup.settle", "3s", "fleet.billing.anomaly.enabled", "false");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TopupSimResource.class));
        }
    }

    @Inject
    ObjectMapper mapper;

    /**
     * The provider's balance is {@code usd} and a usage event says so. The event charges nothing (a charge now would
     * raise the burn rate and make the level runway-driven), so the reconciliation reports the drops as unattributed:
     * expected here, not asserted.
     */
    private void providerAt(UsageEvents events, String tenant, String usd) throws Exception {
        TopupSimResource.admin("/admin/config", "{\"balance_usd\":" + usd + "}");
        events.send(call(id(), "topup-test", tenant, "openai/gpt-4o-mini", "async", 10, 10, "0", usd, Instant.now()));
    }

    @Test
    void lowBalanceTopsUpOncePerCrossingWithinTheDailyLimit() throws Exception {
        assumeTrue(TopupSimResource.url() != null, "provider-sim is not packaged (" + TopupSimResource.JAR + ")");
        String tenant = "t-" + UUID.randomUUID();
        try (UsageEvents events = new UsageEvents(mapper)) {
            events.awaitConsumer();

            // LOW → one top-up of $50; the simulator's answer is the new reading
            providerAt(events, tenant, "15");
            JsonNode topped = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(BillingApi::balance,
                    b -> b.path("balance_usd").decimalValue() != null && b.path("balance_usd").decimalValue().compareTo(new BigDecimal("65")) == 0);
            assertThat(topped.path("level").asText()).isEqualTo("OK");
            assertThat(topped.path("last_topup").path("status").asText()).isEqualTo("succeeded");
            assertThat(topped.path("last_topup").path("amount_usd").decimalValue()).isEqualByComparingTo("50");
            assertThat(topped.path("last_topup").path("topup_id").asText()).isNotBlank();
            await().atMost(Duration.ofSeconds(30)).until(() -> alerts("topup_succeeded") == 1);
            assertThat(new BigDecimal(TopupSimResource.admin("/admin/totals", null).path("topped_up_usd").asText())).isEqualByComparingTo("50");

            // a second crossing tops up again; the reading before it does not repeat the first
            providerAt(events, tenant, "12");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(
                    () -> balance().path("balance_usd").decimalValue(), b -> b != null && b.compareTo(new BigDecimal("62")) == 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> alerts("topup_succeeded") == 2);

            // the third would pass the $100 daily limit: refused, alerted, nothing spent
            providerAt(events, tenant, "10");
            await().atMost(Duration.ofSeconds(60)).until(() -> alerts("topup_failed") == 1);
            JsonNode refused = balance();
            assertThat(refused.path("level").asText()).isEqualTo("LOW");
            assertThat(refused.path("last_topup").path("status").asText()).isEqualTo("limit_reached");
            UsageEvents.sleep(1500);
            assertThat(alerts("topup_failed")).as("once per crossing, not per event").isEqualTo(1);
            assertThat(alerts("topup_succeeded")).isEqualTo(2);
            assertThat(new BigDecimal(TopupSimResource.admin("/admin/totals", null).path("topped_up_usd").asText())).isEqualByComparingTo("100");

            // leave billing.state OK for whoever reads it next
            providerAt(events, tenant, "1000");
            await().atMost(Duration.ofSeconds(60)).until(() -> "OK".equals(balance().path("level").asText()));
        }
    }
}
