package dev.llmfleet.common.quota;

import dev.llmfleet.common.redis.LuaScript;
import dev.llmfleet.common.redis.RedisTimeouts;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;

/**
 * A key's requests per minute and tokens per minute, fleet-wide, each one Lua script on the state Redis.
 * <p>
 * Semantics: GCRA (the generic cell rate algorithm), i.e. a token bucket of one minute's worth that refills continuously,
 * kept as a single timestamp per key: the moment the bucket is full again (TAT). A limit of N per minute admits a burst
 * of N at once, then one more every 60/N s; over any minute a key never gets more than N plus what refilled during it.
 * It is exact across replicas because the check and the update are one script and the clock is Redis' own
 * ({@code TIME}), never a replica's; and it costs one small string per key instead of a log of every request.
 * Retry-After is the time until the refused request would fit.
 * <p>
 * Tokens are taken up front as prompt tokens plus {@code max_tokens} ({@link #reserveTokens}) and corrected once the
 * provider said what it used ({@link TokenHold#settle}); a failed request gives them all back.
 */
@ApplicationScoped
public class RateLimiter {
    private static final String KEY_PREFIX = "fleet:quota:v1:";
    private static final long MINUTE_MS = Duration.ofMinutes(1).toMillis();
    /** KEYS[1] the TAT; ARGV period ms, limit, cost. Returns {1, 0} or {0, ms to wait}. */
    private static final LuaScript TAKE = LuaScript.load(RateLimiter.class, "redis-clock", "quota-rate-take");
    /** KEYS[1] the TAT; ARGV period ms, limit, units to add (negative: give back). */
    private static final LuaScript ADJUST = LuaScript.load(RateLimiter.class, "redis-clock", "quota-rate-adjust");

    private final ReactiveRedisDataSource redis;
    private final RedisTimeouts timeouts;
    private final QuotaRefusals refusals;

    public RateLimiter(ReactiveRedisDataSource redis, RedisTimeouts timeouts, QuotaRefusals refusals) {
        this.redis = redis;
        this.timeouts = timeouts;
        this.refusals = refusals;
    }

    /** Counts one request against the key's requests per minute; fails with 429 {@code rate_limit_exceeded} when over. */
    public Uni<Void> admitRequest(Quota quota) {
        return admitRequests(quota, 1);
    }

    /**
     * Counts {@code requests} at once against the key's requests per minute (a batch of jobs); 429 when they do not fit
     * now, without Retry-After when they never can (more than a minute's worth).
     */
    public Uni<Void> admitRequests(Quota quota, int requests) {
        Integer limit = quota.requestsPerMinute();
        if (limit == null) {
            return Uni.createFrom().voidItem();
        }
        if (requests > limit) {
            return Uni.createFrom().failure(refusals.tooManyRequests(quota.keyId(), limit, requests));
        }
        return take(KEY_PREFIX + "rpm:" + quota.keyId(), limit, requests).map(wait -> {
            if (wait != null) {
                throw refusals.rateLimited(QuotaRefusals.Reason.REQUESTS_PER_MINUTE, quota.keyId(), "requests per minute (" + limit + ")", wait);
            }
            return null;
        });
    }

    /** Takes {@code tokens} (prompt plus {@code max_tokens}) from the key's tokens per minute; 429 when they do not fit. */
    public Uni<TokenHold> reserveTokens(Quota quota, long tokens) {
        Integer limit = quota.tokensPerMinute();
        if (limit == null) {
            return Uni.createFrom().item(TokenHold.NONE);
        }
        if (tokens > limit) {
            return Uni.createFrom().failure(refusals.tooLarge(quota.keyId(), limit, tokens));
        }
        String key = KEY_PREFIX + "tpm:" + quota.keyId();
        return take(key, limit, tokens).map(wait -> {
            if (wait != null) {
                throw refusals.rateLimited(QuotaRefusals.Reason.TOKENS_PER_MINUTE, quota.keyId(), "tokens per minute (" + limit + ")", wait);
            }
            return new TokenHold(this, key, limit, tokens);
        });
    }

    /** Null when taken, else how long until {@code cost} would fit. */
    private Uni<Duration> take(String key, int limit, long cost) {
        return timeouts.state(TAKE.run(redis, List.of(key), List.of(Long.toString(MINUTE_MS), Integer.toString(limit), Long.toString(cost))))
                .map(reply -> reply.get(0).toInteger() == 1 ? null : Duration.ofMillis(reply.get(1).toLong()));
    }

    private Uni<Void> adjust(String key, int limit, long delta) {
        return timeouts.state(ADJUST.run(redis, List.of(key), List.of(Long.toString(MINUTE_MS), Integer.toString(limit), Long.toString(delta))))
                .replaceWithVoid();
    }

    /** Tokens taken for one request, until the provider says how many it used. */
    public static final class TokenHold {
        /** No tokens-per-minute limit: nothing to settle. */
        static final TokenHold NONE = new TokenHold(null, null, 0, 0);

        private final RateLimiter limiter;
        private final String key;
        private final int limit;
        private final long reserved;

        private TokenHold(RateLimiter limiter, String key, int limit, long reserved) {
            this.limiter = limiter;
            this.key = key;
            this.limit = limit;
            this.reserved = reserved;
        }

        /** Replaces the reservation by the tokens actually {@code used} (0 gives all back: the request failed). */
        public Uni<Void> settle(long used) {
            if (limiter == null || used == reserved) {
                return Uni.createFrom().voidItem();
            }
            return limiter.adjust(key, limit, used - reserved);
        }
    }
}
