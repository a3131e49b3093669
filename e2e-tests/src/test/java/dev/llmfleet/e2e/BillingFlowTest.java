package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.localstack.Fleet;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Billing end to end on a fleet of its own (a clean ledger): spend reconciles with the simulator to the
 * last digit, a draining balance raises LOW then CRITICAL once each and pauses the async lane before any
 * 402, and after a top-up made outside the fleet every queued job finishes.
 */
class BillingFlowTest {
    @AutoClose
    private static OwnFleet own;
    private static String intake;

    @BeforeAll
    static void up() {
        own = new OwnFleet("billing", Map.of(
                "FLEET_BILLING_LOW_BALANCE_USD", "0.40",
                "FLEET_BILLING_CRITICAL_BALANCE_USD", "0.20",
                "FLEET_BILLING_STATE_HEARTBEAT", "2s"),
                Map.of("FLEET_WORKER_BALANCE_PAUSE", "3s", "FLEET_WORKER_CONCURRENCY_MAX", "8"));
        intake = own.fleet.service(Fleet.INTAKE).url() + "/v1/chat/completions";
    }

    private static String chat(String model, String content, int maxTokens) {
        return "{\"model\":\"" + model + "\",\"temperature\":0,\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + Http.quote(content) + "}]}";
    }

    @Test
    void spendReconcilesAlertsComeBeforeAny402TheAsyncLanePausesAndResumesAfterATopUp() {
        own.sim.reset();
        own.sim.configure("{\"balance_usd\":0.45,\"latency_base_ms\":50}");

        // interactive spend on several features and models, reconciled with the simulator per model
        String[][] calls = {{"support-chat", "openai/gpt-4o"}, {"ticket-classify", "openai/gpt-4o"}, {"product-enrich", "google/gemini-2.0-flash"}};
        int requests = 0;
        for (int i = 0; i < 12; i++) {
            String[] call = calls[i % calls.length];
            HttpResponse<String> response = Http.post(intake, chat(call[1], "Spend " + UUID.randomUUID(), 60), "X-Fleet-Feature", call[0]);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            requests++;
        }
        int expected = requests;
        Billing.await("the ledger to hold every call", () -> own.billing.summary().path("requests").asInt() == expected, 30_000);
        JsonNode totals = own.sim.totals();
        assertThat(own.billing.totalUsd()).isEqualByComparingTo(own.sim.charged());
        Map<String, BigDecimal> byModel = new HashMap<>();
        own.billing.summary().get("groups").forEach(g -> byModel.put(g.get("model").asText(), new BigDecimal(g.get("total_usd").asText())));
        totals.get("by_model").fields().forEachRemaining(e ->
                assertThat(byModel.get(e.getKey())).as(e.getKey()).isEqualByComparingTo(new BigDecimal(e.getValue().get("charged_usd").asText())));

        // a backlog that would overdraw the balance: the lane must pause at CRITICAL, before any 402
        Set<String> ids = Jobs.ids(own.jobs.submit(Billing.bulkJobs(1000, "openai/gpt-4o", 150), 500));
        Billing.await("billing to reach CRITICAL", () -> "CRITICAL".equals(own.billing.level()), 120_000);
        Jobs.sleep(3_000);
        long queued = ids.stream().filter(id -> "queued".equals(own.jobs.get(id).path("status").asText())).count();
        assertThat(queued).as("jobs waiting while the balance is critical").isPositive();
        assertThat(own.sim.totals().path("errors").path("402").asLong(0)).as("402s from the provider").isZero();
        List<String> kinds = own.billing.alertKinds();
        assertThat(kinds.stream().filter(k -> k.equals("balance_low")).count()).as("LOW alerts: %s", kinds).isEqualTo(1);
        assertThat(kinds.stream().filter(k -> k.equals("balance_critical")).count()).as("CRITICAL alerts: %s", kinds).isEqualTo(1);

        // an operator tops up at the provider; the lane notices through a probe job and finishes everything
        HttpResponse<String> topup = Http.post(own.fleet.service(Fleet.PROVIDER_SIM).url() + "/v1/credits/topup", "{\"amount_usd\":20}",
                "Authorization", "Bearer " + FleetHarness.API_KEY, "Idempotency-Key", "topup-" + UUID.randomUUID());
        assertThat(topup.statusCode()).as(topup.body()).isEqualTo(200);
        Map<String, JsonNode> finished = own.jobs.awaitFinished(ids, 300_000);
        assertThat(finished.values()).allSatisfy(job -> assertThat(job.get("status").asText()).isEqualTo("succeeded"));
        Billing.await("the ledger to hold every job", () -> own.billing.summary().path("requests").asInt() >= expected + ids.size(), 60_000);
        assertThat(own.billing.totalUsd()).isEqualByComparingTo(own.sim.charged());
        assertThat(own.billing.level()).isEqualTo("OK");
    }
}
