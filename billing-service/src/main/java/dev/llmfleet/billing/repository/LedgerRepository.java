package dev.llmfleet.billing.repository;

import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.billing.service.Money;
import dev.llmfleet.common.redis.LuaScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ledger in Redis. One Lua script records a batch of usage events (a Kafka poll's worth) atomically, in order, in one
 * round trip; for each event: the once-per-event guard ({@code SET NX seen:<event_id>}), the once-per-request count ({@code SET NX req:<request_id>}: a request's first
 * event counts it, its later attempts add only their charge), the minute/hour/day buckets by feature × model × lane × tenant, the overall
 * totals, the per-minute spend the burn rate reads, the latest balance reading by event time and the
 * reconciliation sums. A crash can therefore neither lose nor double-count an event: either all of the batch is in
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

    /**
     * Functions every ledger script starts with: the balance and reconciliation state (read once per script, written
     * through), the balance update (newest reading by event time wins; on a tie, the lower one) and the snapshot it answers.
     */
    private static final String BALANCE_FUNCTIONS = "ledger-functions";

    // A batch of events in one script, in order (see the script for KEYS, ARGV and the answer). Per event, as ever: an estimated
    // charge after the anchor opens an estimate window (unless one is open): est_mark is the gap before it, est_at the
    // newest estimated event time, est_nanos the estimates in it. The first newer reading closes it: drift += gap now -
    // est_mark (how much more the balance fell than the ledger said), drift_est += est_nanos.
    private static final LuaScript RECORD = LuaScript.load(LedgerRepository.class, BALANCE_FUNCTIONS, "ledger-record");

    // KEYS: 1 balance, 2 recon, 3 depleted_at; ARGV: 1 amount nanos, 2 balance nanos, 3 at ms, 4 reference
    private static final LuaScript CREDIT = LuaScript.load(LedgerRepository.class, BALANCE_FUNCTIONS, "ledger-credit");

    private static final LuaScript SNAPSHOT = LuaScript.load(LedgerRepository.class, BALANCE_FUNCTIONS, "ledger-snapshot");

    private final ReactiveRedisDataSource redis;
    private final String ns;
    private final String totalsKey;
    private final String balanceKey;
    private final String reconKey;
    private final String depletedKey;
    private final String dedupeTtlSeconds;
    private final String minuteTtlSeconds;
    private final String hourTtlSeconds;
    private final String dayTtlSeconds;
    private final String externalCreditThresholdNanos;

    public LedgerRepository(ReactiveRedisDataSource redis, BillingConfig config) {
        this.redis = redis;
        this.ns = config.redisNamespace();
        this.totalsKey = ns + "totals";
        this.balanceKey = ns + "balance";
        this.reconKey = ns + "recon";
        this.depletedKey = ns + "depleted_at";
        this.dedupeTtlSeconds = Long.toString(config.dedupeTtl().toSeconds());
        this.minuteTtlSeconds = Long.toString(config.retention().minutes().toSeconds());
        this.hourTtlSeconds = Long.toString(config.retention().hours().toSeconds());
        this.dayTtlSeconds = Long.toString(config.retention().days().toSeconds());
        this.externalCreditThresholdNanos = Long.toString(Money.toNanos(config.externalCreditThresholdUsd()));
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

        /**
         * This state updated by {@code fresh}: unchanged when {@code fresh} knows no reading while this does; this state's
         * figures when {@code fresh} is older (an async answer overtaken by a newer one), else {@code fresh}'s; with the newer 402.
         */
        public Snapshot updatedBy(Snapshot fresh) {
            if (fresh == null || (balanceAtMs != null && fresh.balanceAtMs == null)) {
                return this;
            }
            Snapshot newer = balanceAtMs != null && fresh.balanceAtMs < balanceAtMs ? this : fresh;
            return new Snapshot(newer.balanceNanos, newer.balanceAtMs, newer.anchorNanos, newer.chargesNanos, newer.creditsNanos,
                    newest(depletedAtMs, fresh.depletedAtMs), newer.driftNanos, newer.driftEstimatedNanos);
        }

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

        private static Long newest(Long a, Long b) {
            if (a == null) {
                return b;
            }
            return b == null ? a : Math.max(a, b);
        }
    }

    /** The outcome of recording: whether it was new, and the state after it (null for a duplicate). */
    public record Recorded(boolean isNew, Snapshot snapshot) {
    }

    private static final Recorded DUPLICATE = new Recorded(false, null);

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
     * Records a batch of events, in the order given, in one script (one Redis round trip), atomically: all of the batch
     * is in Redis or none of it. Answers one outcome per entry, in the same order; an event id already recorded (also one
     * earlier in the same batch) is a duplicate. A failed write (Redis down) is logged and retried until Redis answers,
     * 100 ms doubling to 10 s: the script is atomic and idempotent per event id, so a retry neither loses nor doubles any of
     * the batch. Tuned (times in ms) by
     * {@code quarkus.fault-tolerance."dev.llmfleet.billing.repository.LedgerRepository/record".*}.
     */
    @Retry(maxRetries = -1, maxDuration = 0, delay = 100, jitter = 50)
    @ExponentialBackoff(maxDelay = 10_000)
    public Uni<List<Recorded>> record(List<Entry> entries) {
        int n = entries.size();
        if (n == 0) {
            return Uni.createFrom().item(List.of());
        }
        List<String> keys = new ArrayList<>(4 + 6 * n);
        keys.add(totalsKey);
        keys.add(balanceKey);
        keys.add(reconKey);
        keys.add(depletedKey);
        List<String> args = new ArrayList<>(5 + 11 * n);
        args.add(dedupeTtlSeconds);
        args.add(minuteTtlSeconds);
        args.add(hourTtlSeconds);
        args.add(dayTtlSeconds);
        args.add(externalCreditThresholdNanos);
        // the events of a batch mostly share their minute (and so hour and day): its keys are made once per run of it
        long minute = Long.MIN_VALUE;
        String minuteKey = null;
        String hourKey = null;
        String dayKey = null;
        String spendKey = null;
        for (Entry e : entries) {
            long t = e.occurredAtMs();
            if (Resolution.MINUTE.bucket(t) != minute) {
                minute = Resolution.MINUTE.bucket(t);
                minuteKey = bucketKey(Resolution.MINUTE, minute);
                hourKey = bucketKey(Resolution.HOUR, Resolution.HOUR.bucket(t));
                dayKey = bucketKey(Resolution.DAY, Resolution.DAY.bucket(t));
                spendKey = spendKey(minute);
            }
            keys.add(ns + "seen:" + e.eventId());
            keys.add(ns + "req:" + e.requestId());
            keys.add(minuteKey);
            keys.add(hourKey);
            keys.add(dayKey);
            keys.add(spendKey);
            args.add(part(e.feature()) + SEP + part(e.model()) + SEP + part(e.lane()) + SEP + part(e.tenant()));
            args.add(Long.toString(e.promptTokens()));
            args.add(Long.toString(e.completionTokens()));
            args.add(Long.toString(e.chargedNanos()));
            args.add(e.cacheHit() ? "1" : "0");
            args.add(Long.toString(e.savedNanos()));
            args.add(Long.toString(t));
            args.add(e.balanceNanos() == null ? "" : Long.toString(e.balanceNanos()));
            args.add(e.requestId());
            args.add(e.depleted() ? "1" : "0");
            args.add(e.chargeSource());
        }
        return RECORD.run(redis, keys, args)
                .onFailure().invoke(failure -> LOG.warnf("ledger write of %d usage event(s) (first %s) failed, retrying: %s", n,
                        entries.get(0).eventId(), failure.getMessage()))
                .map(r -> {
                    if (r == null || r.size() != n) {
                        throw new IllegalStateException("ledger script answered " + (r == null ? "nothing" : r.size() + " outcomes")
                                + " for " + n + " events");
                    }
                    List<Recorded> outcomes = new ArrayList<>(n);
                    String last = null;
                    Snapshot lastSnapshot = null;
                    for (int i = 0; i < n; i++) {
                        Response one = r.get(i);
                        if (one.type() != ResponseType.BULK) {
                            outcomes.add(DUPLICATE);
                            continue;
                        }
                        String state = one.toString();
                        if (!state.equals(last)) {
                            last = state;
                            lastSnapshot = snapshot(state);
                        }
                        outcomes.add(new Recorded(true, lastSnapshot));
                    }
                    return outcomes;
                });
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

    /** Each bucket's groups separately (in the order given), optionally only one tenant's. */
    public Uni<List<Map<GroupKey, Counters>>> groupsPerBucket(Resolution resolution, List<Long> buckets, String tenant) {
        return readBuckets(resolution, buckets).map(maps -> {
            List<Map<GroupKey, Counters>> out = new ArrayList<>();
            for (Map<String, String> map : maps) {
                Map<GroupKey, Counters> groups = new HashMap<>();
                merge(map, tenant, groups);
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

    /** The batch script's state after an event: the snapshot's eight fields joined by ','. */
    private static Snapshot snapshot(String state) {
        String[] f = state.split(",", -1);
        if (f.length != 8) {
            throw new IllegalStateException("ledger script answered a state of " + f.length + " fields: " + state);
        }
        return new Snapshot(num(f[0]), num(f[1]), num(f[2]), num(f[3]), num(f[4]), num(f[5]), num(f[6]), num(f[7]));
    }

    private static Long num(String s) {
        return s.isEmpty() ? null : Long.parseLong(s);
    }

    private static Long num(Response r) {
        if (r == null) {
            return null;
        }
        String s = r.toString();
        return s == null || s.isEmpty() ? null : Long.parseLong(s);
    }
}
