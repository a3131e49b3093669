package dev.llmfleet.common.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * The resilient way to the provider: each model of a route gets retries with exponential backoff and
 * full jitter on transient failures only (429 honouring Retry-After, 5xx, timeouts; never another
 * 4xx), and the next model of the route takes over when one is unavailable or keeps failing.
 */
@ApplicationScoped
public class ProviderGateway {
    private final ProviderClient client;
    private final ProviderConfig.Retry retry;
    private final Backoff backoff;

    public ProviderGateway(ProviderClient client, ProviderConfig config) {
        this.client = client;
        this.retry = config.retry();
        this.backoff = new Backoff(retry.initialBackoff(), retry.maxBackoff());
    }

    /**
     * Calls {@code models} in order until one answers. {@code body}'s model is set per call; the
     * idempotency key is suffixed with the model, so a provider that honours keys never charges twice
     * for one model and never replays one model's answer for another. Each single call passes {@code gate};
     * {@code calls} counts them and hears of each failed one.
     */
    public Uni<ProviderReply> call(ObjectNode body, List<String> models, BigDecimal costCap, String idempotencyKey, ProviderCalls calls,
                                   CallGate gate) {
        return callModel(body, models, 0, costCap, idempotencyKey, calls, gate);
    }

    private Uni<ProviderReply> callModel(ObjectNode body, List<String> models, int index, BigDecimal costCap, String key, ProviderCalls calls,
                                         CallGate gate) {
        String model = models.get(index);
        ObjectNode request = body.deepCopy().put("model", model);
        boolean hasFallback = index + 1 < models.size();
        return attempt(request, 1, costCap, key + ":" + model, calls, gate)
                .onFailure(e -> hasFallback && e instanceof ProviderException failure
                        && (failure.modelUnavailable() || failure.status() >= 500 || failure.status() == ProviderException.NO_ANSWER))
                .recoverWithUni(e -> callModel(body, models, index + 1, costCap, key, calls, gate));
    }

    private Uni<ProviderReply> attempt(ObjectNode request, int number, BigDecimal costCap, String key, ProviderCalls calls, CallGate gate) {
        return gate.around(() -> Uni.createFrom().deferred(() -> {
                    calls.started(request.get("model").asText());
                    return client.chat(request, costCap, key);
                })
                .onFailure(TimeoutException.class).transform(e -> ProviderException.noAnswer("provider did not answer in time"))
                .onFailure(BulkheadException.class).transform(e -> {
                    calls.refused();
                    return ProviderException.overloaded();
                })
                .onFailure(ProviderException.class).invoke(e -> {
                    if (!ProviderException.OVERLOADED.equals(((ProviderException) e).code())) {
                        calls.failed((ProviderException) e);
                    }
                }))
                .onFailure(e -> retryable(e, number)).recoverWithUni(e -> {
                    Duration wait = backoff.delay(number, ((ProviderException) e).retryAfter());
                    return Backoff.sleep(wait).onItem().transformToUni(ignored -> attempt(request, number + 1, costCap, key, calls, gate));
                });
    }

    private boolean retryable(Throwable e, int number) {
        if (!(e instanceof ProviderException failure) || !failure.retryable() || failure.modelUnavailable()
                || ProviderException.OVERLOADED.equals(failure.code()) || number >= retry.maxAttempts()) {
            return false;
        }
        // a long Retry-After is the caller's to wait out (or the async lane's retry topic), not a held request's
        return failure.retryAfter() == null || failure.retryAfter().compareTo(retry.maxRetryAfter()) <= 0;
    }
}
