package dev.llmfleet.common.billing;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;
import java.util.Map;

/**
 * An alert for operators (topic {@code billing.alerts}, key = alert id; also the webhook's body).
 *
 * @param kind    balance_low, balance_critical, balance_depleted, runway_low, runway_critical, cost_anomaly,
 *                unattributed_spend, topup_succeeded, topup_failed, recovered
 * @param figures the numbers behind it (balance, runway, burn rate, thresholds...), as decimal strings
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BillingAlertRaised(String schemaVersion, String alertId, String kind, BalanceLevel level, String message,
                                 Map<String, String> figures, Instant raisedAt) {
    public static final String SCHEMA_VERSION = "1.0";
}
