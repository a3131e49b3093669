package dev.llmfleet.providersim.service;

import dev.llmfleet.providersim.config.SimConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.concurrent.CompletableFuture;

/**
 * What idempotency keys have already bought: completions (future done when the first answer has
 * been delivered, so a repeat arriving meanwhile can wait for it) and top-ups. Keys are scoped per
 * API key so two clients never see each other's answers.
 */
@ApplicationScoped
public class ReplayStore {

    private final ExpiringLru<CompletableFuture<Completion>> completions;
    private final ExpiringLru<CreditService.Topup> topups;

    @Inject
    public ReplayStore(SimConfig config) {
        long windowNanos = config.idempotencyWindow().toNanos();
        this.completions = new ExpiringLru<>(windowNanos, config.idempotencyMaxEntries());
        this.topups = new ExpiringLru<>(windowNanos, config.idempotencyMaxEntries());
    }

    public ExpiringLru<CompletableFuture<Completion>> completions() {
        return completions;
    }

    public ExpiringLru<CreditService.Topup> topups() {
        return topups;
    }

    public static String scope(String apiKey, String idempotencyKey) {
        return apiKey + '\n' + idempotencyKey;
    }

    public void clear() {
        completions.clear();
        topups.clear();
    }
}
