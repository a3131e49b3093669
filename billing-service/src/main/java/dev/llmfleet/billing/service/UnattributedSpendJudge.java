package dev.llmfleet.billing.service;

import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.billing.repository.AlertRepository;
import dev.llmfleet.common.billing.BalanceLevel;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Judges the reconciliation gap ({@link Reconciliation}): a gap above the tolerance counts as unattributed spend once it
 * has lasted the grace time, and only while billing is caught up on {@code llm.usage} (while it drains a backlog, later
 * readings arrive before earlier charges); otherwise the last judged figure stands. Raises {@code unattributed_spend}
 * when the figure first exceeds the tolerance and again per step of growth (claimed in Redis). Not thread-safe:
 * {@link BalanceService} calls {@link #judge} under its lock.
 */
@ApplicationScoped
public class UnattributedSpendJudge {
    private static final Logger LOG = Logger.getLogger(UnattributedSpendJudge.class);

    private final BillingConfig config;
    private final AlertRepository alarms;
    private final AlertService alerts;
    private final MeterRegistry registry;
    /** Billing's records-lag-max on llm.usage, read every tick (not per event: finding a meter scans the registry). */
    private volatile double usageLagRecords;
    private long alertedNanos = -1;
    private long judgedNanos;
    private long gapSinceMs = -1;

    public UnattributedSpendJudge(BillingConfig config, AlertRepository alarms, AlertService alerts, MeterRegistry registry) {
        this.config = config;
        this.alarms = alarms;
        this.alerts = alerts;
        this.registry = registry;
    }

    /** Reads how far behind billing's consumers are on {@code llm.usage}: the Kafka client's records-lag-max, bound by Quarkus. */
    void refreshUsageLag() {
        usageLagRecords = registry.find("kafka.consumer.fetch.manager.records.lag.max").gauges().stream()
                .mapToDouble(Gauge::value).filter(Double::isFinite).max().orElse(0);
    }

    /** The unattributed spend in nano-USD given the gap now (null before the first reading); {@code figures} made only for an alert. */
    long judge(Long gapNanos, long now, BalanceLevel level, Supplier<Map<String, String>> figures) {
        long toleranceNanos = Money.toNanos(config.unattributedToleranceUsd());
        if (gapNanos == null) {
            judgedNanos = 0;
            gapSinceMs = -1;
        } else if (usageLagRecords <= config.unattributedMaxLag()) {
            long open = Reconciliation.unattributedNanos(gapNanos, toleranceNanos);
            if (open == 0) {
                judgedNanos = 0;
                gapSinceMs = -1;
            } else {
                gapSinceMs = gapSinceMs < 0 ? now : gapSinceMs;
                if (now - gapSinceMs >= config.unattributedGrace().toMillis()) {
                    judgedNanos = open;
                    alertIfGrown(open, toleranceNanos, level, figures);
                }
            }
        }
        return judgedNanos;
    }

    /** One unattributed_spend alert when the gap first exceeds the tolerance, then one per further step of growth. */
    private void alertIfGrown(long unattributed, long toleranceNanos, BalanceLevel level, Supplier<Map<String, String>> figures) {
        long step = Money.toNanos(config.unattributedAlertStepUsd());
        if (unattributed <= 0 || (alertedNanos >= 0 && unattributed < alertedNanos + step)) {
            return;
        }
        alertedNanos = unattributed;
        Map<String, String> withGap = new LinkedHashMap<>(figures.get());
        withGap.put("unattributed_usd", Money.toUsd(unattributed).toPlainString());
        alarms.unattributedStep(unattributed, toleranceNanos, step)
                .chain(due -> due ? alerts.raise("unattributed_spend", level, "The provider's balance fell $"
                        + withGap.get("unattributed_usd") + " more than the ledger's charges explain (calls charged but never recorded)",
                        withGap).replaceWithVoid() : Uni.createFrom().voidItem())
                .subscribe().with(v -> {
                }, e -> LOG.errorf("unattributed alert failed: %s", e.getMessage()));
    }
}
