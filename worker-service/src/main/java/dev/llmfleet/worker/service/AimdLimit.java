package dev.llmfleet.worker.service;

import dev.llmfleet.worker.config.WorkerConfig;

/**
 * The adaptive concurrency limit alone (additive increase, multiplicative decrease, as Netflix concurrency-limits'
 * {@code AIMDLimit}): it creeps up by one per "limit" successes and is cut by a factor on a drop (a throttling signal),
 * at most once per cooldown so one burst of 429s counts once. It holds no lock and reads no clock: its caller passes the
 * time and serialises the calls.
 */
final class AimdLimit {
    private final int min;
    private final int max;
    private final double decrease;
    private final long cooldownNanos;
    private double limit;
    private long lastDecrease;

    /** Starts at {@code settings.initial()}; the first drop, at any time from {@code nowNanos} on, cuts at once. */
    AimdLimit(WorkerConfig.Concurrency settings, long nowNanos) {
        this.min = settings.min();
        this.max = settings.max();
        this.decrease = settings.decrease();
        this.cooldownNanos = settings.decreaseCooldown().toNanos();
        this.limit = settings.initial();
        this.lastDecrease = nowNanos - cooldownNanos;
    }

    void onSuccess() {
        limit = Math.min(max, limit + 1.0 / Math.max(1.0, limit));
    }

    void onDrop(long nowNanos) {
        if (nowNanos - lastDecrease >= cooldownNanos) {
            limit = Math.max(min, limit * decrease);
            lastDecrease = nowNanos;
        }
    }

    double limit() {
        return limit;
    }
}
