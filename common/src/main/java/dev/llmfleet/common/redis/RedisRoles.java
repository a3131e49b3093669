package dev.llmfleet.common.redis;

/**
 * The fleet's two Redis connections. The default Quarkus Redis client ({@code REDIS_URL}) is the
 * <b>state</b> role: job records, the ledger, idempotency replays, limits; it must never evict. The
 * client named {@link #CACHE} ({@code REDIS_CACHE_URL}, defaulting to {@code REDIS_URL}) holds only the
 * answer cache, which may evict. Inject the cache role with {@code @RedisClientName(RedisRoles.CACHE)}.
 */
public final class RedisRoles {
    /** The Quarkus Redis client name of the cache role ({@code quarkus.redis.cache.*}). */
    public static final String CACHE = "cache";
    /** The only eviction policy the state role may have. */
    public static final String NOEVICTION = "noeviction";

    private RedisRoles() {
    }
}
