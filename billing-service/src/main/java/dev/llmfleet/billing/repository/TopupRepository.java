package dev.llmfleet.billing.repository;

import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.common.redis.LuaScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;

/**
 * Top-up bookkeeping in Redis, shared by every billing instance: the amount reserved per UTC day against the daily
 * limit, a per-day sequence that names each top-up ({@code Idempotency-Key = fleet-topup-<day>-<seq>}), the top-up in
 * progress (kept until the provider gave a definite answer, so a retry or a restart resumes it with the same key
 * instead of starting another), the settle time after a success (no other top-up before it ends), the hold after a
 * refusal or the limit (no other top-up until the level is OK again) and the last result.
 */
@ApplicationScoped
public class TopupRepository {
    // KEYS: 1 pending, 2 day, 3 settling, 4 held; ARGV: 1 amount nanos, 2 limit nanos, 3 day, 4 day ttl s.
    // Returns {1, key, amount} for a new reservation, {2, key, amount} for one still pending, {3, ms left} while
    // settling, {4} while held, {0} over the limit (which holds).
    private static final LuaScript RESERVE = LuaScript.load(TopupRepository.class, "topup-reserve");

    // KEYS: 1 pending, 2 day of the reservation, 3 settling, 4 held; ARGV: 1 key, 2 refund nanos ('0' on success),
    // 3 settle ms. Returns 1 when this caller ended it (0: another instance did, or it was not pending).
    private static final LuaScript COMPLETE = LuaScript.load(TopupRepository.class, "topup-complete");

    private final ReactiveRedisDataSource redis;
    private final String ns;

    public TopupRepository(ReactiveRedisDataSource redis, BillingConfig config) {
        this.redis = redis;
        this.ns = config.redisNamespace();
    }

    /** A reserved top-up: its idempotency key and amount; {@code resumed} when it was already pending. */
    public record Reservation(String idempotencyKey, long amountNanos, String day, boolean resumed) {
    }

    /** What {@link #reserve} found: a reservation, or why none (then {@code settlingMs} is the settle time left). */
    public record Decision(Reservation reservation, boolean limitReached, boolean held, long settlingMs) {
    }

    /** Reserves a top-up within the day's limit, or resumes the pending one, unless settling or held. */
    public Uni<Decision> reserve(String day, long amountNanos, long limitNanos) {
        return RESERVE.run(redis, List.of(ns + "topup:pending", dayKey(day), ns + "topup:settling", ns + "topup:held"),
                        List.of(Long.toString(amountNanos), Long.toString(limitNanos), day, Long.toString(3 * 86_400)))
                .map(r -> switch (r.get(0).toInteger()) {
                    case 0 -> new Decision(null, true, true, 0);
                    case 3 -> new Decision(null, false, false, r.get(1).toLong());
                    case 4 -> new Decision(null, false, true, 0);
                    default -> {
                        String key = r.get(1).toString();
                        yield new Decision(new Reservation(key, Long.parseLong(r.get(2).toString()), dayOf(key, day), r.get(0).toLong() == 2),
                                false, false, 0);
                    }
                });
    }

    /**
     * Ends the pending top-up on a definite answer: a success starts the settle time, a refusal gives its amount back to
     * the day's limit and holds further top-ups until {@link #release}. True when this caller ended it.
     */
    public Uni<Boolean> complete(Reservation reservation, boolean succeeded, Duration settle) {
        return COMPLETE.run(redis, List.of(ns + "topup:pending", dayKey(reservation.day()), ns + "topup:settling", ns + "topup:held"),
                List.of(reservation.idempotencyKey(), succeeded ? "0" : Long.toString(reservation.amountNanos()),
                        Long.toString(Math.max(1, settle.toMillis())))).map(r -> r.toLong() == 1);
    }

    /** The level is OK again: a hold (refusal, limit) ends, so the next crossing may top up. */
    public Uni<Void> release() {
        return redis.key(String.class).del(ns + "topup:held").replaceWithVoid();
    }

    /** Nano-USD reserved today. */
    public Uni<Long> spent(String day) {
        return redis.hash(String.class).hget(dayKey(day), "spent").map(v -> v == null ? 0L : Long.parseLong(v));
    }

    public Uni<Void> saveLast(String json) {
        return redis.value(String.class).set(ns + "topup:last", json);
    }

    public Uni<String> last() {
        return redis.value(String.class).get(ns + "topup:last");
    }

    private String dayKey(String day) {
        return ns + "topup:day:" + day;
    }

    /** The day a key was reserved on (a pending top-up may date from yesterday). */
    private static String dayOf(String key, String fallback) {
        String prefix = "fleet-topup-";
        int last = key.lastIndexOf('-');
        return key.startsWith(prefix) && last > prefix.length() ? key.substring(prefix.length(), last) : fallback;
    }

    /** The top-up a previous run reserved and did not finish, or null. */
    public Uni<Reservation> pending() {
        return redis.hash(String.class).hgetall(ns + "topup:pending").map(map -> map.get("key") == null ? null
                : new Reservation(map.get("key"), Long.parseLong(map.get("amount")), map.get("day"), true));
    }
}
