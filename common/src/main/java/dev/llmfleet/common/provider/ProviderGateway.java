package dev.llmfleet.common.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The resilient way to the provider. Each model of a route is called through its SmallRye Fault Tolerance guard
 * ({@link ModelGuards}: retries with full jitter honouring Retry-After, a circuit breaker); the instance's bulkhead is
 * on {@link ProviderClient}; each call has a timeout scaled to what it asks for. The next model of the route takes
 * over when a model's breaker is open (at once, no call made) or it kept failing transiently (an extra call, so only
 * within the {@link RetryBudget}). Any other failure is final for the request. Everything fits in the request's
 * {@link Deadline}.
 */
@ApplicationScoped
public class ProviderGateway {
    private final ProviderClient client;
    private final ProviderConfig.Timeouts timeouts;
    private final Duration breakerDelay;
    private final RetryBudget budget;
    private final ModelGuards guards;

    public ProviderGateway(ProviderClient client, ProviderConfig config, RetryBudget budget, MeterRegistry registry) {
        this.client = client;
        this.timeouts = config.timeout();
        this.breakerDelay = config.breaker().delay();
        this.budget = budget;
        this.guards = new ModelGuards(config, budget, registry);
    }

    /**
     * Calls {@code models} in order until one answers. {@code body}'s model is set per call; the idempotency key is
     * suffixed with the model, so a provider that honours keys never charges twice for one model and never replays one
     * model's answer for another. Each single call passes {@code gate}; {@code calls} counts them and hears of each
     * failed one. Fails with a {@link ProviderException} only.
     */
    public Uni<ProviderReply> call(ObjectNode body, List<String> models, BigDecimal costCap, String idempotencyKey, ProviderCalls calls,
                                   CallGate gate, Deadline deadline) {
        return callModel(body, models, 0, costCap, idempotencyKey, calls, gate, deadline);
    }

    private Uni<ProviderReply> callModel(ObjectNode body, List<String> models, int index, BigDecimal costCap, String key, ProviderCalls calls,
                                         CallGate gate, Deadline deadline) {
        String model = models.get(index);
        ObjectNode request = body.deepCopy().put("model", model);
        boolean hasFallback = index + 1 < models.size();
        AtomicInteger attempts = new AtomicInteger();
        return guards.of(model).get(() -> attempt(request, attempts.incrementAndGet(), costCap, key + ":" + model, calls, gate, deadline))
                .onFailure().transform(this::unwrap)
                .onFailure(e -> hasFallback && fallsBack(e, model, deadline))
                .recoverWithUni(e -> callModel(body, models, index + 1, costCap, key, calls, gate, deadline))
                .onFailure(e -> deadline.passed() && !(e instanceof ProviderException.Rejected || e instanceof ProviderException.KeyRefused
                        || e instanceof ProviderException.Depleted || e instanceof ProviderException.DeadlineExceeded))
                .transform(e -> new ProviderException.DeadlineExceeded(deadline.length(), breakerDelay));
    }

    /** One call inside the model's guard; a failure leaves wrapped for the guard's retry and breaker decisions. */
    private Uni<ProviderReply> attempt(ObjectNode request, int number, BigDecimal costCap, String key, ProviderCalls calls, CallGate gate,
                                       Deadline deadline) {
        String model = request.get("model").asText();
        if (deadline.passed()) {
            return Uni.createFrom().failure(new ModelGuards.FailedAttempt(
                    new ProviderException.DeadlineExceeded(deadline.length(), breakerDelay), model, number, deadline));
        }
        Duration timeout = deadline.clamp(timeoutFor(request));
        return gate.around(() -> Uni.createFrom().deferred(() -> {
                    if (calls.made() == 0) {
                        budget.requested(model);
                    }
                    calls.started(model);
                    return client.chat(request, costCap, key);
                })
                .ifNoItem().after(timeout).failWith(() -> ProviderException.noAnswer("provider did not answer within " + timeout.toMillis() + " ms"))
                .onFailure(BulkheadException.class).transform(e -> {
                    calls.refused();
                    return new ProviderException.Overloaded(ProviderException.Overloaded.BULKHEAD,
                            "too many provider calls in flight; try again shortly", Duration.ofSeconds(1));
                })
                .onFailure(ProviderException.class).invoke(e -> {
                    if (((ProviderException) e).callMade()) {
                        calls.failed((ProviderException) e);
                    }
                }))
                .onFailure(ProviderException.class).transform(e -> new ModelGuards.FailedAttempt((ProviderException) e, model, number, deadline));
    }

    /** How long one call may take: the first byte, plus generation time for an answer that comes whole. */
    Duration timeoutFor(ObjectNode request) {
        if (request.path("stream").asBoolean(false)) {
            return timeouts.firstByte();
        }
        return timeouts.firstByte().plus(timeouts.perCompletionToken().multipliedBy(Math.max(1, request.path("max_tokens").asLong(1))));
    }

    /** An open breaker passes the request on for free; a transient failure does only if the budget allows an extra call. */
    private boolean fallsBack(Throwable e, String model, Deadline deadline) {
        if (deadline.passed()) {
            return false;
        }
        if (e instanceof ProviderException.Overloaded overloaded) {
            return ProviderException.Overloaded.BREAKER_OPEN.equals(overloaded.code());
        }
        return e instanceof ProviderException.Transient && budget.tryExtraCall(model);
    }

    private Throwable unwrap(Throwable e) {
        if (e instanceof ModelGuards.FailedAttempt attempt) {
            return attempt.failure();
        }
        if (e instanceof CircuitBreakerOpenException) {
            return new ProviderException.Overloaded(ProviderException.Overloaded.BREAKER_OPEN, "the model is failing; its circuit breaker is open",
                    breakerDelay);
        }
        return e;
    }
}
