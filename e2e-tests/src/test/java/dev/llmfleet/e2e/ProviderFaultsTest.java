package dev.llmfleet.e2e;

import dev.llmfleet.localstack.Fleet;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Provider faults, one after another on one fleet of its own (each test checks the {@link Invariants} as deltas):
 * a 5xx burst with both lanes running, a 429 storm asking for 30 s waits, a stream dropped mid-way in each of the
 * three ways a streamed charge can arrive, a 402 followed by a top-up; then the resilience layer: a model's 503 storm
 * (breaker, fallback, retry budget), a provider rejection of a job (one call, failed), and a stalled provider (the
 * interactive deadline).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProviderFaultsTest {
    /** The intake's interactive deadline on this fleet (the default is 20 s). */
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    /** The retry budget's defaults: extra calls ≤ 20 % of requests + 1 per second over a 10 s window. */
    private static final double BUDGET_RATIO = 0.2;
    private static final int BUDGET_FLOOR_PER_WINDOW = 10;
    @AutoClose
    private static OwnFleet own;

    @BeforeAll
    static void up() {
        own = OwnFleet.forFaults("provider-faults", Map.of(Fleet.WORKER, Map.of("FLEET_WORKER_CONCURRENCY_MAX", "16"),
                Fleet.INTAKE, Map.of("FLEET_PROVIDER_INTERACTIVE_DEADLINE", DEADLINE.toSeconds() + "s")));
    }

    @BeforeEach
    void providerBehaves() {
        own.sim.configure(Simulator.NORMAL);
    }

    @Test
    @Order(1)
    void aFailureBurstWithBothLanesRunningLosesNothingAndTheLedgerHoldsEveryPaidRetry() {
        Invariants invariants = Invariants.mark(own, "provider 5xx burst, both lanes");
        // 85% 5xx for a few seconds, then routine failure (3% 500, 2% 503, 2% 429). The issue measured ~55%, but on this
        // small load the in-line retries and the fallback model absorb that (no attempt fails as a whole); at 85% whole
        // attempts fail and the jobs retry from the retry topic, which is where a paid retry's charge went missing
        own.sim.configure("{\"latency_base_ms\":50,\"error_500_rate\":0.45,\"error_503_rate\":0.40}");
        CompletableFuture<List<Integer>> interactive = Load.interactiveAsync(own, 30, false, 3);
        invariants.accepted(Jobs.ids(own.jobs.submit(Load.jobs(90, "burst"), 90)));
        Jobs.sleep(5_000);
        own.sim.configure("{\"error_500_rate\":0.03,\"error_503_rate\":0.02,\"error_429_rate\":0.02}");
        List<Integer> statuses = interactive.join();

        // once the provider recovers, a probe closes the breakers the burst opened and callers are answered again
        await("the interactive lane to answer again").atMost(Duration.ofSeconds(30))
                .until(() -> Load.interactive(own, false, null) == 200);

        invariants.check(Invariants.Expect.exact());
        // during the burst a caller gets an answer or an OpenAI-style retryable error (the breakers may refuse every
        // call at once, so there need be no answer at all), never a broken connection
        assertThat(statuses).isSubsetOf(200, 502, 503, 504);
    }

    @Test
    @Order(2)
    void a429StormAskingFor30sWaitsItOutInsteadOfHammeringOrDeadLettering() {
        Invariants invariants = Invariants.mark(own, "429 storm, Retry-After: 30");
        long limitedBefore = own.sim.errors(429);
        own.sim.configure("{\"error_429_rate\":1.0,\"error_429_retry_after_s\":30}");
        Set<String> ids = Jobs.ids(own.jobs.submit(Load.jobs(20, "storm"), 20));
        invariants.accepted(ids);
        await("the storm to throttle the lane").atMost(Duration.ofSeconds(60)).until(() -> own.sim.errors(429) - limitedBefore >= 5);
        Jobs.sleep(5_000);
        own.sim.configure("{\"error_429_rate\":0}");
        long limited = own.sim.errors(429) - limitedBefore;

        invariants.check(Invariants.Expect.exact());
        // within the storm each throttled job must wait 30 s: a lane that retried sooner would have collected many 429s per job
        assertThat(limited).as("429s during the storm").isLessThanOrEqualTo(2L * ids.size());
    }

    @ParameterizedTest(name = "charge in the {0}")
    @ValueSource(strings = {"header", "trailer", "event"})
    @Order(3)
    void aStreamDroppedMidWayIsChargedOnceAndEveryChargeIsAccountedFor(String chargeMode) {
        Invariants invariants = Invariants.mark(own, "stream dropped mid-way, charge in the " + chargeMode);
        own.sim.configure("{\"stream_charge_mode\":\"" + chargeMode + "\",\"drop_stream_rate\":0.5,\"latency_per_token_ms\":2}");
        List<Integer> statuses = Load.interactiveAsync(own, 15, true, 3).join();
        assertThat(statuses).hasSize(15);

        // with the charge up front a dropped stream is still recorded exactly; a charge that would have come after the
        // drop never arrives, so the ledger holds the fleet's estimate and the balance readings show the rest
        invariants.check("header".equals(chargeMode) ? Invariants.Expect.exact() : Invariants.Expect.reconciled());
    }

    @Test
    @Order(4)
    void a402PausesTheAsyncLaneWithoutSpendingAttemptsAndATopUpFinishesEveryJob() {
        Invariants invariants = Invariants.mark(own, "402, then a top-up");
        long depletedBefore = own.sim.errors(402);
        // the credit runs out (spent elsewhere); an operator later tops up exactly what went, so the readings close again
        BigDecimal balance = new BigDecimal(own.sim.totals().get("balance_usd").asText());
        own.sim.configure("{\"balance_usd\":0}");
        Set<String> ids = Jobs.ids(own.jobs.submit(Load.jobs(15, "depleted"), 15));
        invariants.accepted(ids);
        await("the provider to answer 402").atMost(Duration.ofSeconds(60)).until(() -> own.sim.errors(402) > depletedBefore);
        Jobs.sleep(5_000);
        HttpResponse<String> topup = Http.post(own.fleet.service(Fleet.PROVIDER_SIM).url() + "/v1/credits/topup",
                "{\"amount_usd\":" + balance.toPlainString() + "}",
                "Authorization", "Bearer " + FleetHarness.API_KEY, "Idempotency-Key", "topup-" + UUID.randomUUID());
        assertThat(topup.statusCode()).as(topup.body()).isEqualTo(200);

        invariants.check(Invariants.Expect.exact());
        assertThat(own.sim.errors(402) - depletedBefore).as("402s: the lane pauses at the first instead of retrying into it")
                .isLessThanOrEqualTo(ids.size());
    }

    @Test
    @Order(5)
    void aModelsStormSendsInteractiveTrafficToItsFallbackWithinTheRetryBudget() {
        long before = own.sim.totals().get("requests").asLong();
        long fallbackBefore = own.sim.totals().path("by_model").path("google/gemini-2.0-flash").path("calls").asLong(0);
        // every call to the lane's model fails (503 model_unavailable); its route falls back to google/gemini-2.0-flash
        own.sim.configure("{\"unavailable_models\":[\"openai/gpt-4o-mini\"]}");
        int requests = 200;
        long started = System.nanoTime();
        List<Integer> statuses = Load.interactiveAsync(own, requests, false, 8).join();
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        own.sim.configure("{\"unavailable_models\":[]}");
        long calls = own.sim.totals().get("requests").asLong() - before;
        long fallbackCalls = own.sim.totals().path("by_model").path("google/gemini-2.0-flash").path("calls").asLong(0) - fallbackBefore;

        System.out.printf("RESILIENCE-RESULT model storm: %d requests in %d s, %d provider calls, %d by the fallback, statuses %s%n",
                requests, seconds, calls, fallbackCalls, statuses.stream().collect(java.util.stream.Collectors.groupingBy(x -> x,
                        java.util.TreeMap::new, java.util.stream.Collectors.counting())));
        // without breaker and budget every request costs two calls (the failing model, then the fallback): 400 here
        long windows = seconds / 10 + 1;
        assertThat(calls).as("provider calls for %d requests in %d s", requests, seconds)
                .isLessThanOrEqualTo((long) Math.floor((1 + BUDGET_RATIO) * requests) + BUDGET_FLOOR_PER_WINDOW * windows);
        assertThat(statuses).as("answered by the fallback, or refused while the budget was spent, never broken")
                .allMatch(status -> status == 200 || status == 502 || status == 503);
        assertThat(statuses.stream().filter(status -> status == 200).count()).as("answered").isGreaterThanOrEqualTo(requests * 9L / 10);
        assertThat(fallbackCalls).as("the fallback model answered them").isGreaterThanOrEqualTo(requests * 9L / 10);
    }

    @Test
    @Order(6)
    void aJobTheProviderRejectsIsOneCallAndFailsWithTheProvidersMessage() {
        long before = own.sim.totals().get("requests").asLong();
        own.sim.configure("{\"rejected_content\":\"FORBIDDEN-PHRASE\"}");
        ObjectNode body = Load.jobs(1, "rejected").get(0);
        ((ObjectNode) body.get("messages").get(0)).put("content", "Summarise FORBIDDEN-PHRASE please");
        Set<String> ids = Jobs.ids(own.jobs.submit(List.of(body), 1));
        JsonNode job = own.jobs.awaitFinished(ids, 60_000).values().iterator().next();
        own.sim.configure("{\"rejected_content\":null}");

        assertThat(job.get("status").asText()).isEqualTo("dead_lettered");
        assertThat(job.get("error").asText()).contains("content policy");
        assertThat(job.get("attempts").asInt()).isEqualTo(1);
        assertThat(own.sim.totals().get("requests").asLong() - before).as("provider calls").isEqualTo(1);
    }

    @Test
    @Order(7)
    void aRevokedProviderKeyPausesTheAsyncLaneInsteadOfBurningTheBacklog() {
        Invariants invariants = Invariants.mark(own, "provider key revoked, then restored");
        long refusedBefore = own.sim.errors(401);
        own.sim.configure("{\"keys_revoked\":true}");
        Set<String> ids = Jobs.ids(own.jobs.submit(Load.jobs(40, "revoked"), 40));
        invariants.accepted(ids);
        await("the provider to refuse the key").atMost(Duration.ofSeconds(60)).until(() -> own.sim.errors(401) > refusedBefore);
        Jobs.sleep(5_000);
        long refused = own.sim.errors(401) - refusedBefore;
        System.out.printf("RESILIENCE-RESULT key revoked: %d jobs, %d provider 401s%n", ids.size(), refused);
        own.sim.configure("{\"keys_revoked\":false}");

        // every job finishes once the key works again (a probe notices), none dead-lettered, nothing charged twice
        invariants.check(Invariants.Expect.exact());
        // the lane pauses at the first refusals (calls already in flight are refused too) and then probes once per pause:
        // without the pause, 40 jobs would have been sent 40 times and more within these seconds
        assertThat(refused).as("401s while the key was revoked").isLessThan(ids.size() / 2);
    }

    @Test
    @Order(8)
    void aStalledProviderGivesInteractiveCallersTheirErrorWithinTheDeadline() {
        // last in this class: the stalled calls are charged by the provider after the fleet gave up on them
        own.sim.configure("{\"stall_rate\":1.0,\"stall_ms\":20000}");
        long started = System.nanoTime();
        HttpResponse<String> response = Http.post(own.intake.url() + "/v1/chat/completions", Load.chat("Answer " + UUID.randomUUID(), 40, false),
                "X-Fleet-Feature", "support-chat");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        own.sim.configure("{\"stall_rate\":0}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
        assertThat(Http.json(response.body()).path("error").path("code").asText()).isEqualTo("deadline_exceeded");
        assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
        assertThat(took).as("answered within the deadline, give or take a second").isLessThan(DEADLINE.plusSeconds(2));
    }
}
