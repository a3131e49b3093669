package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker SIGKILLed mid-run against a provider that ignores idempotency keys, on a fleet of its own (a clean
 * ledger): no job is lost, the only repeated provider calls are those of jobs in the worker's hands at the kill (a
 * call in flight, at most the worker's concurrency, or answered before its answer was stored), and billing reports
 * what the calls in flight cost, charged but never answered, as unattributed spend and alerts on it.
 */
class UnattributedSpendTest {
    private static final int CONCURRENCY = 16;
    @AutoClose
    private static OwnFleet own;

    @BeforeAll
    static void up() {
        // unattributed spend reported from the first nano-dollar: this test is about reconciliation
        own = new OwnFleet("unattributed", Map.of("FLEET_BILLING_UNATTRIBUTED_TOLERANCE_USD", "0"),
                Map.of("FLEET_WORKER_CONCURRENCY_MAX", Integer.toString(CONCURRENCY)));
    }

    /** Runs {@code count} jobs to the end and answers them by id. */
    private static Map<String, JsonNode> run(int count) {
        Set<String> ids = Jobs.ids(own.jobs.submit(Billing.bulkJobs(count, "openai/gpt-4o", 100), 300));
        return own.jobs.awaitFinished(ids, 300_000);
    }

    @Test
    void aWorkerKilledMidRunWithIdempotencyIgnoredRepeatsOnlyInFlightCallsAndBillingReportsThemAsUnattributed() {
        own.sim.reset();
        // one lone job first: billing's anchor reading is then exactly the balance after one charge
        run(1);
        own.sim.configure("{\"latency_base_ms\":150,\"idempotency_mode\":\"ignore\"}");

        Set<String> ids = Jobs.ids(own.jobs.submit(Billing.bulkJobs(600, "openai/gpt-4o", 100), 300));
        own.sim.awaitCalls(150, 60_000);
        assertThat(own.sim.totals().get("in_flight").asLong()).as("provider calls in flight (charged) at the kill").isPositive();
        // the jobs in the worker's hands: a call in flight, or answered before its answer was stored (which can take a
        // while when Redis is slow), are the only ones whose call can be made again
        double inHand = Worker.busy(own.worker);
        own.worker.kill();
        own.worker.start(Duration.ofSeconds(90));
        Map<String, JsonNode> finished = own.jobs.awaitFinished(ids, 300_000);
        assertThat(finished.values()).allSatisfy(job -> assertThat(job.get("status").asText()).isEqualTo("succeeded"));

        // and a lone job last: billing's latest reading is then exactly the provider's final balance
        run(1);
        int jobCount = ids.size() + 2;
        long repeats = own.sim.calls() - jobCount;
        assertThat(repeats).as("provider calls repeated after the kill (%s jobs in hand)", inHand).isBetween(1L, (long) inHand);

        BigDecimal maxCharge = finished.values().stream().map(Jobs::charged).max(BigDecimal::compareTo).orElseThrow();
        Billing.await("billing to account for every charge the provider made",
                () -> own.billing.totalUsd().add(own.billing.unattributedUsd()).compareTo(own.sim.charged()) == 0, 60_000);
        assertThat(own.billing.unattributedUsd()).as("unattributed spend")
                .isPositive()
                .isLessThanOrEqualTo(maxCharge.multiply(BigDecimal.valueOf(CONCURRENCY)));
        assertThat(new BigDecimal(own.billing.summary().get("unattributed_usd").asText())).isEqualByComparingTo(own.billing.unattributedUsd());
        assertThat(own.billing.alertKinds()).contains("unattributed_spend");
    }
}
