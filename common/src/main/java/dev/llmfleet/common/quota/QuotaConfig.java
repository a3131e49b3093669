package dev.llmfleet.common.quota;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How long the quota's reservations outlive a replica that died holding them (see docs/SECURITY.md, Limits and budgets). */
@ConfigMapping(prefix = "fleet.quota")
public interface QuotaConfig {
    /** A budget hold not settled within this is released by the next reservation; longer than any run of the pipeline. */
    @WithDefault("15m")
    Duration budgetHold();

    /** A concurrency slot not released within this is free again; longer than any provider call. */
    @WithDefault("10m")
    Duration slotLease();

    /** How long a month's budget figures stay in Redis after the month ended. */
    @WithDefault("P62D")
    Duration budgetRetention();
}
