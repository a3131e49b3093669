package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis stopped and restarted on the same port with its data (a restart with persistence), on a fleet and stack of
 * their own: interactive keeps answering as cache misses, job submission answers 503 rather than accepting what it
 * cannot record, the jobs already queued finish once Redis is back, and the {@link Invariants} hold.
 */
class RedisOutageTest {
    private static OwnFleet own;

    @BeforeAll
    static void up() {
        own = OwnFleet.forFaults("redis-outage", Map.of());
    }

    @AfterAll
    static void down() {
        if (own != null) {
            own.close();
        }
    }

    @Test
    void whileRedisIsDownInteractiveAnswersAsCacheMissesJobsAre503AndAfterItsRestartNothingIsLost() throws IOException {
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
