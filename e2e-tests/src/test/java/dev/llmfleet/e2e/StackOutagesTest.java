package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka broker, then Redis, stopped and restarted on the same port with their data, under both lanes, one after
 * another on one fleet and stack of their own (the {@link Invariants} are deltas). While a part is down intake refuses
 * jobs with 503 and Retry-After (never a 202 it cannot keep), the client resubmits after the restart, and nothing
 * accepted is lost or charged twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackOutagesTest {
    /**
     * Longer than kafka-clients' default API timeout (60 s): a consumer whose first lookup of a partition's committed
     * offset fell inside such an outage used to fail its channel for good.
     */
    private static final Duration KAFKA_OUTAGE = Duration.ofSeconds(75);
    @AutoClose
    private static OwnFleet own;

    @BeforeAll
    static void up() {
        own = OwnFleet.forFaults("stack-outages", Map.of());
    }

    @Test
    @Order(1)
    void whileTheBrokerIsDownJobsAreRefusedWith503AndAfterItsRestartNothingIsLost() throws Exception {
        Invariants invariants = Invariants.mark(own, "Kafka broker stopped and restarted");
        own.sim.configure("{\"latency_base_ms\":100}");
        // a backlog at the stop: the worker meets partitions' first records while the broker is down
        invariants.accepted(Jobs.ids(own.jobs.submit(Load.jobs(150, "before-kafka-outage"), 150)));
        long stoppedAt = System.nanoTime();
        own.fleet.ownStack().kafka().stop();

        List<ObjectNode> during = Load.jobs(3, "during-kafka-outage");
        List<CompletableFuture<HttpResponse<String>>> answers = during.stream()
                .map(body -> CompletableFuture.supplyAsync(() -> Http.post(own.intake.url() + "/v1/jobs", body.toString()))).toList();
        // interactive callers keep being served or refused, and whatever they were charged must reach the ledger
        List<Integer> interactive = Load.interactiveAsync(own, 5, false, 1).join();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.join();
            assertThat(response.statusCode()).as("a job submitted while Kafka is down: %s", response.body()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).as("Retry-After on the 503").isPresent();
        }
        long left = KAFKA_OUTAGE.toMillis() - Duration.ofNanos(System.nanoTime() - stoppedAt).toMillis();
        if (left > 0) {
            Thread.sleep(left);
        }
        own.fleet.ownStack().kafka().restart();

        invariants.accepted(Outages.resubmit(own, during));
        invariants.check(Invariants.Expect.exact());
        assertThat(interactive).as("interactive answers during the outage").doesNotContain(Load.BROKEN);
    }

    @Test
    @Order(2)
    void whileRedisIsDownInteractiveAnswersAsCacheMissesJobsAre503AndAfterItsRestartNothingIsLost() throws Exception {
        Invariants invariants = Invariants.mark(own, "Redis stopped and restarted");
        own.sim.configure("{\"latency_base_ms\":100}");
        invariants.accepted(Jobs.ids(own.jobs.submit(Load.jobs(60, "before-redis-outage"), 60)));
        own.fleet.ownStack().redis().stop();

        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = Http.post(own.intake.url() + "/v1/chat/completions",
                    Load.chat("While Redis is down " + UUID.randomUUID(), 40, false), "X-Fleet-Feature", "support-chat");
            assertThat(response.statusCode()).as("an interactive call while Redis is down: %s", response.body()).isEqualTo(200);
            assertThat(response.headers().firstValue("X-Fleet-Cache")).contains("miss");
        }
        List<ObjectNode> during = Load.jobs(3, "during-redis-outage");
        for (ObjectNode body : during) {
            HttpResponse<String> response = Http.post(own.intake.url() + "/v1/jobs", body.toString());
            assertThat(response.statusCode()).as("a job submitted while Redis is down: %s", response.body()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).as("Retry-After on the 503").isPresent();
        }
        own.fleet.ownStack().redis().restart();

        invariants.accepted(Outages.resubmit(own, during));
        invariants.check(Invariants.Expect.exact());
    }
}
