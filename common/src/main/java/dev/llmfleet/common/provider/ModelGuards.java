package dev.llmfleet.common.provider;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.util.TypeLiteral;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.llmfleet.common.metrics.MetricNames.PROVIDER_BREAKER_OPEN;
import static dev.llmfleet.common.metrics.MetricNames.TAG_MODEL;

/**
 * One SmallRye Fault Tolerance guard per model (programmatic {@link TypedGuard}: annotations cannot be per model):
 * retries of transient failures with full jitter and the provider's Retry-After as a floor, each retry only within the
 * fleet's {@link RetryBudget} and the request's deadline; and a circuit breaker that opens when a model keeps failing,
 * so routing falls back to the next model at once, until a probe after {@code breaker.delay} closes it again.
 * Metrics: SmallRye's {@code ft_*} series (tag {@code method="provider.chat <model>"}) and {@code fleet_provider_breaker_open}.
 */
final class ModelGuards {
    private static final TypeLiteral<Uni<ProviderReply>> REPLY = new TypeLiteral<>() {
    };

    private final ProviderConfig.Retry retry;
    private final ProviderConfig.Breaker breaker;
    private final RetryBudget budget;
    private final MeterRegistry registry;
    private final Map<String, TypedGuard<Uni<ProviderReply>>> guards = new ConcurrentHashMap<>();

    ModelGuards(ProviderConfig config, RetryBudget budget, MeterRegistry registry) {
        this.retry = config.retry();
        this.breaker = config.breaker();
        this.budget = budget;
        this.registry = registry;
    }

    /** The guard of {@code model}, made on its first call. */
    TypedGuard<Uni<ProviderReply>> of(String model) {
        return guards.computeIfAbsent(model, this::create);
    }

    private TypedGuard<Uni<ProviderReply>> create(String model) {
        AtomicInteger open = new AtomicInteger();
        Gauge.builder(PROVIDER_BREAKER_OPEN, open, AtomicInteger::get).tag(TAG_MODEL, model)
                .description("1 while the model's circuit breaker is open (calls go to the next model), 0 otherwise")
                .register(registry);
        Backoff backoff = new Backoff(retry.initialBackoff(), retry.maxBackoff());
        return TypedGuard.create(REPLY)
                .withDescription("provider.chat " + model)
                .withRetry()
                    .maxRetries(Math.max(0, retry.maxAttempts() - 1))
                    .delay(0, ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)
                    .maxDuration(1, ChronoUnit.HOURS)
                    .whenException(e -> e instanceof FailedAttempt attempt && retryable(attempt))
                    .withCustomBackoff().strategy(() -> new JitteredRetryAfter(backoff)).done()
                    .done()
                .withCircuitBreaker()
                    .name("provider-" + model)
                    .when(e -> e instanceof FailedAttempt attempt && attempt.failure() instanceof ProviderException.Transient)
                    .requestVolumeThreshold(breaker.requestVolumeThreshold())
                    .failureRatio(breaker.failureRatio())
                    .delay(breaker.delay().toMillis(), ChronoUnit.MILLIS)
                    .successThreshold(breaker.successThreshold())
                    .onStateChange(state -> open.set(state == CircuitBreakerState.OPEN ? 1 : 0))
                    .done()
                .withThreadOffload(false)
                .build();
    }

    /**
     * Transient failures and throttling are retried in-line, while attempts, the fleet's retry budget and the request's
     * deadline allow; a model that is unavailable goes to the next model instead, and a Retry-After longer than
     * {@code retry.max-retry-after} (or the deadline) is the caller's to wait out (the async lane's retry topic).
     */
    private boolean retryable(FailedAttempt attempt) {
        ProviderException failure = attempt.failure();
        boolean kind = failure instanceof ProviderException.Throttled
                || failure instanceof ProviderException.Transient t && !t.modelUnavailable();
        if (!kind || attempt.number() >= retry.maxAttempts()) {
            return false;
        }
        Duration wait = failure.retryAfter() == null ? Duration.ZERO : failure.retryAfter();
        if (wait.compareTo(retry.maxRetryAfter()) > 0 || !attempt.deadline().allows(wait)) {
            return false;
        }
        return budget.tryExtraCall(attempt.model());
    }

    /** A failed call inside one model's guard, with what its retry decision needs; unwrapped by {@link ProviderGateway}. */
    static final class FailedAttempt extends RuntimeException {
        private final ProviderException failure;
        private final String model;
        private final int number;
        private final Deadline deadline;

        FailedAttempt(ProviderException failure, String model, int number, Deadline deadline) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
            this.model = model;
            this.number = number;
            this.deadline = deadline;
        }

        ProviderException failure() {
            return failure;
        }

        String model() {
            return model;
        }

        /** The call's number among this model's calls for the request (1 = the first). */
        int number() {
            return number;
        }

        Deadline deadline() {
            return deadline;
        }
    }

    /** Full jitter over the exponential window, never sooner than the provider's Retry-After, never past the deadline. */
    static final class JitteredRetryAfter implements CustomBackoffStrategy {
        private final Backoff backoff;
        private int retries;

        JitteredRetryAfter(Backoff backoff) {
            this.backoff = backoff;
        }

        @Override
        public long nextDelayInMillis(Throwable failure) {
            retries++;
            FailedAttempt attempt = failure instanceof FailedAttempt a ? a : null;
            Duration wait = backoff.delay(retries, attempt == null ? null : attempt.failure().retryAfter());
            return attempt == null ? wait.toMillis() : attempt.deadline().clamp(wait).toMillis();
        }
    }
}
