package dev.llmfleet.e2e;

import dev.llmfleet.localstack.Fleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
 * three ways a streamed charge can arrive, and a 402 followed by a top-up.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProviderFaultsTest {
    private static OwnFleet own;

    @BeforeAll
    static void up() {
        own = OwnFleet.forFaults("provider-faults", Map.of(Fleet.WORKER, Map.of("FLEET_WORKER_CONCURRENCY_MAX", "16")));
    }

    @AfterAll
    static void down() {
        if (own != null) {
            own.close();
        }
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

        invariants.check(Invariants.Expect.exact());
        // a provider error may reach an interactive caller (OpenAI-style, retryable), never a broken connection
        assertThat(statuses).doesNotContain(Load.BROKEN).contains(200);
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
}
