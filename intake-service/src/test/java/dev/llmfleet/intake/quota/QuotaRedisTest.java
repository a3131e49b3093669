package dev.llmfleet.intake.quota;

import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.pipeline.Lane;
import dev.llmfleet.localstack.Ports;
import dev.llmfleet.common.quota.ConcurrentRequests;
import dev.llmfleet.common.quota.MonthlyBudget;
import dev.llmfleet.common.quota.Quota;
import dev.llmfleet.common.quota.QuotaConfig;
import dev.llmfleet.common.quota.QuotaGate;
import dev.llmfleet.common.quota.QuotaHold;
import dev.llmfleet.common.quota.QuotaRefusals;
import dev.llmfleet.common.quota.RateLimiter;
import dev.llmfleet.common.redis.RedisTimeouts;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.runtime.datasource.ReactiveRedisDataSourceImpl;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Each per-key limit and the monthly budgets against the run's real Redis, as intake wires them. Two replicas are two
 * Redis clients: the injected one, and one this test opens on the same Redis with its own connection pool.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class QuotaRedisTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    RateLimiter rates;
    @Inject
    ConcurrentRequests concurrent;
    @Inject
    MonthlyBudget budget;
    @Inject
    RedisTimeouts timeouts;
    @Inject
    MeterRegistry registry;
    @Inject
    QuotaRefusals refusals;
    @Inject
    Vertx vertx;
    @ConfigProperty(name = "quarkus.redis.hosts")
    String redisUrl;

    private Redis secondClient;
    private ReactiveRedisDataSourceImpl secondReplica;

    @BeforeEach
    void openSecondReplica() {
        secondClient = Redis.createClient(vertx, new RedisOptions().setConnectionString(redisUrl).setMaxPoolSize(8).setMaxPoolWaiting(1_000));
        secondReplica = new ReactiveRedisDataSourceImpl(vertx, secondClient, RedisAPI.api(secondClient));
    }

    @AfterEach
    void closeSecondReplica() {
        secondClient.close();
    }

    /** A fresh key (and tenant) so that no other test's counts are in the way. */
    private static Quota quota(Integer rpm, Integer tpm, Integer concurrent, String keyBudget, String tenantBudget) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        return new Quota("k_" + id, "t_" + id, rpm, tpm, concurrent, keyBudget == null ? null : new BigDecimal(keyBudget),
                tenantBudget == null ? null : new BigDecimal(tenantBudget));
    }

    private static Quota sameTenant(Quota other, String keyBudget) {
        return new Quota("k_" + UUID.randomUUID().toString().substring(0, 8), other.tenant(), null, null, null,
                new BigDecimal(keyBudget), other.tenantMonthlyBudgetUsd());
    }

    private static QuotaConfig holdingFor(Duration hold) {
        return new QuotaConfig() {
            @Override
            public Duration budgetHold() {
                return hold;
            }

            @Override
            public Duration slotLease() {
                return hold;
            }

            @Override
            public Duration budgetRetention() {
                return Duration.ofDays(62);
            }
        };
    }

    private static FleetException refusal(Uni<?> attempt) {
        return catchThrowableOfType(FleetException.class, () -> attempt.await().atMost(WAIT));
    }

    private static void assertRateLimited(FleetException e, String type) {
        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(429);
        assertThat(e.code()).isEqualTo("rate_limit_exceeded");
        assertThat(e.type()).isEqualTo(type);
    }

    private double refusals(String reason) {
        var counter = registry.find("fleet.quota.refusals").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    // ---- requests per minute ----

    @Test
    void requestsPerMinuteAllowsTheLimitRefusesOneMoreAndFreesOneEachIntervalAcrossReplicas() throws Exception {
        // 20 a minute: a burst of 20, then one every 3 s
        Quota quota = quota(20, null, null, null, null);
        RateLimiter otherReplica = new RateLimiter(secondReplica, timeouts, refusals);
        double refusedBefore = refusals("requests_per_minute");
        for (int i = 0; i < 20; i++) {
            (i % 2 == 0 ? rates : otherReplica).admitRequest(quota).await().atMost(WAIT);
        }
        FleetException refused = refusal(otherReplica.admitRequest(quota));
        assertRateLimited(refused, "requests");
        // 3 s after the first request, less the time the burst took
        assertThat(refused.retryAfterSeconds()).isBetween(1L, 3L);
        assertThat(refusals("requests_per_minute")).isEqualTo(refusedBefore + 1);

        Thread.sleep(refused.retryAfterSeconds() * 1000);
        rates.admitRequest(quota).await().atMost(WAIT);
        assertRateLimited(refusal(rates.admitRequest(quota)), "requests");
    }

    @Test
    void concurrentRequestsFromTwoReplicasGetExactlyTheLimit() {
        // 30 a minute: one every 2 s after the burst, so the count is exact unless the 200 calls take seconds
        Quota quota = quota(30, null, null, null, null);
        RateLimiter otherReplica = new RateLimiter(secondReplica, timeouts, refusals);
        long started = System.nanoTime();
        List<Uni<Boolean>> attempts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            attempts.add((i % 2 == 0 ? rates : otherReplica).admitRequest(quota).replaceWith(true)
                    .onFailure(FleetException.class).recoverWithItem(false));
        }
        List<Boolean> admitted = Uni.join().all(attempts).andCollectFailures().await().atMost(WAIT);
        long refilled = (System.nanoTime() - started) / 2_000_000_000L;
        long count = admitted.stream().filter(a -> a).count();
        assertThat(count).isBetween(30L, 30L + refilled);
    }

    // ---- tokens per minute ----

    @Test
    void tokensPerMinuteReservesPromptPlusMaxTokensAndSettlesWithTheRealUsage() {
        // 6000 a minute: each token frees after 10 ms
        Quota quota = quota(null, 6000, null, null, null);
        RateLimiter.TokenHold first = rates.reserveTokens(quota, 4000).await().atMost(WAIT);

        FleetException refused = refusal(rates.reserveTokens(quota, 3000));
        assertRateLimited(refused, "tokens");
        // 1000 tokens short: 10 s, give or take the milliseconds since the first reservation
        assertThat(refused.retryAfterSeconds()).isBetween(9L, 10L);

        // the answer used 1000 of the 4000 reserved: 3000 come back at once
        first.settle(1000).await().atMost(WAIT);
        RateLimiter.TokenHold second = rates.reserveTokens(quota, 3000).await().atMost(WAIT);
        assertRateLimited(refusal(rates.reserveTokens(quota, 2500)), "tokens");

        // a failed request gives everything back
        second.settle(0).await().atMost(WAIT);
        rates.reserveTokens(quota, 2500).await().atMost(WAIT);
    }

    @Test
    void aRequestLargerThanAMinuteOfTokensIsRefusedWithoutRetryAfter() {
        Quota quota = quota(null, 1000, null, null, null);
        FleetException refused = refusal(rates.reserveTokens(quota, 1001));
        assertRateLimited(refused, "tokens");
        assertThat(refused.retryAfterSeconds()).isNull();
        rates.reserveTokens(quota, 1000).await().atMost(WAIT);
    }

    @Test
    void usingMoreTokensThanReservedDelaysTheNextRequest() {
        Quota quota = quota(null, 6000, null, null, null);
        rates.reserveTokens(quota, 1000).await().atMost(WAIT).settle(5000).await().atMost(WAIT);
        assertRateLimited(refusal(rates.reserveTokens(quota, 1500)), "tokens");
    }

    // ---- concurrent requests ----

    @Test
    void concurrentRequestsHoldSlotsUntilReleasedOnAnyReplica() {
        Quota quota = quota(null, null, 2, null, null);
        ConcurrentRequests otherReplica = new ConcurrentRequests(secondReplica, timeouts, refusals, holdingFor(Duration.ofMinutes(10)));
        ConcurrentRequests.Slot first = concurrent.acquire(quota).await().atMost(WAIT);
        otherReplica.acquire(quota).await().atMost(WAIT);

        FleetException refused = refusal(concurrent.acquire(quota));
        assertRateLimited(refused, "requests");
        assertThat(refused.retryAfterSeconds()).isEqualTo(1L);

        first.release().await().atMost(WAIT);
        otherReplica.acquire(quota).await().atMost(WAIT);
        assertRateLimited(refusal(otherReplica.acquire(quota)), "requests");
    }

    @Test
    void theSlotsOfADeadReplicaComeBackWhenTheirLeaseEnds() throws Exception {
        Quota quota = quota(null, null, 2, null, null);
        ConcurrentRequests dying = new ConcurrentRequests(secondReplica, timeouts, refusals, holdingFor(Duration.ofSeconds(1)));
        dying.acquire(quota).await().atMost(WAIT);
        dying.acquire(quota).await().atMost(WAIT);
        assertRateLimited(refusal(concurrent.acquire(quota)), "requests");

        Thread.sleep(1_200);
        concurrent.acquire(quota).await().atMost(WAIT);
    }

    // ---- monthly budgets ----

    @Test
    void aBudgetHoldsTheWorstCaseAndSettlesWithTheActualCharge() {
        Quota quota = quota(null, null, null, "1.00", null);
        MonthlyBudget.BudgetHold first = budget.reserve(quota, new BigDecimal("0.60")).await().atMost(WAIT);
        assertThat(budget.keyUsage(quota.keyId()).await().atMost(WAIT))
                .isEqualTo(new MonthlyBudget.Usage(usd("0"), usd("0.60")));

        FleetException refused = refusal(budget.reserve(quota, new BigDecimal("0.50")));
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("insufficient_quota");
        assertThat(refused.type()).isEqualTo("insufficient_quota");
        assertThat(refused.retryAfterSeconds()).isNull();
        assertThat(budget.keyUsage(quota.keyId()).await().atMost(WAIT).reservedUsd()).isEqualByComparingTo("0.60");

        // the provider charged 0.25 of the 0.60 held: 0.35 is free again
        first.settle(new BigDecimal("0.25")).await().atMost(WAIT);
        assertThat(budget.keyUsage(quota.keyId()).await().atMost(WAIT)).isEqualTo(new MonthlyBudget.Usage(usd("0.25"), usd("0")));
        MonthlyBudget.BudgetHold second = budget.reserve(quota, new BigDecimal("0.75")).await().atMost(WAIT);
        assertThat(refusal(budget.reserve(quota, new BigDecimal("0.00000001"))).code()).isEqualTo("insufficient_quota");

        // nothing charged (the call failed): all of it back
        second.settle(BigDecimal.ZERO).await().atMost(WAIT);
        assertThat(budget.keyUsage(quota.keyId()).await().atMost(WAIT)).isEqualTo(new MonthlyBudget.Usage(usd("0.25"), usd("0")));
        assertThat(budget.tenantUsage(quota.tenant()).await().atMost(WAIT)).isEqualTo(new MonthlyBudget.Usage(usd("0.25"), usd("0")));
    }

    @Test
    void theTenantsBudgetBindsAllItsKeysTogether() {
        Quota first = quota(null, null, null, "1.00", "1.00");
        Quota second = sameTenant(first, "1.00");
        double refusedBefore = refusals("tenant_budget");
        budget.reserve(first, new BigDecimal("0.70")).await().atMost(WAIT).settle(new BigDecimal("0.70")).await().atMost(WAIT);

        FleetException refused = refusal(budget.reserve(second, new BigDecimal("0.40")));
        assertThat(refused.code()).isEqualTo("insufficient_quota");
        assertThat(refused.getMessage()).contains("tenant " + first.tenant());
        assertThat(refusals("tenant_budget")).isEqualTo(refusedBefore + 1);
        // refused: nothing held or charged for the second key
        assertThat(budget.keyUsage(second.keyId()).await().atMost(WAIT)).isEqualTo(new MonthlyBudget.Usage(usd("0"), usd("0")));
        budget.reserve(second, new BigDecimal("0.30")).await().atMost(WAIT);
    }

    @Test
    void aKeyWithoutABudgetIsCountedSoABudgetSetLaterAppliesToTheMonthsSpend() {
        Quota unlimited = quota(null, null, null, null, null);
        budget.reserve(unlimited, new BigDecimal("5")).await().atMost(WAIT).settle(new BigDecimal("4")).await().atMost(WAIT);
        Quota limited = new Quota(unlimited.keyId(), unlimited.tenant(), null, null, null, new BigDecimal("4.50"), null);
        assertThat(refusal(budget.reserve(limited, new BigDecimal("0.60"))).code()).isEqualTo("insufficient_quota");
        budget.reserve(limited, new BigDecimal("0.50")).await().atMost(WAIT);
    }

    @Test
    void aHoldThatIsNeverSettledIsReleasedAfterItsDeadline() throws Exception {
        Quota quota = quota(null, null, null, "1.00", "1.00");
        MonthlyBudget dying = new MonthlyBudget(secondReplica, timeouts, refusals, holdingFor(Duration.ofSeconds(1)));
        dying.reserve(quota, new BigDecimal("0.90")).await().atMost(WAIT);
        assertThat(refusal(budget.reserve(quota, new BigDecimal("0.20"))).code()).isEqualTo("insufficient_quota");

        Thread.sleep(1_200);
        budget.reserve(quota, new BigDecimal("0.20")).await().atMost(WAIT);
        assertThat(budget.keyUsage(quota.keyId()).await().atMost(WAIT)).isEqualTo(new MonthlyBudget.Usage(usd("0"), usd("0.20")));
        assertThat(budget.tenantUsage(quota.tenant()).await().atMost(WAIT)).isEqualTo(new MonthlyBudget.Usage(usd("0"), usd("0.20")));
    }

    /**
     * The test: 200 requests at once from 8 threads on two replicas, against budgets worth about 20 of them.
     * Each admitted one settles with a charge: most below the forecast, every fifth 20 % above it. The month's spend
     * ends within the budget plus one reservation (what was in flight when the provider charged more than forecast:
     * at most 20 holds, a fifth of them 20 % over), refused requests added nothing, and no hold is left.
     */
    @Test
    void twoHundredConcurrentReservationsNeverOverspendTheBudget() throws Exception {
        BigDecimal forecast = new BigDecimal("0.01");
        Quota first = quota(null, null, null, "0.15", "0.20");
        Quota second = sameTenant(first, "0.15");
        MonthlyBudget otherReplica = new MonthlyBudget(secondReplica, timeouts, refusals, holdingFor(Duration.ofMinutes(15)));
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ConcurrentLinkedQueue<BigDecimal> charged = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<BigDecimal> chargedFirst = new ConcurrentLinkedQueue<>();

        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            MonthlyBudget replica = i % 2 == 0 ? budget : otherReplica;
            Quota quota = i % 3 == 0 ? second : first;
            done.add(threads.submit(() -> {
                MonthlyBudget.BudgetHold hold;
                try {
                    hold = replica.reserve(quota, forecast).await().atMost(WAIT);
                } catch (FleetException e) {
                    assertThat(e.code()).isEqualTo("insufficient_quota");
                    refused.incrementAndGet();
                    return;
                }
                BigDecimal charge = admitted.incrementAndGet() % 5 == 0 ? new BigDecimal("0.012") : new BigDecimal("0.006");
                hold.settle(charge).await().atMost(WAIT);
                charged.add(charge);
                if (quota == first) {
                    chargedFirst.add(charge);
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        threads.shutdown();

        MonthlyBudget.Usage tenant = budget.tenantUsage(first.tenant()).await().atMost(WAIT);
        MonthlyBudget.Usage key = budget.keyUsage(first.keyId()).await().atMost(WAIT);
        MonthlyBudget.Usage otherKey = budget.keyUsage(second.keyId()).await().atMost(WAIT);
        assertThat(admitted.get() + refused.get()).isEqualTo(200);
        assertThat(refused.get()).isPositive();
        assertThat(tenant.spentUsd()).isLessThanOrEqualTo(first.tenantMonthlyBudgetUsd().add(forecast));
        assertThat(key.spentUsd()).isLessThanOrEqualTo(first.keyMonthlyBudgetUsd().add(forecast));
        assertThat(otherKey.spentUsd()).isLessThanOrEqualTo(second.keyMonthlyBudgetUsd().add(forecast));
        // exactly what the admitted requests were charged: a refused one added nothing
        assertThat(tenant.spentUsd()).isEqualByComparingTo(charged.stream().reduce(BigDecimal.ZERO, BigDecimal::add));
        assertThat(key.spentUsd()).isEqualByComparingTo(chargedFirst.stream().reduce(BigDecimal.ZERO, BigDecimal::add));
        assertThat(tenant.spentUsd()).isEqualByComparingTo(key.spentUsd().add(otherKey.spentUsd()));
        assertThat(tenant.reservedUsd()).isZero();
        assertThat(key.reservedUsd()).isZero();
        assertThat(otherKey.reservedUsd()).isZero();
    }

    @Test
    void limitsThatCannotBeCheckedRefuseWith503InsteadOfWaivingThem() {
        Redis nowhere = Redis.createClient(vertx, "redis://127.0.0.1:" + Ports.free());
        try {
            QuotaGate gate = gateOn(nowhere);
            Quota quota = quota(10, 1000, 1, "1", null);
            for (FleetException refused : List.of(refusal(gate.admit(quota, Lane.INTERACTIVE)),
                    refusal(gate.reserve(quota, Lane.ASYNC, 100, new BigDecimal("0.01"))))) {
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.code()).isEqualTo("quota_unavailable");
                assertThat(refused.retryAfterSeconds()).isEqualTo(5L);
            }
        } finally {
            nowhere.close();
        }
    }

    @Test
    void aKeyWithNoLimitOrBudgetIsServedWhileRedisCannotCountItsSpend() {
        Redis nowhere = Redis.createClient(vertx, "redis://127.0.0.1:" + Ports.free());
        try {
            QuotaGate gate = gateOn(nowhere);
            Quota quota = quota(null, null, null, null, null);
            gate.admit(quota, Lane.INTERACTIVE).await().atMost(Duration.ofSeconds(30));
            QuotaHold hold = gate.reserve(quota, Lane.INTERACTIVE, 100, new BigDecimal("0.01")).await().atMost(Duration.ofSeconds(30));
            hold.settle(new BigDecimal("0.001"), 50).await().atMost(Duration.ofSeconds(30));
        } finally {
            nowhere.close();
        }
    }

    private static BigDecimal usd(String amount) {
        return new BigDecimal(amount).setScale(8);
    }

    /** A gate whose limits and budgets live on {@code redis} (here: one nobody answers on). */
    private QuotaGate gateOn(Redis redis) {
        ReactiveRedisDataSourceImpl data = new ReactiveRedisDataSourceImpl(vertx, redis, RedisAPI.api(redis));
        QuotaConfig config = holdingFor(Duration.ofMinutes(1));
        return new QuotaGate(new RateLimiter(data, timeouts, refusals), new ConcurrentRequests(data, timeouts, refusals, config),
                new MonthlyBudget(data, timeouts, refusals, config), registry);
    }
}
