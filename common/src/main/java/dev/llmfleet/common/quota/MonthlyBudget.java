package dev.llmfleet.common.quota;

import dev.llmfleet.common.pricing.PriceBook;
import dev.llmfleet.common.redis.LuaScript;
import dev.llmfleet.common.redis.RedisTimeouts;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * The monthly budgets of a key and of its tenant (UTC calendar months), enforced before the provider is called. A
 * request reserves its worst case against both at once, in one script: it is held only if, in each scope with a
 * budget, {@code spent + reserved + worst case <= budget}; otherwise it is refused (429 {@code insufficient_quota})
 * and nothing is charged. Its {@link BudgetHold} is settled with the provider's actual charge (what was not used goes
 * back) or released when nothing was charged. So, under any concurrency, {@code spent} exceeds a budget only by what
 * the provider charged beyond the worst cases it had been reserved for. A hold not settled within
 * {@code fleet.quota.budget-hold} (its replica died) is released by the next reservation of the scope.
 * <p>
 * Redis (state role): {@code fleet:quota:v1:budget:key:<key id>:<yyyy-MM>} and
 * {@code fleet:quota:v1:budget:tenant:<tenant>:<yyyy-MM>}, hashes of {@code spent}, {@code reserved} and
 * {@code hold:<id>}, each with a sorted set {@code …:holds} of hold deadlines; amounts in units of 1e-8 USD (the
 * price book's scale), exact up to $90 M a month. They expire {@code fleet.quota.budget-retention} after the month.
 * Spend is counted for scopes without a budget too, so a budget set mid-month applies to the month's real spend.
 */
@ApplicationScoped
public class MonthlyBudget {
    private static final String KEY_PREFIX = "fleet:quota:v1:budget:";
    private static final String CLOCK = "redis-clock";
    /** KEYS key hash, key holds, tenant hash, tenant holds; ARGV hold id, units, key budget, tenant budget ('' none), hold ms, expire-at s. */
    private static final LuaScript RESERVE = LuaScript.load(MonthlyBudget.class, CLOCK, "quota-budget-reserve");
    /** The same KEYS; ARGV hold id, charged units, expire-at s. */
    private static final LuaScript SETTLE = LuaScript.load(MonthlyBudget.class, "quota-budget-settle");

    private final ReactiveRedisDataSource redis;
    private final RedisTimeouts timeouts;
    private final QuotaRefusals refusals;
    private final Duration holdFor;
    private final Duration retention;

    public MonthlyBudget(ReactiveRedisDataSource redis, RedisTimeouts timeouts, QuotaRefusals refusals, QuotaConfig config) {
        this.redis = redis;
        this.timeouts = timeouts;
        this.refusals = refusals;
        this.holdFor = config.budgetHold();
        this.retention = config.budgetRetention();
    }

    /** What a scope has spent and holds in reservations this month. */
    public record Usage(BigDecimal spentUsd, BigDecimal reservedUsd) {
    }

    /**
     * Reserves {@code worstCaseUsd} against the key's and the tenant's budgets of this month; fails with 429
     * {@code insufficient_quota} when either has no room for it.
     */
    public Uni<BudgetHold> reserve(Quota quota, BigDecimal worstCaseUsd) {
        YearMonth month = YearMonth.now(ZoneOffset.UTC);
        List<String> keys = keys(quota, month);
        String id = UUID.randomUUID().toString();
        long units = units(worstCaseUsd, RoundingMode.CEILING);
        return timeouts.state(RESERVE.run(redis, keys, List.of(id, Long.toString(units), budgetUnits(quota.keyMonthlyBudgetUsd()),
                        budgetUnits(quota.tenantMonthlyBudgetUsd()), Long.toString(holdFor.toMillis()), Long.toString(expireAt(month)))))
                .map(reply -> {
                    int refusedBy = reply.get(0).toInteger();
                    if (refusedBy == 0) {
                        return new BudgetHold(this, keys, id, month);
                    }
                    BigDecimal committed = usd(reply.get(1).toLong() + reply.get(2).toLong());
                    throw refusedBy == 1
                            ? refusals.overBudget(QuotaRefusals.Reason.KEY_BUDGET, "key " + quota.keyId(), quota.keyMonthlyBudgetUsd(), committed, worstCaseUsd)
                            : refusals.overBudget(QuotaRefusals.Reason.TENANT_BUDGET, "tenant " + quota.tenant(), quota.tenantMonthlyBudgetUsd(), committed, worstCaseUsd);
                });
    }

    /** The key's spend and holds this month (holds past their deadline included until a reservation releases them). */
    public Uni<Usage> keyUsage(String keyId) {
        return usage(scope("key", keyId, YearMonth.now(ZoneOffset.UTC)));
    }

    /** The tenant's spend and holds this month, over all its keys. */
    public Uni<Usage> tenantUsage(String tenant) {
        return usage(scope("tenant", tenant, YearMonth.now(ZoneOffset.UTC)));
    }

    private Uni<Usage> usage(String hash) {
        return timeouts.state(redis.execute("HMGET", hash, "spent", "reserved"))
                .map(reply -> new Usage(usd(number(reply.get(0))), usd(number(reply.get(1)))));
    }

    private Uni<Void> settle(List<String> keys, String id, YearMonth month, BigDecimal chargedUsd) {
        long units = chargedUsd == null ? 0 : units(chargedUsd, RoundingMode.CEILING);
        return timeouts.state(SETTLE.run(redis, keys, List.of(id, Long.toString(units), Long.toString(expireAt(month))))).replaceWithVoid();
    }

    private static List<String> keys(Quota quota, YearMonth month) {
        String key = scope("key", quota.keyId(), month);
        String tenant = scope("tenant", quota.tenant(), month);
        return List.of(key, key + ":holds", tenant, tenant + ":holds");
    }

    /** The hash of one scope's month: {@code kind} is {@code key} or {@code tenant}. */
    private static String scope(String kind, String id, YearMonth month) {
        return KEY_PREFIX + kind + ":" + id + ":" + month;
    }

    /** When a month's keys expire: {@code retention} after its end. */
    private long expireAt(YearMonth month) {
        return month.plusMonths(1).atDay(1).atStartOfDay().toEpochSecond(ZoneOffset.UTC) + retention.toSeconds();
    }

    private static String budgetUnits(BigDecimal budgetUsd) {
        return budgetUsd == null ? "" : Long.toString(units(budgetUsd, RoundingMode.FLOOR));
    }

    private static long units(BigDecimal usd, RoundingMode rounding) {
        return usd.setScale(PriceBook.SCALE, rounding).unscaledValue().longValueExact();
    }

    private static BigDecimal usd(long units) {
        return BigDecimal.valueOf(units, PriceBook.SCALE);
    }

    private static long number(Response value) {
        return value == null ? 0 : value.toLong();
    }

    /** One request's reservation: settled once, with what the provider charged (zero or null: released). */
    public static final class BudgetHold {
        private final MonthlyBudget budget;
        private final List<String> keys;
        private final String id;
        private final YearMonth month;

        private BudgetHold(MonthlyBudget budget, List<String> keys, String id, YearMonth month) {
            this.budget = budget;
            this.keys = keys;
            this.id = id;
            this.month = month;
        }

        /** Ends the hold: {@code chargedUsd} goes to the month it was reserved in, the rest of the reservation back. */
        public Uni<Void> settle(BigDecimal chargedUsd) {
            return budget.settle(keys, id, month, chargedUsd);
        }
    }
}
