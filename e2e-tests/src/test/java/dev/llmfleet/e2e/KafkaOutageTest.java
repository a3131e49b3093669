package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kafka broker stopped and restarted on the same port with its data, under both lanes, on a fleet and stack of
 * their own: while the broker is down intake refuses jobs with 503 and Retry-After (never a 202 it cannot keep), the
 * client resubmits after the restart, and the {@link Invariants} hold, usage of calls answered during the outage
 * included.
 */
class KafkaOutageTest {
    private static OwnFleet own;

    @BeforeAll
    static void up() {
        own = OwnFleet.forFaults("kafka-outage", Map.of());
    }

    @AfterAll
    static void down() {
        if (own != null) {
            own.close();
        }
    }

    @Test
    void whileTheBrokerIsDownJobsAreRefusedWith503AndAfterItsRestartNothingIsLost() throws IOException {
        Invariants invariants = Invariants.mark(own, "Kafka broker stopped and restarted");
        own.sim.configure("{\"latency_base_ms\":100}");
        invariants.accepted(Jobs.ids(own.jobs.submit(Load.jobs(150, "before-kafka-outage"), 150)));
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
        own.fleet.ownStack().kafka().restart();

        invariants.accepted(Outages.resubmit(own, during));
        invariants.check(Invariants.Expect.exact());
        assertThat(interactive).as("interactive answers during the outage").doesNotContain(Load.BROKEN);
    }
}
