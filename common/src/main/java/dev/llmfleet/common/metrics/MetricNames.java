package dev.llmfleet.common.metrics;

/**
 * Every custom meter name and tag key, named once. Names are dotted without units; the Prometheus
 * registry adds the base unit and {@code _total} / {@code _seconds}. Tags are bounded: never an id.
 */
public final class MetricNames {
    /** Provider calls by outcome (ok, or an error code) → {@code fleet_provider_requests_total}. */
    public static final String PROVIDER_REQUESTS = "fleet.provider.requests";
    /** Latency of a whole completion as the caller sees it → {@code fleet_completion_latency_seconds}. */
    public static final String COMPLETION_LATENCY = "fleet.completion.latency";
    /** Tokens by direction (prompt, completion) → {@code fleet_tokens_total}. */
    public static final String TOKENS = "fleet.tokens";
    /** USD the provider charged → {@code fleet_provider_charged_usd_total}. */
    public static final String CHARGED = "fleet.provider.charged";
    /** Cache lookups by result (hit, miss, bypass) → {@code fleet_cache_requests_total}. */
    public static final String CACHE_REQUESTS = "fleet.cache.requests";
    /** USD the cache saved (the first call's charge, each reuse) → {@code fleet_cache_saved_usd_total}. */
    public static final String CACHE_SAVED = "fleet.cache.saved";
    /** Requests refused before any cost, by error code → {@code fleet_requests_rejected_total}. */
    public static final String REJECTED = "fleet.requests.rejected";
    /** Requests sent to a cheaper model than asked → {@code fleet_routing_rerouted_total}. */
    public static final String REROUTED = "fleet.routing.rerouted";

    /** Answer-store Redis commands that failed or timed out, by role and operation → {@code fleet_redis_unavailable_total}. */
    public static final String REDIS_UNAVAILABLE = "fleet.redis.unavailable";

    /** Usage events not yet acknowledged by Kafka, by stage (in_flight, outbox) → {@code fleet_usage_undelivered}. */
    public static final String USAGE_UNDELIVERED = "fleet.usage.undelivered";
    /** Usage events written to the state Redis outbox instead of Kafka, by reason → {@code fleet_usage_outboxed_total}. */
    public static final String USAGE_OUTBOXED = "fleet.usage.outboxed";
    /** Usage events moved from the outbox to Kafka → {@code fleet_usage_forwarded_total}. */
    public static final String USAGE_FORWARDED = "fleet.usage.forwarded";
    /** Usage events neither Kafka nor the outbox took (logged in full at ERROR; alert on any) → {@code fleet_usage_lost_total}. */
    public static final String USAGE_LOST = "fleet.usage.lost";

    /** 1 while a model's circuit breaker is open, 0 otherwise, by model → {@code fleet_provider_breaker_open}. */
    public static final String PROVIDER_BREAKER_OPEN = "fleet.provider.breaker.open";
    /** Extra provider calls asked of the fleet-wide retry budget, by model and outcome (allowed, denied) → {@code fleet_provider_retry_budget_total}. */
    public static final String PROVIDER_RETRY_BUDGET = "fleet.provider.retry.budget";

    /** Requests refused for a key's rate limit or monthly budget, by reason → {@code fleet_quota_refusals_total}. */
    public static final String QUOTA_REFUSALS = "fleet.quota.refusals";
    /** Quota reservations whose settlement Redis did not take (the hold then expires; its charge is missing from the month) → {@code fleet_quota_unsettled_total}. */
    public static final String QUOTA_UNSETTLED = "fleet.quota.unsettled";

    public static final String USD = "usd";

    /** The common tag on every series: the service that exports it ({@code quarkus.application.name}). */
    public static final String TAG_APPLICATION = "application";
    public static final String TAG_LANE = "lane";
    public static final String TAG_FEATURE = "feature";
    public static final String TAG_MODEL = "model";
    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_DIRECTION = "direction";
    public static final String TAG_RESULT = "result";
    public static final String TAG_CODE = "code";
    public static final String TAG_REASON = "reason";
    public static final String TAG_ROLE = "role";
    public static final String TAG_OPERATION = "operation";
    public static final String TAG_STAGE = "stage";

    private MetricNames() {
    }
}
