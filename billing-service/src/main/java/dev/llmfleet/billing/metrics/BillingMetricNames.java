package dev.llmfleet.billing.metrics;

/**
 * Billing's custom meters, named once (dotted, no units: the Prometheus registry adds the base unit and
 * {@code _total}). Tags stay bounded: kind, level, source here, and common's lane, feature, model, outcome and reason ({@code MetricNames}).
 */
public final class BillingMetricNames {
    /** Latest provider balance reading → {@code fleet_billing_balance_usd}. */
    public static final String BALANCE = "fleet.billing.balance";
    /** Spend per hour over the sliding window → {@code fleet_billing_burn_rate_usd_per_hour}. */
    public static final String BURN_RATE = "fleet.billing.burn.rate";
    /** Hours to zero at the burn rate (NaN when nothing is spent) → {@code fleet_billing_runway_hours}. */
    public static final String RUNWAY = "fleet.billing.runway";
    /** Balance level 0 OK, 1 LOW, 2 CRITICAL, 3 DEPLETED → {@code fleet_billing_level}. */
    public static final String LEVEL = "fleet.billing.level";
    /** Charged USD recorded in the ledger by lane, feature, model → {@code fleet_billing_spend_usd_total}. */
    public static final String SPEND = "fleet.billing.spend";
    /**
     * Charged USD recorded in the ledger by charge source (header, trailer, event, estimated; unknown, other)
     * → {@code fleet_billing_spend_by_source_usd_total}.
     */
    public static final String SPEND_BY_SOURCE = "fleet.billing.spend.by.source";
    /**
     * Estimate drift: over every closed estimate window, how much more the provider's balance fell than the ledger's
     * charges in it said (negative: the estimates were too high) → {@code fleet_billing_estimate_drift_usd}.
     */
    public static final String ESTIMATE_DRIFT = "fleet.billing.estimate.drift";
    /** Estimated charges in the closed estimate windows (what the drift is measured against) → {@code fleet_billing_estimate_reconciled_usd}. */
    public static final String ESTIMATE_RECONCILED = "fleet.billing.estimate.reconciled";
    /** Spend the provider's balance shows and the ledger does not → {@code fleet_billing_unattributed_usd}. */
    public static final String UNATTRIBUTED = "fleet.billing.unattributed";
    /** Alerts raised by kind and level → {@code fleet_billing_alerts_total}. */
    public static final String ALERTS = "fleet.billing.alerts";
    /** Usage events recorded in the ledger (first delivery) → {@code fleet_billing_events_ingested_total}. */
    public static final String EVENTS_INGESTED = "fleet.billing.events.ingested";
    /** Redelivered usage events dropped (event id already recorded) → {@code fleet_billing_events_duplicate_total}. */
    public static final String EVENTS_DUPLICATE = "fleet.billing.events.duplicate";
    /** Usage records refused (unparseable, unknown major version, invalid) → {@code fleet_billing_events_rejected_total}. */
    public static final String EVENTS_REJECTED = "fleet.billing.events.rejected";
    /** Top-up outcomes (succeeded, failed, limit_reached; unknown per attempt without a definite answer) → {@code fleet_billing_topups_total}. */
    public static final String TOPUPS = "fleet.billing.topups";
    /** USD topped up by billing → {@code fleet_billing_topped_up_usd_total}. */
    public static final String TOPPED_UP = "fleet.billing.topped.up";
    /** Alert webhook deliveries by outcome → {@code fleet_billing_webhook_deliveries_total}. */
    public static final String WEBHOOK_DELIVERIES = "fleet.billing.webhook.deliveries";

    public static final String USD = "usd";
    public static final String USD_PER_HOUR = "usd.per.hour";
    public static final String HOURS = "hours";

    public static final String TAG_KIND = "kind";
    public static final String TAG_LEVEL = "level";
    public static final String TAG_SOURCE = "source";

    private BillingMetricNames() {
    }
}
