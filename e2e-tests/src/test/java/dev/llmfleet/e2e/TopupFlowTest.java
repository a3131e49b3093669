package dev.llmfleet.e2e;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Automated top-up end to end on a fleet of its own: a backlog worth several times the provider balance
 * drains it, billing tops up at LOW through the simulator's {@code /v1/credits/topup} (the default URL), and
 * the async lane never sees a 402 and never pauses.
 */
class TopupFlowTest {
    @AutoClose
    private static OwnFleet own;

    @BeforeAll
    static void up() {
        own = new OwnFleet("auto-topup", Map.of(
                "FLEET_BILLING_TOPUP_MODE", "auto",
                "FLEET_BILLING_TOPUP_AMOUNT_USD", "2.00",
                "FLEET_BILLING_TOPUP_DAILY_LIMIT_USD", "20",
                "FLEET_BILLING_TOPUP_SETTLE", "5s",
                "FLEET_BILLING_LOW_BALANCE_USD", "1.00",
                "FLEET_BILLING_CRITICAL_BALANCE_USD", "0.10",
                "FLEET_BILLING_STATE_HEARTBEAT", "2s"), Map.of("FLEET_WORKER_CONCURRENCY_MAX", "8"));
    }

    @Test
    void withAutoTopUpOnTheAsyncLaneNeverSeesA402AndNeverPauses() {
        own.sim.reset();
        own.sim.configure("{\"balance_usd\":1.10,\"latency_base_ms\":50}");

        // about $2.40 of work against $1.10: only top-ups made at LOW let it finish
        Set<String> ids = Jobs.ids(own.jobs.submit(Billing.bulkJobs(1500, "openai/gpt-4o", 150), 500));

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger pausedSamples = new AtomicInteger();
        AtomicInteger samples = new AtomicInteger();
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
            while (running.get()) {
                Double share = Worker.asyncShare(own.worker);
                assertThat(share).as("the worker's fleet_worker_async_share gauge").isNotNull();
                samples.incrementAndGet();
                if (share == 0) {
                    pausedSamples.incrementAndGet();
                }
                Jobs.sleep(100);
            }
        });
        try {
            var finished = own.jobs.awaitFinished(ids, 300_000);
            assertThat(finished.values()).allSatisfy(job -> assertThat(job.get("status").asText()).isEqualTo("succeeded"));
        } finally {
            running.set(false);
            watcher.join();
        }

        assertThat(samples.get()).as("async share samples").isPositive();
        assertThat(pausedSamples.get()).as("samples with the async lane paused").isZero();
        assertThat(own.sim.totals().path("errors").path("402").asLong(0)).as("402s from the provider").isZero();
        // about $2.40 of work needs one or two $2 top-ups; answers charged before a top-up never trigger another
        assertThat(own.billing.alertCount("topup_succeeded")).as("top-ups: %s", own.billing.alertKinds()).isBetween(1L, 2L);
        assertThat(own.billing.alertKinds()).doesNotContain("balance_critical", "balance_depleted", "topup_failed");
        assertThat(own.billing.balance().path("last_topup").path("status").asText()).isEqualTo("succeeded");
        Billing.await("the ledger to hold every job", () -> own.billing.summary().path("requests").asInt() >= ids.size(), 60_000);
        assertThat(own.billing.totalUsd()).isEqualByComparingTo(own.sim.charged());
    }
}
