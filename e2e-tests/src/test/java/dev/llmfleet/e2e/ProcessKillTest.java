package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.localstack.Fleet;
import dev.llmfleet.localstack.ServiceProcess;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Each service SIGKILLed in the middle of its work and restarted, one after another on one fleet of its own, with the
 * provider honouring idempotency keys: intake during a batch submission (the client resubmits its batch), the worker
 * mid-run, billing mid-ingest. After each, the {@link Invariants}.
 */
class ProcessKillTest {
    private static final Duration RESTART = Duration.ofSeconds(120);
    @AutoClose
    private static OwnFleet own;

    @BeforeAll
    static void up() {
        own = OwnFleet.forFaults("process-kills", Map.of(Fleet.WORKER, Map.of("FLEET_WORKER_CONCURRENCY_MAX", "16")));
    }

    @BeforeEach
    void providerBehaves() {
        own.sim.configure(Simulator.NORMAL);
    }

    @Test
    void intakeKilledDuringABatchSubmissionLosesNoJobOnceTheClientResubmits() {
        Invariants invariants = Invariants.mark(own, "SIGKILL intake during a batch submission");
        own.sim.configure("{\"latency_base_ms\":50}");
        List<ObjectNode> bodies = Load.jobs(300, "intake-kill");
        AtomicInteger answered = new AtomicInteger();
        CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
            for (int from = 0; from < bodies.size(); from += 50) {
                List<JsonNode> outcomes;
                try {
                    outcomes = own.jobs.submit(bodies.subList(from, from + 50), 50);
                } catch (RuntimeException | AssertionError e) {
                    return; // the kill cut this batch's answer off
                }
                outcomes.stream().filter(o -> o.has("id")).forEach(o -> invariants.accepted(Set.of(o.get("id").asText())));
                answered.incrementAndGet();
            }
        });
        await("a first batch to be answered").atMost(Duration.ofSeconds(60)).until(() -> answered.get() >= 1 || client.isDone());
        own.intake.kill();
        client.join();
        assertThat(answered.get()).as("batches answered before the kill").isLessThan(bodies.size() / 50);
        Set<String> before = invariants.acceptedIds();
        own.intake.start(RESTART);

        // the client never saw an answer to the batch in flight: it resubmits all of it, as a user would
        Set<String> ids = Jobs.ids(own.jobs.submit(bodies, 50));
        assertThat(ids).as("a resubmission names the jobs accepted before the kill").containsAll(before).hasSize(bodies.size());
        invariants.accepted(ids);
        Invariants.Result result = invariants.check(Invariants.Expect.exact());
        assertThat(result.providerCalls()).as("provider calls: one per job, plus the anchor call").isEqualTo(bodies.size() + 1L);
    }

    @Test
    void theWorkerKilledMidRunLosesNoJobAndChargesNoJobTwice() {
        Invariants invariants = Invariants.mark(own, "SIGKILL worker mid-run");
        own.sim.configure("{\"latency_base_ms\":150}");
        long callsBefore = own.sim.calls();
        Set<String> ids = Jobs.ids(own.jobs.submit(Load.jobs(120, "worker-kill"), 120));
        invariants.accepted(ids);
        own.sim.awaitCalls(callsBefore + 30, 60_000);
        assertThat(Worker.busy(own.worker)).as("jobs in hand at the kill").isPositive();
        kill(own.worker);

        // calls the killed worker had made are replayed free to its successor: what they cost is unattributed at worst
        Invariants.Result result = invariants.check(Invariants.Expect.reconciled());
        assertThat(result.providerCalls()).as("charged provider calls: one per job, plus the anchor call").isEqualTo(ids.size() + 1L);
    }

    @Test
    void billingKilledMidIngestCountsEveryUsageEventOnce() {
        Invariants invariants = Invariants.mark(own, "SIGKILL billing mid-ingest");
        own.sim.configure("{\"latency_base_ms\":20}");
        long recordedBefore = own.billing.summary().path("requests").asLong();
        CompletableFuture<List<Integer>> interactive = Load.interactiveAsync(own, 20, false, 2);
        invariants.accepted(Jobs.ids(own.jobs.submit(Load.jobs(150, "billing-kill"), 150)));
        await("billing to be ingesting").atMost(Duration.ofSeconds(60))
                .until(() -> own.billing.summary().path("requests").asLong() - recordedBefore >= 30);
        kill(own.fleet.service(Fleet.BILLING));
        assertThat(interactive.join()).containsOnly(200);

        invariants.check(Invariants.Expect.exact());
    }

    private static void kill(ServiceProcess service) {
        service.kill();
        service.start(RESTART);
    }
}
