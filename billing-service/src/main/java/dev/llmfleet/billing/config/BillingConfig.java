package dev.llmfleet.billing.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

/** Billing's settings: where the ledger lives, the thresholds that set the level, alerts, anomaly detection and top-ups. */
@ConfigMapping(prefix = "fleet.billing")
public interface BillingConfig {

    /** Prefix of every Redis key billing writes (the ledger, balance, alerts, top-up state). */
    @WithDefault("fleet:ledger:v1:")
    String redisNamespace();

    /** How long an event id (to drop redeliveries) and a request id (counted once as a request) are remembered. */
    @WithDefault("7d")
    Duration dedupeTtl();

    /** Retention of the minute, hour and day buckets. */
    Retention retention();

    /** Balance at or below which the level is LOW. */
    @WithDefault("20")
    BigDecimal lowBalanceUsd();

    /** Balance at or below which the level is CRITICAL. */
    @WithDefault("5")
    BigDecimal criticalBalanceUsd();

    /** Runway (hours) below which the level is LOW. */
    @WithDefault("24")
    double lowRunwayHours();

    /** Runway (hours) below which the level is CRITICAL. */
    @WithDefault("4")
    double criticalRunwayHours();

    /** A breached threshold re-arms only once the value recovers above threshold × (1 + hysteresis). */
    @WithDefault("0.10")
    double hysteresis();

    /** Sliding window of the burn rate. */
    @WithDefault("15m")
    Duration burnWindow();

    /** Balance state is published on every meaningful change and at least this often. */
    @WithDefault("10s")
    Duration stateHeartbeat();

    /** Relative balance change that counts as meaningful for publishing the state. */
    @WithDefault("0.01")
    double stateMinBalanceChange();

    /** Unattributed spend up to this is noise (in-flight calls, rounding) and reported as 0. */
    @WithDefault("0.05")
    BigDecimal unattributedToleranceUsd();

    /**
     * While billing is more than this many records behind on {@code llm.usage} (a backlog after downtime), readings of
     * later events arrive before the charges of earlier ones, so a gap is not judged: the last judged figure stands. The
     * lag is the Kafka client's records-lag-max, a maximum over its sample window: judging resumes within about a minute.
     */
    @WithDefault("1000")
    long unattributedMaxLag();

    /**
     * A gap counts as unattributed spend once it has lasted this long: an answer charged before a top-up but reported
     * after it, or concurrent readings out of order, open a gap the next readings close.
     */
    @WithDefault("10s")
    Duration unattributedGrace();

    /** Another unattributed_spend alert is raised each time the gap grows by this much. */
    @WithDefault("0.50")
    BigDecimal unattributedAlertStepUsd();

    /** A balance reading this far above what the ledger expects is taken as credit added outside billing. */
    @WithDefault("1.00")
    BigDecimal externalCreditThresholdUsd();

    /** Alerts kept for {@code GET /v1/billing/alerts}. */
    @WithDefault("1000")
    int alertsKept();

    /** Rejected usage records kept (raw, truncated) for inspection. */
    @WithDefault("1000")
    int rejectedKept();

    /**
     * Optional webhook receiving every alert as JSON (POST); delivery is tuned under
     * {@code quarkus.fault-tolerance."dev.llmfleet.billing.client.WebhookClient/deliver"}.
     */
    Optional<String> alertWebhookUrl();

    /** Per-feature cost anomaly detection. */
    Anomaly anomaly();

    /** Automated top-up. */
    Topup topup();

    /** Bucket retention. */
    interface Retention {
        /** Minute buckets. */
        @WithDefault("48h")
        Duration minutes();

        /** Hour buckets. */
        @WithDefault("35d")
        Duration hours();

        /** Day buckets. */
        @WithDefault("400d")
        Duration days();
    }

    /** A feature's cost per request in the last window far above its baseline. */
    interface Anomaly {
        /** Whether the check runs. */
        @WithDefault("true")
        boolean enabled();

        /** Recent window compared against the baseline. */
        @WithDefault("5m")
        Duration window();

        /** Baseline: the span before the window. */
        @WithDefault("1h")
        Duration baseline();

        /** Alert when window cost per request > factor × baseline cost per request. */
        @WithDefault("3")
        double factor();

        /** Requests needed in the window and in the baseline before comparing. */
        @WithDefault("20")
        long minRequests();

        /** How often the check runs ({@code @Scheduled}: whole seconds, at least 1 s). */
        @WithDefault("60s")
        Duration checkInterval();
    }

    /**
     * Automated top-up; the timeout of one attempt and the backoff between attempts are tuned under
     * {@code quarkus.fault-tolerance."dev.llmfleet.billing.client.TopupClient/topup"}.
     */
    interface Topup {
        /** {@code alert-only} (never spends) or {@code auto} (tops up at LOW or worse, within the daily limit). */
        @WithDefault("alert-only")
        String mode();

        /** The provider's top-up endpoint. */
        String url();

        /** Bearer key for the top-up endpoint; never logged. */
        Optional<String> apiKey();

        /** Amount of one top-up. */
        @WithDefault("50")
        BigDecimal amountUsd();

        /** Most billing tops up per UTC day. */
        @WithDefault("200")
        BigDecimal dailyLimitUsd();

        /**
         * After a top-up, no other for this long: calls charged before the top-up but answered after it report the old
         * balance, and must not look like a balance still LOW. A balance truly LOW after this gets the next top-up.
         */
        @WithDefault("15s")
        Duration settle();

        default boolean auto() {
            return "auto".equalsIgnoreCase(mode());
        }
    }
}
