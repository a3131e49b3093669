package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.localstack.Fleet;
import dev.llmfleet.localstack.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker SIGKILLed mid-run against a provider that ignores idempotency keys, on a fleet of its own (a clean
 * ledger): no job is lost, the only repeated provider calls are those in flight at the kill (at most the
 * worker's concurrency), and billing reports what they cost as unattributed spend and alerts on it.
 */
class UnattributedSpendTest {
    private static final int CONCURRENCY = 16;
    private static Fleet fleet;
    private static Simulator sim;
    private static Jobs jobs;
    private static Billing billing;
    private static ServiceProcess worker;

    @BeforeAll
    static void up() {
        fleet = FleetHarness.startOwn("unattributed", Map.of(
                Fleet.BILLING, Map.of(
                        "FLEET_BILLING_UNATTRIBUTED_TOLERANCE_USD", "0",
                        // the fuel gauge out of the way: this test is about reconciliation
                        "FLEET_BILLING_LOW_RUNWAY_HOURS", "0.0002",
                        "FLEET_BILLING_CRITICAL_RUNWAY_HOURS", "0.0001"),
                Fleet.WORKER, Map.of("FLEET_WORKER_CONCURRENCY_MAX", Integer.toString(CONCURRENCY))));
        sim = FleetHarness.simulator(fleet);
        jobs = new Jobs(fleet.service(Fleet.INTAKE).url());
        billing = new Billing(fleet.service(Fleet.BILLING).url());
        worker = fleet.service(Fleet.WORKER);
    }

    @AfterAll
    static void down() {
        if (fleet != null) {
            fleet.close();
        }
    }

    /** Runs {@code count} jobs to the end and answers them by id. */
    private static Map<String, JsonNode> run(int count) {
        Set<String> ids = new LinkedHashSet<>();
        jobs.submit(Billing.bulkJobs(count, "openai/gpt-4o", 100), 300).forEach(o -> ids.add(o.get("id").asText()));
        return jobs.awaitFinished(ids, 300_000);
    }

    @Test
    void aWorkerKilledMidRunWithIdempotencyIgnoredRepeatsOnlyInFlightCallsAndBillingReportsThemAsUnattributed() {
        sim.reset();
        // one lone job first: billing's anchor reading is then exactly the balance after one charge
        run(1);
        sim.configure("{\"latency_base_ms\":150,\"idempotency_mode\":\"ignore\"}");

        Set<String> ids = new LinkedHashSet<>();
        jobs.submit(Billing.bulkJobs(600, "openai/gpt-4o", 100), 300).forEach(o -> ids.add(o.get("id").asText()));
        long deadline = System.currentTimeMillis() + 60_000;
        while (sim.calls() < 150 && System.currentTimeMillis() < deadline) {
            Jobs.sleep(100);
        }
        assertThat(sim.totals().get("in_flight").asLong()).as("provider calls in flight (charged) at the kill").isPositive();
        worker.kill();
        worker.start(Duration.ofSeconds(90));
        Map<String, JsonNode> finished = jobs.awaitFinished(ids, 300_000);
        assertThat(finished.values()).allSatisfy(job -> assertThat(job.get("status").asText()).isEqualTo("succeeded"));

        // and a lone job last: billing's latest reading is then exactly the provider's final balance
        run(1);
        int jobCount = ids.size() + 2;
        long repeats = sim.calls() - jobCount;
        assertThat(repeats).as("provider calls repeated after the kill").isBetween(1L, (long) CONCURRENCY);

        BigDecimal maxCharge = finished.values().stream().map(Jobs::charged).max(BigDecimal::compareTo).orElseThrow();
        Billing.await("billing to account for every charge the provider made",
                () -> billing.totalUsd().add(unattributed()).compareTo(sim.charged()) == 0, 60_000);
        assertThat(unattributed()).as("unattributed spend")
                .isPositive()
                .isLessThanOrEqualTo(maxCharge.multiply(BigDecimal.valueOf(CONCURRENCY)));
        assertThat(new BigDecimal(billing.summary().get("unattributed_usd").asText())).isEqualByComparingTo(unattributed());
        assertThat(billing.alertKinds()).contains("unattributed_spend");
    }

    private static BigDecimal unattributed() {
        return new BigDecimal(billing.balance().get("unattributed_usd").asText());
    }
}
