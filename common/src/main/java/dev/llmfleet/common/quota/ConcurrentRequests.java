package dev.llmfleet.common.quota;

import dev.llmfleet.common.redis.LuaScript;
import dev.llmfleet.common.redis.RedisTimeouts;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A key's provider calls in flight, fleet-wide: a sorted set of slots on the state Redis, each scored by the end of its
 * lease ({@code fleet.quota.slot-lease}) on Redis' clock. Taking a slot is one script (drop the ended leases, count,
 * add); giving it back is one {@code ZREM}. A replica that dies holding slots loses them when their leases end.
 */
@ApplicationScoped
public class ConcurrentRequests {
    private static final String KEY_PREFIX = "fleet:quota:v1:concurrent:";
    /** When a slot frees is unknown (whenever a call ends): a refused caller is told to try again in a second. */
    private static final Duration RETRY = Duration.ofSeconds(1);
    /** KEYS[1] the slots; ARGV slot id, limit, lease ms. Returns 1 or 0. */
    private static final LuaScript ACQUIRE = LuaScript.load(ConcurrentRequests.class, "redis-clock", "quota-slot-acquire");

    private final ReactiveRedisDataSource redis;
    private final RedisTimeouts timeouts;
    private final QuotaRefusals refusals;
    private final Duration lease;

    public ConcurrentRequests(ReactiveRedisDataSource redis, RedisTimeouts timeouts, QuotaRefusals refusals, QuotaConfig config) {
        this.redis = redis;
        this.timeouts = timeouts;
        this.refusals = refusals;
        this.lease = config.slotLease();
    }

    /** Takes one of the key's slots; fails with 429 {@code rate_limit_exceeded} (Retry-After 1) when all are held. */
    public Uni<Slot> acquire(Quota quota) {
        Integer limit = quota.maxConcurrent();
        if (limit == null) {
            return Uni.createFrom().item(Slot.NONE);
        }
        String key = KEY_PREFIX + quota.keyId();
        String id = UUID.randomUUID().toString();
        return timeouts.state(ACQUIRE.run(redis, List.of(key), List.of(id, Integer.toString(limit), Long.toString(lease.toMillis()))))
                .map(reply -> {
                    if (reply.toInteger() != 1) {
                        throw refusals.rateLimited(QuotaRefusals.Reason.CONCURRENT_REQUESTS, quota.keyId(), "concurrent requests (" + limit + ")", RETRY);
                    }
                    return new Slot(this, key, id);
                });
    }

    private Uni<Void> release(String key, String id) {
        return timeouts.state(redis.execute("ZREM", key, id)).replaceWithVoid();
    }

    /** One held slot. */
    public static final class Slot {
        /** No concurrency limit: nothing held. */
        static final Slot NONE = new Slot(null, null, null);

        private final ConcurrentRequests owner;
        private final String key;
        private final String id;

        private Slot(ConcurrentRequests owner, String key, String id) {
            this.owner = owner;
            this.key = key;
            this.id = id;
        }

        public Uni<Void> release() {
            return owner == null ? Uni.createFrom().voidItem() : owner.release(key, id);
        }
    }
}
