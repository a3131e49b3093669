package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.localstack.Fleet;
import dev.llmfleet.localstack.ServiceProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker scaled out to two instances on one provider budget, on a fleet of its own: together they never have more
 * calls at the provider than the budget, both take part in the backlog, and when one is SIGKILLed the survivor takes
 * the whole share within seconds.
 */
class WorkerScaleOutTest {
    private static final int BUDGET = 10;
    private static final int RESERVE = 2;
    /** Enough for both workers to run at their share for several seconds (200 ms per call). */
    private static final int JOBS = 240;
    /** Every job topic's partitions split between the two workers (3 of 6 each, 3 topics and the retry topic), and billing.state. */
    private static final int PARTITIONS_EACH = 4 * 3 + 1;

    @Test
    void twoWorkersStayWithinOneProviderBudgetAndTheSurvivorTakesAllOfItWhenOneDies() {
        try (OwnFleet own = new OwnFleet("worker-scale-out", Map.of(Fleet.WORKER, Map.of(
                "FLEET_WORKER_CONCURRENCY_PROVIDER_BUDGET", Integer.toString(BUDGET),
                "FLEET_WORKER_CONCURRENCY_INTERACTIVE_RESERVE", Integer.toString(RESERVE))))) {
            ServiceProcess first = own.worker;
            ServiceProcess second = own.fleet.startReplica(Fleet.WORKER, Map.of());
            await("each worker to count the other and to own its half of the partitions").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> Set.of(first, second).stream().allMatch(worker -> Double.valueOf(2).equals(Worker.instancesLive(worker))
                            && Worker.assignedPartitions(worker) == PARTITIONS_EACH));
            int half = (BUDGET - RESERVE) / 2;
            assertThat(Worker.providerShare(first)).isEqualTo((double) half);
            assertThat(Worker.providerShare(second)).isEqualTo((double) half);

            own.sim.reset();
            own.sim.configure(Simulator.NORMAL);
            own.sim.configure("{\"latency_base_ms\":200}");
            Set<String> ids = Jobs.ids(own.jobs.submit(Load.jobs(JOBS, "scale-out"), JOBS));
            Map<String, JsonNode> finished;
            try (TopicReader results = new TopicReader(own.fleet.kafkaBootstrapServers(), "llm.results")) {
                finished = results.await(ids, Duration.ofSeconds(120)); // one consumer, not a GET per job; 60 s saw 188 of 240 on a machine at load 20
            }
            int peak = own.sim.totals().get("peak_in_flight").asInt();
            double ranFirst = Worker.succeeded(first);
            double ranSecond = Worker.succeeded(second);

            second.kill();
            long killedAt = System.nanoTime();
            await("the survivor to take the whole share").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Double.valueOf(BUDGET - RESERVE).equals(Worker.providerShare(first)));
            long takeoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.printf("SCALE-OUT-RESULT\tbudget %d\treserve %d\tjobs %d\tpeak in flight %d\tran %.0f + %.0f\ttakeover %d ms%n",
                    BUDGET, RESERVE, JOBS, peak, ranFirst, ranSecond, takeoverMillis);

            assertThat(finished.values()).allSatisfy(job -> assertThat(job.get("status").asText()).isEqualTo("succeeded"));
            assertThat(peak).as("calls at the provider at once: within the budget, and more than one worker's share (both called)")
                    .isGreaterThan(half).isLessThanOrEqualTo(BUDGET);
            assertThat(ranFirst).as("jobs the first worker ran").isPositive();
            assertThat(ranSecond).as("jobs the second worker ran").isPositive();
            assertThat(Worker.instancesLive(first)).isEqualTo(1.0);
        }
    }
}
