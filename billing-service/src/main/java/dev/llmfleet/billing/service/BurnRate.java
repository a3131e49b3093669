package dev.llmfleet.billing.service;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Burn rate and runway. The burn rate is the spend in the minute buckets of the sliding window (the current,
 * partial minute included) divided by the time those buckets cover: (n − 1) whole minutes plus the elapsed part
 * of the current one.
 */
public final class BurnRate {
    private static final long MINUTE_MS = 60_000;

    private BurnRate() {
    }

    /** Minute buckets in a window (at least 1). */
    public static int buckets(Duration window) {
        return (int) Math.max(1, (window.toMillis() + MINUTE_MS - 1) / MINUTE_MS);
    }

    /** Milliseconds the window's buckets cover at {@code nowMillis} (at least one second). */
    public static long spanMillis(Duration window, long nowMillis) {
        long elapsed = Math.floorMod(nowMillis, MINUTE_MS);
        return Math.max(1000, (buckets(window) - 1) * MINUTE_MS + elapsed);
    }

    /** USD per hour from nano-USD spent over {@code spanMillis}. */
    public static double usdPerHour(long spentNanos, long spanMillis) {
        if (spentNanos <= 0 || spanMillis <= 0) {
            return 0.0;
        }
        return (spentNanos / 1e9) / (spanMillis / 3_600_000.0);
    }

    /** Hours to zero at the burn rate; null when nothing is being spent (or no balance is known), 0 at or below zero. */
    public static Double runwayHours(BigDecimal balance, double usdPerHour) {
        if (balance == null || usdPerHour <= 0) {
            return null;
        }
        if (balance.signum() <= 0) {
            return 0.0;
        }
        return balance.doubleValue() / usdPerHour;
    }
}
