package dev.llmfleet.worker.service;

/**
 * Paces calls at a rate: tokens accrue at {@code perSecond} up to a burst of a tenth of a second's worth (at least
 * one), and each call takes one. A rate of 0 or less is no pacing at all. It holds no lock and reads no clock: its
 * caller passes the time and serialises the calls.
 */
final class TokenBucket {
    private final double perSecond;
    private final double burst;
    private double tokens;
    private long refilledAt;

    TokenBucket(double perSecond, long nowNanos) {
        this.perSecond = Math.max(0, perSecond);
        this.burst = Math.max(1.0, this.perSecond / 10);
        this.tokens = burst;
        this.refilledAt = nowNanos;
    }

    /** Takes a token if there is one at {@code nowNanos}. */
    boolean tryTake(long nowNanos) {
        if (perSecond <= 0) {
            return true;
        }
        tokens = Math.min(burst, tokens + (nowNanos - refilledAt) / 1e9 * perSecond);
        refilledAt = nowNanos;
        if (tokens >= 1 - 1e-9) {
            tokens = Math.max(0, tokens - 1);
            return true;
        }
        return false;
    }

    /** How long after the last {@link #tryTake} the next token is due. */
    long nanosToNextToken() {
        return (long) Math.ceil((1 - tokens) / perSecond * 1e9);
    }
}
