package dev.llmfleet.common.billing;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * The balance as billing sees it (topic {@code billing.state}, compacted, fixed key {@link #KEY}); the worker
 * obeys the latest one (intake does not read it: the interactive lane meets a depleted balance as the provider's 402).
 *
 * @param balanceUsd            the provider's latest balance reading (by event time), decimal string
 * @param burnRateUsdPerHour    spend over the sliding window, per hour
 * @param runwayHours           hours to zero at that rate; null when nothing is being spent
 * @param asyncShare            share of its normal pace the async lane may use now: 1 at OK, less at LOW, 0 when paused
 * @param asOf                  event time of the balance reading
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BalanceStateChanged(String schemaVersion, String balanceUsd, double burnRateUsdPerHour, Double runwayHours,
                                  BalanceLevel level, double asyncShare, Instant asOf, Instant publishedAt) {
    public static final String SCHEMA_VERSION = "1.0";
    public static final String KEY = "balance";
}
