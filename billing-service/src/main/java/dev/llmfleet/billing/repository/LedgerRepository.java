package dev.llmfleet.billing.repository;

import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.billing.service.Money;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ledger in Redis. One Lua script records a usage event atomically: the once-per-event guard
 * ({@code SET NX seen:<event_id>}), the once-per-request count ({@code SET NX req:<request_id>}: a request's first
 * event counts it, its later attempts add only their charge), the minute/hour/day buckets by feature × model × lane × tenant, the overall
 * totals, the per-minute spend the burn rate reads, the latest balance reading by event time and the
 * reconciliation sums. A crash can therefore neither lose nor double-count an event: either all of it is in
 * Redis (and a redelivery is dropped), or none of it is (and the redelivery records it).
 * Money is integer nano-USD summed with HINCRBY.
 */
@ApplicationScoped
public class LedgerRepository {
    private static final Logger LOG = Logger.getLogger(LedgerRepository.class);
    /** Separates the parts of a bucket field: feature, model, lane, tenant, metric. */
    public static final char SEP = '\u001f';
    /** Bucket metric of the charges of one source: {@code s:<charge source>}. */
    static final String SOURCE_PREFIX = "s:";

    /** Balance update shared by the scripts: newest reading by event time wins (on a tie, the lower one). */
    private static final String UPDATE_BALANCE = """
            local function update_balance(bal, recon, reading_s, at_s, rid, external_threshold)
              local reading = tonumber(reading_s)
              local occurred = tonumber(at_s)
              if not redis.call('HGET', recon, 'anchor_at') then
                redis.call('HSET', recon, 'anchor', reading_s, 'anchor_at', at_s, 'charges', '0', 'credits', '0')
              end
              local cur_at = tonumber(redis.call('HGET', bal, 'at') or '-1')
              local cur = tonumber(redis.call('HGET', bal, 'nanos') or '0')
              if occurred > cur_at or (occurred == cur_at and reading < cur) then
                if external_threshold then
                  local r = redis.call('HMGET', recon, 'anchor', 'charges', 'credits')
                  local expected = tonumber(r[1]) - tonumber(r[2]) + tonumber(r[3])
                  local gap_before = 0
                  if cur_at >= 0 then gap_before = math.max(0, expected - cur) end
                  if reading - expected > tonumber(external_threshold) then
                    redis.call('HINCRBY', recon, 'credits', string.format('%d', reading - expected + gap_before))
                  end
                end
                redis.call('HSET', bal, 'nanos', reading_s, 'at', at_s, 'rid', rid)
                local w = redis.call('HMGET', recon, 'est_at', 'est_mark', 'est_nanos')
                if w[1] and occurred > tonumber(w[1]) then
                  local r = redis.call('HMGET', recon, 'anchor', 'charges', 'credits')
                  local gap = tonumber(r[1]) - tonumber(r[2]) + tonumber(r[3]) - reading
                  redis.call('HINCRBY', recon, 'drift', string.format('%d', gap - tonumber(w[2])))
                  redis.call('HINCRBY', recon, 'drift_est', w[3])
                  redis.call('HDEL', recon, 'est_at', 'est_mark', 'est_nanos')
                end
              end
            end
            local function snapshot(bal, recon, depleted)
              local b = redis.call('HMGET', bal, 'nanos', 'at')
              local c = redis.call('HMGET', recon, 'anchor', 'charges', 'credits', 'drift', 'drift_est')
              local d = redis.call('GET', depleted)
              return {1, b[1] or '', b[2] or '', c[1] or '', c[2] or '', c[3] or '', d or '', c[4] or '', c[5] or ''}
            end
            """;

    // KEYS: 1 seen, 2 agg:m, 3 agg:h, 4 agg:d, 5 totals, 6 spend:m, 7 balance, 8 recon, 9 depleted_at, 10 req
    // ARGV: 1 seen ttl s, 2 group, 3 prompt, 4 completion, 5 charged, 6 hit, 7 saved, 8-10 ttl m/h/d s,
    //       11 occurred ms, 12 balance nanos or '', 13 request id, 14 depleted 0/1, 15 external credit threshold,
    //       16 charge source
    // An estimated charge after the anchor opens an estimate window (unless one is open): est_mark is the gap before
    // it, est_at the newest estimated event time, est_nanos the estimates in it. The first newer reading closes it:
    // drift += gap now - est_mark (how much more the balance fell than the ledger said), drift_est += est_nanos.
    private static final LuaScript RECORD = new LuaScript(UPDATE_BALANCE + """
            if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
              return {0}
            end
            local req = '0'
            if redis.call('SET', KEYS[10], '1', 'NX', 'EX', ARGV[1]) then req = '1' end
            local metrics = {{'req', req}, {'pt', ARGV[3]}, {'ct', ARGV[4]}, {'chg', ARGV[5]}, {'hit', ARGV[6]}, {'sav', ARGV[7]},
                             {'s:' .. ARGV[16], ARGV[5]}}
            local buckets = {KEYS[2], KEYS[3], KEYS[4]}
            for i, key in ipairs(buckets) do
              for _, m in ipairs(metrics) do
                if m[2] ~= '0' then redis.call('HINCRBY', key, ARGV[2] .. '\\31' .. m[1], m[2]) end
              end
              redis.call('EXPIRE', key, ARGV[7 + i])
            end
            for _, m in ipairs(metrics) do
              if m[2] ~= '0' then redis.call('HINCRBY', KEYS[5], m[1], m[2]) end
            end
            if req ~= '0' then redis.call('HINCRBY', KEYS[6], 'req', req) end
            if ARGV[5] ~= '0' then redis.call('HINCRBY', KEYS[6], 'chg', ARGV[5]) end
            redis.call('EXPIRE', KEYS[6], ARGV[8])
            local occurred = tonumber(ARGV[11])
            local anchor_at = redis.call('HGET', KEYS[8], 'anchor_at')
            if anchor_at and occurred > tonumber(anchor_at) and ARGV[5] ~= '0' then
              if ARGV[16] == 'estimated' then
                local w = redis.call('HMGET', KEYS[8], 'est_at', 'anchor', 'charges', 'credits')
                if not w[1] then
                  local latest = tonumber(redis.call('HGET', KEYS[7], 'nanos'))
                  local mark = tonumber(w[2]) - tonumber(w[3]) + tonumber(w[4]) - latest
                  redis.call('HSET', KEYS[8], 'est_at', ARGV[11], 'est_mark', string.format('%d', mark), 'est_nanos', '0')
                elseif occurred > tonumber(w[1]) then
                  redis.call('HSET', KEYS[8], 'est_at', ARGV[11])
                end
                redis.call('HINCRBY', KEYS[8], 'est_nanos', ARGV[5])
              end
              redis.call('HINCRBY', KEYS[8], 'charges', ARGV[5])
            end
            if ARGV[12] ~= '' then
              update_balance(KEYS[7], KEYS[8], ARGV[12], ARGV[11], ARGV[13], ARGV[15])
            end
            if ARGV[14] == '1' then
              local d = tonumber(redis.call('GET', KEYS[9]) or '-1')
              if occurred > d then redis.call('SET', KEYS[9], ARGV[11]) end
            end
            return snapshot(KEYS[7], KEYS[8], KEYS[9])
            """);

    // KEYS: 1 balance, 2 recon, 3 depleted_at; ARGV: 1 amount nanos, 2 balance nanos, 3 at ms, 4 reference
    private static final LuaScript CREDIT = new LuaScript(UPDATE_BALANCE + """
            if redis.call('HGET', KEYS[2], 'anchor_at') then
              redis.call('HINCRBY', KEYS[2], 'credits', ARGV[1])
            end
            update_balance(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[4], nil)
            return snapshot(KEYS[1], KEYS[2], KEYS[3])
            """);

    private static final LuaScript SNAPSHOT = new LuaScript(UPDATE_BALANCE + "return snapshot(KEYS[1], KEYS[2], KEYS[3])");

    private final ReactiveRedisDataSource redis;
    private final BillingConfig config;
    private final String ns;

    public LedgerRepository(ReactiveRedisDataSource redis, BillingConfig config) {
        this.redis = redis;
        this.config = config;
        this.ns = config.redisNamespace();
    }

    /** Bucket resolutions and their key parts. */
    public enum Resolution {
        MINUTE("m", 60_000L), HOUR("h", 3_600_000L), DAY("d", 86_400_000L);

        public final String code;
        public final long millis;

        Resolution(String code, long millis) {
            this.code = code;
            this.millis = millis;
        }

        public long bucket(long epochMillis) {
            return Math.floorDiv(epochMillis, millis);
        }
    }

    /**
     * One usage event as the ledger records it (money in nano-USD, time in epoch ms): {@code eventId} is recorded once,
     * {@code requestId} counted once as a request.
     */
    public record Entry(String eventId, String requestId, String feature, String model, String lane, String tenant, long promptTokens,
                        long completionTokens, long chargedNanos, String chargeSource, boolean cacheHit, long savedNanos,
                        long occurredAtMs, Long balanceNanos, boolean depleted) {
    }

    /**
     * The balance and reconciliation state after an operation; null fields are unknown yet. {@code driftNanos} is the
     * estimate drift summed over closed estimate windows, {@code driftEstimatedNanos} the estimated charges in them.
     */
    public record Snapshot(Long balanceNanos, Long balanceAtMs, Long anchorNanos, Long chargesNanos, Long creditsNanos,
                           Long depletedAtMs, Long driftNanos, Long driftEstimatedNanos) {
        public static final Snapshot EMPTY = new Snapshot(null, null, null, null, null, null, null, null);

        /** Signed gap (see Reconciliation), or null before the first reading. */
        public Long gapNanos() {
            if (balanceNanos == null || anchorNanos == null) {
                return null;
            }
            return anchorNanos - nz(chargesNanos) + nz(creditsNanos) - balanceNanos;
        }

        private static long nz(Long v) {
            return v == null ? 0 : v;
        }
    }

    /** The outcome of recording: whether it was new, and the state after it (null for a duplicate). */
    public record Recorded(boolean isNew, Snapshot snapshot) {
    }

    /** Who a bucket field belongs to. */
    public record GroupKey(String feature, String model, String lane, String tenant) {
    }

    /** Sums of one group (money in nano-USD). */
    public static final class Counters {
        public long requests;
        public long promptTokens;
        public long completionTokens;
        public long chargedNanos;
        public long cacheHits;
        public long savedNanos;
        /** Charged nano-USD by charge source (header, trailer, event, estimated, ...), only sources with a charge. */
        public final Map<String, Long> chargedBySource = new TreeMap<>();

        public void add(String metric, long value) {
            switch (metric) {
                case "req" -> requests += value;
                case "pt" -> promptTokens += value;
                case "ct" -> completionTokens += value;
                case "chg" -> chargedNanos += value;
                case "hit" -> cacheHits += value;
                case "sav" -> savedNanos += value;
                default -> {
                    if (metric.startsWith(SOURCE_PREFIX)) {
                        chargedBySource.merge(metric.substring(SOURCE_PREFIX.length()), value, Long::sum);
                    }
                    // any other metric a newer version added is ignored by this one
                }
            }
        }

        public void add(Counters other) {
            requests += other.requests;
            promptTokens += other.promptTokens;
            completionTokens += other.completionTokens;
            chargedNanos += other.chargedNanos;
            cacheHits += other.cacheHits;
            savedNanos += other.savedNanos;
            other.chargedBySource.forEach((source, nanos) -> chargedBySource.merge(source, nanos, Long::sum));
        }
    }

    /**
     * Records one event. A failed write (Redis down) is logged and retried until Redis answers, 100 ms doubling to 10 s:
     * the script is atomic and idempotent per event id, so a retry neither loses nor doubles it. Tuned (times in ms) by
     * {@code quarkus.fault-tolerance."dev.llmfleet.billing.repository.LedgerRepository/record".*}.
     */
    @Retry(maxRetries = -1, maxDuration = 0, delay = 100, jitter = 50)
    @ExponentialBackoff(maxDelay = 10_000)
    public Uni<Recorded> record(Entry e) {
        long t = e.occurredAtMs();
        String group = part(e.feature()) + SEP + part(e.model()) + SEP + part(e.lane()) + SEP + part(e.tenant());
        List<String> keys = List.of(ns + "seen:" + e.eventId(),
                bucketKey(Resolution.MINUTE, Resolution.MINUTE.bucket(t)),
                bucketKey(Resolution.HOUR, Resolution.HOUR.bucket(t)),
                bucketKey(Resolution.DAY, Resolution.DAY.bucket(t)),
                ns + "totals", spendKey(Resolution.MINUTE.bucket(t)), ns + "balance", ns + "recon", ns + "depleted_at",
                ns + "req:" + e.requestId());
        List<String> args = List.of(Long.toString(config.dedupeTtl().toSeconds()), group,
                Long.toString(e.promptTokens()), Long.toString(e.completionTokens()), Long.toString(e.chargedNanos()),
                e.cacheHit() ? "1" : "0", Long.toString(e.savedNanos()),
                Long.toString(config.retention().minutes().toSeconds()), Long.toString(config.retention().hours().toSeconds()),
                Long.toString(config.retention().days().toSeconds()), Long.toString(t),
                e.balanceNanos() == null ? "" : Long.toString(e.balanceNanos()), e.requestId(), e.depleted() ? "1" : "0",
                Long.toString(Money.toNanos(config.externalCreditThresholdUsd())), e.chargeSource());
        return RECORD.run(redis, keys, args)
                .onFailure().invoke(failure -> LOG.warnf("ledger write of %s failed, retrying: %s", e.eventId(), failure.getMessage()))
                .map(r -> r.get(0).toLong() == 1 ? new Recorded(true, snapshot(r)) : new Recorded(false, null));
    }

    /** Billing's own top-up: credit it in the reconciliation and take the returned balance as a fresh reading. */
    public Uni<Snapshot> credit(long amountNanos, long balanceNanos, long atMs, String reference) {
        return CREDIT.run(redis, List.of(ns + "balance", ns + "recon", ns + "depleted_at"),
                List.of(Long.toString(amountNanos), Long.toString(balanceNanos), Long.toString(atMs), reference)).map(LedgerRepository::snapshot);
    }

    public Uni<Snapshot> snapshot() {
        return SNAPSHOT.run(redis, List.of(ns + "balance", ns + "recon", ns + "depleted_at"), List.of()).map(LedgerRepository::snapshot);
    }

    /** The groups of the given buckets merged, optionally only one tenant's. */
    public Uni<Map<GroupKey, Counters>> groups(Resolution resolution, List<Long> buckets, String tenant) {
        return readBuckets(resolution, buckets).map(maps -> {
            Map<GroupKey, Counters> merged = new HashMap<>();
            for (Map<String, String> map : maps) {
                merge(map, tenant, merged);
            }
            return merged;
        });
    }

    /** Each bucket's groups separately (in the order given). */
    public Uni<List<Map<GroupKey, Counters>>> groupsPerBucket(Resolution resolution, List<Long> buckets) {
        return readBuckets(resolution, buckets).map(maps -> {
            List<Map<GroupKey, Counters>> out = new ArrayList<>();
            for (Map<String, String> map : maps) {
                Map<GroupKey, Counters> groups = new HashMap<>();
                merge(map, null, groups);
                out.add(groups);
            }
            return out;
        });
    }

    /** The raw hashes of the given buckets, read in parallel, in the order given. */
    private Uni<List<Map<String, String>>> readBuckets(Resolution resolution, List<Long> buckets) {
        if (buckets.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Uni<Map<String, String>>> reads = new ArrayList<>();
        for (long bucket : buckets) {
            reads.add(redis.hash(String.class).hgetall(bucketKey(resolution, bucket)));
        }
        return Uni.join().all(reads).andFailFast();
    }

    /** Nano-USD charged in the given minutes (all groups). */
    public Uni<Long> spentInMinutes(List<Long> minutes) {
        if (minutes.isEmpty()) {
            return Uni.createFrom().item(0L);
        }
        List<Uni<String>> reads = new ArrayList<>();
        for (long minute : minutes) {
            reads.add(redis.hash(String.class).hget(spendKey(minute), "chg"));
        }
        return Uni.join().all(reads).andFailFast().map(values -> values.stream().mapToLong(v -> v == null ? 0 : Long.parseLong(v)).sum());
    }

    /** Everything recorded since the ledger began. */
    public Uni<Counters> totals() {
        return redis.hash(String.class).hgetall(ns + "totals").map(map -> {
            Counters counters = new Counters();
            map.forEach((metric, value) -> counters.add(metric, Long.parseLong(value)));
            return counters;
        });
    }

    private static void merge(Map<String, String> fields, String tenant, Map<GroupKey, Counters> into) {
        for (Map.Entry<String, String> field : fields.entrySet()) {
            String[] parts = field.getKey().split(String.valueOf(SEP), -1);
            if (parts.length != 5) {
                continue;
            }
            if (tenant != null && !tenant.equals(parts[3])) {
                continue;
            }
            into.computeIfAbsent(new GroupKey(parts[0], parts[1], parts[2], parts[3]), k -> new Counters())
                    .add(parts[4], Long.parseLong(field.getValue()));
        }
    }

    private String bucketKey(Resolution resolution, long bucket) {
        return ns + "agg:" + resolution.code + ":" + bucket;
    }

    private String spendKey(long minute) {
        return ns + "spend:m:" + minute;
    }

    /** A group part: never empty, never containing the separator. */
    static String part(String value) {
        if (value == null || value.isBlank()) {
            return "unknown";
        }
        return value.indexOf(SEP) >= 0 ? value.replace(SEP, '_') : value;
    }

    private static Snapshot snapshot(Response r) {
        if (r == null || r.size() < 9) {
            return Snapshot.EMPTY;
        }
        return new Snapshot(num(r.get(1)), num(r.get(2)), num(r.get(3)), num(r.get(4)), num(r.get(5)), num(r.get(6)), num(r.get(7)),
                num(r.get(8)));
    }

    private static Long num(Response r) {
        if (r == null) {
            return null;
        }
        String s = r.toString();
        return s == null || s.isEmpty() ? null : Long.parseLong(s);
    }
}
