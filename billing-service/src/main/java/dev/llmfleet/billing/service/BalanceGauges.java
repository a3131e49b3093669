package dev.llmfleet.billing.service;

import dev.llmfleet.billing.service.BalanceService.View;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import static dev.llmfleet.billing.metrics.BillingMetricNames.*;

/** The fuel gauge as metrics: each gauge reads the service's latest {@link View}. */
final class BalanceGauges {
    private BalanceGauges() {
    }

    /** Micrometer holds a gauge's object weakly: {@code service}, a bean, lives as long as the application. */
    static void register(MeterRegistry registry, BalanceService service) {
        Gauge.builder(BALANCE, service, s -> s.view().balanceUsd() == null ? Double.NaN : s.view().balanceUsd().doubleValue())
                .baseUnit(USD).description("Latest provider balance reading").register(registry);
        Gauge.builder(BURN_RATE, service, s -> s.view().burnRateUsdPerHour()).baseUnit(USD_PER_HOUR)
                .description("Spend per hour over the sliding window").register(registry);
        Gauge.builder(RUNWAY, service, s -> s.view().runwayHours() == null ? Double.NaN : s.view().runwayHours()).baseUnit(HOURS)
                .description("Hours until the balance reaches zero at the burn rate (NaN when nothing is spent)").register(registry);
        Gauge.builder(LEVEL, service, s -> s.view().level().ordinal())
                .description("Balance level: 0 OK, 1 LOW, 2 CRITICAL, 3 DEPLETED").register(registry);
        Gauge.builder(UNATTRIBUTED, service, s -> s.view().unattributedUsd().doubleValue()).baseUnit(USD)
                .description("Spend the provider's balance shows and the ledger cannot explain").register(registry);
        Gauge.builder(ESTIMATE_DRIFT, service, s -> s.view().estimateDriftUsd().doubleValue()).baseUnit(USD)
                .description("How much more the balance fell than the ledger said over the closed estimate windows (negative: estimates too high)")
                .register(registry);
        Gauge.builder(ESTIMATE_RECONCILED, service, s -> s.view().estimateReconciledUsd().doubleValue()).baseUnit(USD)
                .description("Estimated charges in the closed estimate windows").register(registry);
    }
}
