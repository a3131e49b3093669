package dev.llmfleet.providersim.service;

import dev.llmfleet.providersim.config.SimConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.concurrent.CompletableFuture;

/**
 * What idempotency keys have already bought: completions (future done when the first answer has
 * been delivered, so a repeat arriving meanwhile can wait for it) and top-ups. Keys are scoped per
 * API key so two clients never see each other's answers. Apart from replays, it remembers which keys were
 * charged, in either idempotency mode, so the admin totals can say how often one key was charged again.
 */
@ApplicationScoped
public class ReplayStore {

    private final ExpiringLru<CompletableFuture<Completion>> completions;
    private final ExpiringLru<CreditService.Topup> topups;
    private final ExpiringLru<Boolean> charged;

    @Inject
    public ReplayStore(SimConfig config) {
        long windowNanos = config.idempotencyWindow().toNanos();
        this.completions = new ExpiringLru<>(windowNanos, config.idempotencyMaxEntries());
        this.topups = new ExpiringLru<>(windowNanos, config.idempotencyMaxEntries());
        this.charged = new ExpiringLru<>(windowNanos, config.idempotencyMaxEntries());
    }

    public ExpiringLru<CompletableFuture<Completion>> completions() {
        return completions;
    }

    public ExpiringLru<CreditService.Topup> topups() {
        return topups;
    }

    /** Notes a charged call under {@code scope}; true when that key had already been charged within the window. */
    public boolean chargedBefore(String scope) {
        return charged.putIfAbsent(scope, Boolean.TRUE) != null;
    }

    public static String scope(String apiKey, String idempotencyKey) {
        return apiKey + '\n' + idempotencyKey;
    }

    public void clear() {
        completions.clear();
        topups.clear();
        charged.clear();
    }
}
