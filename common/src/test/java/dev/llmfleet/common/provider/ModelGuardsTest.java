package dev.llmfleet.common.provider;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The per-model guards on SmallRye Fault Tolerance (standalone): breaker transitions, retries within the budget, Retry-After. */
class ModelGuardsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void theBreakerOpensOnTransientFailuresRefusesCallsAndAProbeClosesIt() throws InterruptedException {
        Fixture fixture = new Fixture(Map.of("fleet.provider.retry.max-attempts", "1", "fleet.provider.breaker.delay", "300ms",
                "fleet.provider.breaker.success-threshold", "1"));
        String model = fixture.model;
        for (int i = 0; i < 4; i++) {
            assertThat(fixture.call(() -> transientFailure(model))).isInstanceOf(ModelGuards.FailedAttempt.class);
        }
        assertThat(fixture.breakerOpen()).isTrue();

        Throwable refused = fixture.call(() -> Uni.createFrom().item(reply(model)));
        assertThat(refused).isInstanceOf(CircuitBreakerOpenException.class);
        assertThat(fixture.invocations.get()).as("an open breaker makes no call").isEqualTo(4);

        Thread.sleep(400);
        assertThat(fixture.call(() -> Uni.createFrom().item(reply(model)))).as("the probe after the delay").isNull();
        assertThat(fixture.breakerOpen()).isFalse();
        assertThat(fixture.call(() -> Uni.createFrom().item(reply(model)))).isNull();
        assertThat(fixture.invocations.get()).isEqualTo(6);
    }

    @Test
    void throttlingAndRejectionsDoNotOpenTheBreaker() {
        Fixture fixture = new Fixture(Map.of("fleet.provider.retry.max-attempts", "1"));
        for (int i = 0; i < 10; i++) {
            fixture.call(() -> failure(ProviderException.fromAnswer(429, "rate_limit_exceeded", "slow down", null, null, null), fixture.model));
            fixture.call(() -> failure(ProviderException.fromAnswer(400, "invalid_request_error", "bad", null, null, null), fixture.model));
        }
        assertThat(fixture.breakerOpen()).isFalse();
    }

    @Test
    void aRejectionIsNeverRetried() {
        Fixture fixture = new Fixture(Map.of("fleet.provider.retry-budget.min-per-second", "100"));
        fixture.call(() -> failure(ProviderException.fromAnswer(400, "invalid_request_error", "bad", null, null, null), fixture.model));
        assertThat(fixture.invocations.get()).isEqualTo(1);
    }

    @Test
    void retriesStopWhenTheBudgetIsSpent() {
        // no floor, one extra call per request: the first request's failure is retried once, then the budget is spent
        Fixture fixture = new Fixture(Map.of("fleet.provider.retry-budget.ratio", "1.0", "fleet.provider.retry-budget.min-per-second", "0",
                "fleet.provider.retry.initial-backoff", "1ms"));
        fixture.budget.requested(fixture.model);
        fixture.call(() -> transientFailure(fixture.model));
        assertThat(fixture.invocations.get()).as("first call + the one budgeted retry of 3 allowed by attempts").isEqualTo(2);

        fixture.invocations.set(0);
        fixture.call(() -> transientFailure(fixture.model));
        assertThat(fixture.invocations.get()).as("no request earned a retry since").isEqualTo(1);
    }

    @Test
    void aRetryWaitsAtLeastTheProvidersRetryAfter() {
        Fixture fixture = new Fixture(Map.of("fleet.provider.retry-budget.min-per-second", "100"));
        AtomicInteger calls = new AtomicInteger();
        long started = System.nanoTime();
        Throwable outcome = fixture.call(() -> calls.incrementAndGet() == 1
                ? failure(ProviderException.fromAnswer(429, "rate_limit_exceeded", "slow down", Duration.ofMillis(300), null, null), fixture.model)
                : Uni.createFrom().item(reply(fixture.model)));
        assertThat(outcome).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void aRetryAfterLongerThanTheDeadlineGoesBackToTheCaller() {
        Fixture fixture = new Fixture(Map.of("fleet.provider.retry-budget.min-per-second", "100"));
        Deadline deadline = Deadline.in(Duration.ofMillis(500));
        fixture.call(() -> Uni.createFrom().failure(new ModelGuards.FailedAttempt(
                ProviderException.fromAnswer(429, "rate_limit_exceeded", "slow down", Duration.ofSeconds(2), null, null),
                fixture.model, fixture.invocations.get(), deadline)));
        assertThat(fixture.invocations.get()).isEqualTo(1);
    }

    private static Uni<ProviderReply> transientFailure(String model) {
        return failure(ProviderException.fromAnswer(503, "overloaded", "busy", null, null, null), model);
    }

    private static Uni<ProviderReply> failure(ProviderException e, String model) {
        return Uni.createFrom().failure(new ModelGuards.FailedAttempt(e, model, 1, Deadline.NONE));
    }

    private static ProviderReply reply(String model) {
        return new ProviderReply(model, null, null, null, null, false);
    }

    /** Guards over a config built from defaults plus {@code overrides}; each test's model is new (breakers are named per model). */
    private static final class Fixture {
        final String model = "test/" + UUID.randomUUID();
        final AtomicInteger invocations = new AtomicInteger();
        final RetryBudget budget;
        final ModelGuards guards;
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();

        Fixture(Map<String, String> overrides) {
            SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(ProviderConfig.class)
                    .withConverter(Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                    .withDefaultValue("fleet.provider.base-url", "http://127.0.0.1:1/v1")
                    .withDefaultValues(Map.of("fleet.provider.breaker.request-volume-threshold", "4"))
                    .withSources(new io.smallrye.config.PropertiesConfigSource(overrides, "test", 500))
                    .build();
            ProviderConfig provider = config.getConfigMapping(ProviderConfig.class);
            budget = new RetryBudget(provider.retryBudget(), null, registry, System::currentTimeMillis, null);
            guards = new ModelGuards(provider, budget, registry);
        }

        /** What the exported {@code fleet_provider_breaker_open} gauge says of the model's breaker. */
        boolean breakerOpen() {
            return registry.get("fleet.provider.breaker.open").tag("model", model).gauge().value() == 1;
        }

        /** One guarded call; the attempt numbers count up as the guard retries. Answers its failure, or null on success. */
        Throwable call(Supplier<Uni<ProviderReply>> attempt) {
            return catchThrowable(() -> guards.of(model).get(() -> Uni.createFrom().deferred(() -> {
                invocations.incrementAndGet();
                return attempt.get().onFailure(ModelGuards.FailedAttempt.class).transform(e -> {
                    ModelGuards.FailedAttempt failed = (ModelGuards.FailedAttempt) e;
                    return new ModelGuards.FailedAttempt(failed.failure(), failed.model(), invocations.get(), failed.deadline());
                });
            })).await().atMost(WAIT));
        }
    }
}
