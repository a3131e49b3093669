package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.localstack.Fleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.LinkedHashSet;
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
    private static Fleet fleet;
    private static Simulator sim;
    private static Jobs jobs;
    private static String intake;
    private static Billing billing;

    @BeforeAll
    static void up() {
        fleet = FleetHarness.startOwn("billing", Map.of(
                Fleet.BILLING, Map.of(
                        "FLEET_BILLING_LOW_BALANCE_USD", "0.40",
                        "FLEET_BILLING_CRITICAL_BALANCE_USD", "0.20",
                        // runway thresholds out of the way: this test drains by balance alone
                        "FLEET_BILLING_LOW_RUNWAY_HOURS", "0.0002",
                        "FLEET_BILLING_CRITICAL_RUNWAY_HOURS", "0.0001",
                        "FLEET_BILLING_STATE_HEARTBEAT", "2s"),
                Fleet.WORKER, Map.of(
                        "FLEET_WORKER_BALANCE_PAUSE", "3s",
                        "FLEET_WORKER_CONCURRENCY_MAX", "8")));
        sim = FleetHarness.simulator(fleet);
        jobs = new Jobs(fleet.service(Fleet.INTAKE).url());
        intake = fleet.service(Fleet.INTAKE).url() + "/v1/chat/completions";
        billing = new Billing(fleet.service(Fleet.BILLING).url());
    }

    @AfterAll
    static void down() {
        if (fleet != null) {
            fleet.close();
        }
    }

    private static String chat(String model, String content, int maxTokens) {
        return "{\"model\":\"" + model + "\",\"temperature\":0,\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + Http.quote(content) + "}]}";
    }

    @Test
    void spendReconcilesAlertsComeBeforeAny402TheAsyncLanePausesAndResumesAfterATopUp() {
        sim.reset();
        sim.configure("{\"balance_usd\":0.45,\"latency_base_ms\":50}");

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
        Billing.await("the ledger to hold every call", () -> billing.summary().path("requests").asInt() == expected, 30_000);
        JsonNode totals = sim.totals();
        assertThat(billing.totalUsd()).isEqualByComparingTo(sim.charged());
        Map<String, BigDecimal> byModel = new HashMap<>();
        billing.summary().get("groups").forEach(g -> byModel.put(g.get("model").asText(), new BigDecimal(g.get("total_usd").asText())));
        totals.get("by_model").fields().forEachRemaining(e ->
                assertThat(byModel.get(e.getKey())).as(e.getKey()).isEqualByComparingTo(new BigDecimal(e.getValue().get("charged_usd").asText())));

        // a backlog that would overdraw the balance: the lane must pause at CRITICAL, before any 402
        Set<String> ids = new LinkedHashSet<>();
        jobs.submit(Billing.bulkJobs(1000, "openai/gpt-4o", 150), 500).forEach(o -> ids.add(o.get("id").asText()));
        Billing.await("billing to reach CRITICAL", () -> "CRITICAL".equals(billing.level()), 120_000);
        Jobs.sleep(3_000);
        long queued = ids.stream().filter(id -> "queued".equals(jobs.get(id).path("status").asText())).count();
        assertThat(queued).as("jobs waiting while the balance is critical").isPositive();
        assertThat(sim.totals().path("errors").path("402").asLong(0)).as("402s from the provider").isZero();
        List<String> kinds = billing.alertKinds();
        assertThat(kinds.stream().filter(k -> k.equals("balance_low")).count()).as("LOW alerts: %s", kinds).isEqualTo(1);
        assertThat(kinds.stream().filter(k -> k.equals("balance_critical")).count()).as("CRITICAL alerts: %s", kinds).isEqualTo(1);

        // an operator tops up at the provider; the lane notices through a probe job and finishes everything
        HttpResponse<String> topup = Http.post(fleet.service(Fleet.PROVIDER_SIM).url() + "/v1/credits/topup", "{\"amount_usd\":20}",
                "Authorization", "Bearer " + FleetHarness.API_KEY, "Idempotency-Key", "topup-" + UUID.randomUUID());
        assertThat(topup.statusCode()).as(topup.body()).isEqualTo(200);
        Map<String, JsonNode> finished = jobs.awaitFinished(ids, 300_000);
        assertThat(finished.values()).allSatisfy(job -> assertThat(job.get("status").asText()).isEqualTo("succeeded"));
        Billing.await("the ledger to hold every job", () -> billing.summary().path("requests").asInt() >= expected + ids.size(), 60_000);
        assertThat(billing.totalUsd()).isEqualByComparingTo(sim.charged());
        assertThat(billing.level()).isEqualTo("OK");
    }
}
