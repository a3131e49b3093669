package dev.llmfleet.billing.service;

import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.billing.messaging.BillingPublisher;
import dev.llmfleet.billing.service.BalanceService.View;
import dev.llmfleet.common.billing.BalanceStateChanged;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Publishes the balance state to {@code billing.state} when it changed meaningfully (the level, the async share by
 * 0.05, the balance by {@code state-min-balance-change} and $0.01) and otherwise every {@code state-heartbeat}. A
 * failed send is logged; the next heartbeat publishes again. Not thread-safe: {@link BalanceService} calls it under its lock.
 */
@ApplicationScoped
public class BalanceStatePublisher {
    private static final Logger LOG = Logger.getLogger(BalanceStatePublisher.class);
    private static final BigDecimal MIN_BALANCE_CHANGE_USD = new BigDecimal("0.01");

    private final BillingConfig config;
    private final BillingPublisher publisher;
    private BalanceStateChanged lastPublished;
    private long lastPublishedAtMs;

    public BalanceStatePublisher(BillingConfig config, BillingPublisher publisher) {
        this.config = config;
        this.publisher = publisher;
    }

    void publishIfDue(long now, View view) {
        BalanceStateChanged last = lastPublished;
        boolean due = last == null || last.level() != view.level() || Math.abs(last.asyncShare() - view.asyncShare()) >= 0.05
                || now - lastPublishedAtMs >= config.stateHeartbeat().toMillis() || moved(last.balanceUsd(), view.balanceUsd());
        if (!due) {
            return;
        }
        BigDecimal balance = view.balanceUsd();
        BalanceStateChanged state = new BalanceStateChanged(BalanceStateChanged.SCHEMA_VERSION,
                balance == null ? null : balance.toPlainString(), view.burnRateUsdPerHour(), view.runwayHours(), view.level(),
                view.asyncShare(), view.asOf(), Instant.ofEpochMilli(now));
        lastPublished = state;
        lastPublishedAtMs = now;
        publisher.state(state).subscribe().with(v -> {
        }, e -> LOG.warnf("balance state not published (the next heartbeat retries): %s", e.getMessage()));
    }

    private boolean moved(String last, BigDecimal balance) {
        if (last == null || balance == null) {
            return last != null || balance != null;
        }
        BigDecimal before = new BigDecimal(last);
        BigDecimal change = balance.subtract(before).abs();
        return change.compareTo(before.abs().multiply(BigDecimal.valueOf(config.stateMinBalanceChange()))) >= 0
                && change.compareTo(MIN_BALANCE_CHANGE_USD) >= 0;
    }
}
