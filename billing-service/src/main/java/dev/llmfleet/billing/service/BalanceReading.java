package dev.llmfleet.billing.service;

import dev.llmfleet.billing.repository.LedgerRepository.Snapshot;
import dev.llmfleet.billing.service.LevelPolicy.Inputs;
import dev.llmfleet.common.billing.BalanceLevel;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one evaluation judges from: the latest balance (null before the first reading), the burn rate, the runway (null
 * when nothing is being spent), whether the balance is depleted (≤ 0, or a 402 newer than the latest reading) and the
 * event time of what told it.
 */
record BalanceReading(BigDecimal balance, double burn, Double runway, boolean depleted, Instant asOf) {

    static BalanceReading of(Snapshot snapshot, double burnUsdPerHour) {
        BigDecimal balance = snapshot.balanceNanos() == null ? null : Money.toUsd(snapshot.balanceNanos());
        Long depletedAt = snapshot.depletedAtMs();
        Long balanceAt = snapshot.balanceAtMs();
        boolean depleted = (balance != null && balance.signum() <= 0)
                || (depletedAt != null && (balanceAt == null || depletedAt >= balanceAt));
        Long asOf = balanceAt != null ? balanceAt : depletedAt;
        return new BalanceReading(balance, burnUsdPerHour, BurnRate.runwayHours(balance, burnUsdPerHour), depleted,
                asOf == null ? null : Instant.ofEpochMilli(asOf));
    }

    /** Something is known: a balance reading or a 402. */
    boolean known() {
        return balance != null || depleted;
    }

    Inputs inputs() {
        return new Inputs(balance, runway, depleted);
    }

    /** The figures every balance alert carries. */
    Map<String, String> figures(BalanceLevel level) {
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("balance_usd", balance == null ? "unknown" : balance.toPlainString());
        figures.put("burn_rate_usd_per_hour", String.format(Locale.ROOT, "%.6f", burn));
        figures.put("runway_hours", runway == null ? "unbounded" : String.format(Locale.ROOT, "%.2f", runway));
        figures.put("level", level.name());
        return figures;
    }
}
