package dev.llmfleet.billing.repository;

import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.common.redis.LuaScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;

/**
 * Alert state in Redis, shared by every billing instance and surviving restarts: the recent alerts (a capped
 * list, newest first), which alarms have fired (so one crossing alerts once, whoever sees it), the unattributed
 * spend already alerted, the anomaly windows already alerted, the last level, and rejected usage records.
 */
@ApplicationScoped
public class AlertRepository {
    // KEYS: 1 alarms; ARGV: 1 field. Returns 1 when this caller fired it.
    private static final LuaScript FIRE = LuaScript.load(AlertRepository.class, "alarm-fire");

    // KEYS: 1 recon; ARGV: 1 unattributed nanos, 2 tolerance, 3 step. Returns 1 when the gap grew by a step since the last alert.
    private static final LuaScript UNATTRIBUTED_STEP = LuaScript.load(AlertRepository.class, "unattributed-step");

    private final ReactiveRedisDataSource redis;
    private final BillingConfig config;
    private final String ns;

    public AlertRepository(ReactiveRedisDataSource redis, BillingConfig config) {
        this.redis = redis;
        this.config = config;
        this.ns = config.redisNamespace();
    }

    /** Keeps an alert (JSON) at the head of the capped list. */
    public Uni<Void> push(String alertJson) {
        return redis.list(String.class).lpush(ns + "alerts", alertJson)
                .chain(() -> redis.list(String.class).ltrim(ns + "alerts", 0, config.alertsKept() - 1));
    }

    /** The newest {@code limit} alerts, newest first. */
    public Uni<List<String>> recent(int limit) {
        return redis.list(String.class).lrange(ns + "alerts", 0, limit - 1L);
    }

    /** Marks an alarm fired; true only for the caller that fired it (another instance may have). */
    public Uni<Boolean> fire(String alarm) {
        return FIRE.run(redis, List.of(ns + "alarms"), List.of(alarm)).map(r -> r.toLong() == 1);
    }

    /** Re-arms an alarm. */
    public Uni<Void> rearm(String alarm) {
        return redis.hash(String.class).hdel(ns + "alarms", alarm).replaceWithVoid();
    }

    /** The alarms fired and not re-armed. */
    public Uni<List<String>> fired() {
        return redis.hash(String.class).hgetall(ns + "alarms").map(map -> List.copyOf(map.keySet()));
    }

    /** True when unattributed spend grew past the tolerance, or by another step since the last alert. */
    public Uni<Boolean> unattributedStep(long unattributedNanos, long toleranceNanos, long stepNanos) {
        return UNATTRIBUTED_STEP.run(redis, List.of(ns + "recon"),
                List.of(Long.toString(unattributedNanos), Long.toString(toleranceNanos), Long.toString(stepNanos))).map(r -> r.toLong() == 1);
    }

    /**
     * True when no cost anomaly alert of this feature was claimed within the last {@code quiet}: the claim expires
     * after it, so a lasting anomaly alerts once per that span wherever a wall-clock window boundary falls.
     */
    public Uni<Boolean> claimAnomaly(String feature, Duration quiet) {
        return redis.execute("SET", ns + "anomaly:" + feature, "1", "NX", "PX", Long.toString(quiet.toMillis()))
                .map(r -> r != null && "OK".equalsIgnoreCase(r.toString()));
    }

    public Uni<String> level() {
        return redis.value(String.class).get(ns + "level");
    }

    public Uni<Void> saveLevel(String level) {
        return redis.value(String.class).set(ns + "level", level);
    }

    /** Keeps a rejected usage record (truncated) with the reason, newest first, capped. */
    public Uni<Void> rejected(String reason, String raw) {
        String value = reason + " " + (raw == null ? "null" : raw.length() > 4000 ? raw.substring(0, 4000) : raw);
        return redis.list(String.class).lpush(ns + "rejected", value)
                .chain(() -> redis.list(String.class).ltrim(ns + "rejected", 0, config.rejectedKept() - 1));
    }
}
