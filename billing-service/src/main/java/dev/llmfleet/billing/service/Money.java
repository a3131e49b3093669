package dev.llmfleet.billing.service;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money in the ledger: integer nano-USD (1e-9), so Redis sums it exactly with HINCRBY. The provider charges
 * with at most 8 decimals, so its amounts convert without loss; anything finer (a fleet estimate) is rounded
 * half-even to the nano-dollar.
 */
public final class Money {
    public static final int SCALE = 9;

    private Money() {
    }

    /** USD as nano-USD; null is 0. */
    public static long toNanos(BigDecimal usd) {
        if (usd == null) {
            return 0;
        }
        return usd.setScale(SCALE, RoundingMode.HALF_EVEN).unscaledValue().longValueExact();
    }

    /** Nano-USD as an exact decimal without trailing zeros and never in exponent notation (5 → 5, 0.0012300 → 0.00123). */
    public static BigDecimal toUsd(long nanos) {
        BigDecimal usd = BigDecimal.valueOf(nanos, SCALE).stripTrailingZeros();
        return usd.scale() < 0 ? usd.setScale(0) : usd;
    }

    /** A decimal string of nano-USD, or null for null. */
    public static String toUsdString(Long nanos) {
        return nanos == null ? null : toUsd(nanos).toPlainString();
    }

    /** {@code total / count} to the nano-dollar (half-even), or null when nothing was counted. */
    public static BigDecimal perRequest(long totalNanos, long count) {
        if (count <= 0) {
            return null;
        }
        BigDecimal usd = BigDecimal.valueOf(totalNanos, SCALE).divide(BigDecimal.valueOf(count), SCALE, RoundingMode.HALF_EVEN)
                .stripTrailingZeros();
        return usd.scale() < 0 ? usd.setScale(0) : usd;
    }
}
