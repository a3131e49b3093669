package dev.llmfleet.common.provider;

import dev.llmfleet.common.redis.LuaScript;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import static dev.llmfleet.common.metrics.MetricNames.PROVIDER_RETRY_BUDGET;
import static dev.llmfleet.common.metrics.MetricNames.TAG_MODEL;
import static dev.llmfleet.common.metrics.MetricNames.TAG_OUTCOME;

/**
 * A retry budget in the manner of Finagle's and Envoy's: over a sliding window, the extra provider calls made for
 * requests that already had one (retries and fallbacks after a failure) stay within {@code ratio} of the requests
 * plus a small floor ({@code min-per-second} × window), fleet-wide and per model, so a storm of failures never
 * multiplies the traffic the provider sees. Decisions are local and never wait: each instance counts its own calls in
 * one-second buckets and, once a second, adds them to the model's fleet-wide buckets on the state Redis with one
 * script, which answers the fleet's totals over the window. A retry is allowed when the fleet's last known totals plus
 * this instance's calls since then leave room. If Redis cannot be reached the instance keeps to its own counts.
 */
// made at startup: its timer runs on the Vert.x context it was set from, which for a bean first used by a request or
// job would be that request's own (its trace would then collect every later tick's Redis calls)
@Startup
@ApplicationScoped
public class RetryBudget {
    private static final Logger LOG = Logger.getLogger(RetryBudget.class);
    private static final String KEY_PREFIX = "fleet:retry-budget:v1:";
    /** KEYS[1] the model's buckets; ARGV now second, window seconds, requests and extra calls to add. Returns {requests, extra}. */
    private static final LuaScript ADD_AND_SUM = LuaScript.load(RetryBudget.class, "retry-budget-add");

    private final ProviderConfig.RetryBudget settings;
    private final ReactiveRedisDataSource redis;
    private final MeterRegistry registry;
    private final LongSupplier clock;
    private final int window;
    private final Map<String, ModelWindow> models = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final long timer;

    @Inject
    public RetryBudget(ProviderConfig config, ReactiveRedisDataSource redis, MeterRegistry registry, Vertx vertx) {
        this(config.retryBudget(), redis, registry, System::currentTimeMillis, vertx);
    }

    RetryBudget(ProviderConfig.RetryBudget settings, ReactiveRedisDataSource redis, MeterRegistry registry, LongSupplier clock, Vertx vertx) {
        this.settings = settings;
        this.redis = redis;
        this.registry = registry;
        this.clock = clock;
        this.window = (int) Math.max(1, settings.window().toSeconds());
        this.vertx = vertx;
        this.timer = vertx == null ? -1 : vertx.setPeriodic(1000, id -> sync().subscribe().with(ignored -> { }, failure -> { }));
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (vertx != null) {
            vertx.cancelTimer(timer);
        }
    }

    /** A request's first provider call to {@code model}: it earns the model {@code ratio} of a retry. */
    public void requested(String model) {
        window(model).add(second(), 1, 0);
    }

    /**
     * Asks for an extra call to {@code model} (a retry, or a fallback after its failure): true, and counted, when the
     * budget has room; false when it is spent (the request then fails with what it has).
     */
    public boolean tryExtraCall(String model) {
        boolean allowed = window(model).tryExtra(second(), settings.ratio(), settings.minPerSecond() * window);
        registry.counter(PROVIDER_RETRY_BUDGET, TAG_MODEL, model, TAG_OUTCOME, allowed ? "allowed" : "denied").increment();
        return allowed;
    }

    /** Adds each model's calls since the last sync to the fleet's buckets and takes the fleet's totals back. */
    Uni<Void> sync() {
        long now = second();
        if (models.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.join().all(models.entrySet().stream().map(entry -> sync(entry.getKey(), entry.getValue(), now)).toList())
                .andCollectFailures().replaceWithVoid()
                .onFailure().recoverWithItem(e -> null);
    }

    private Uni<Void> sync(String model, ModelWindow counts, long now) {
        long[] delta = counts.unsynced();
        return ADD_AND_SUM.run(redis, List.of(KEY_PREFIX + model), List.of(Long.toString(now), Integer.toString(window),
                        Long.toString(delta[0]), Long.toString(delta[1])))
                .ifNoItem().after(Duration.ofSeconds(1)).fail()
                .invoke(totals -> counts.synced(delta, totals.get(0).toLong(), totals.get(1).toLong(), now))
                .onFailure().invoke(e -> {
                    counts.syncFailed(now);
                    LOG.debugf("retry budget of %s not synced with Redis (local counts only): %s", model, e.toString());
                })
                .replaceWithVoid()
                .onFailure().recoverWithNull();
    }

    private ModelWindow window(String model) {
        return models.computeIfAbsent(model, m -> new ModelWindow(window));
    }

    private long second() {
        return clock.getAsLong() / 1000;
    }

    /**
     * One model's counts on this instance: one-second buckets over the window, the calls not yet added to the fleet's
     * buckets, and the fleet's totals as of the last sync (which include this instance's calls up to then).
     */
    static final class ModelWindow {
        private final long[] requests;
        private final long[] extra;
        private final long[] seconds;
        private long unsyncedRequests;
        private long unsyncedExtra;
        private long fleetRequests;
        private long fleetExtra;
        private long syncedAt = Long.MIN_VALUE / 2; // never (and no overflow in now - syncedAt)

        ModelWindow(int window) {
            requests = new long[window];
            extra = new long[window];
            seconds = new long[window];
        }

        synchronized void add(long now, long addRequests, long addExtra) {
            int slot = slot(now);
            requests[slot] += addRequests;
            extra[slot] += addExtra;
            unsyncedRequests += addRequests;
            unsyncedExtra += addExtra;
        }

        synchronized boolean tryExtra(long now, double ratio, double floor) {
            long[] totals = totals(now);
            if (totals[1] + 1 > floor + ratio * totals[0]) {
                return false;
            }
            add(now, 0, 1);
            return true;
        }

        /** Requests and extra calls over the window: the fleet's (when synced lately) or else this instance's own. */
        synchronized long[] totals(long now) {
            if (now - syncedAt <= 2) {
                return new long[]{fleetRequests + unsyncedRequests, fleetExtra + unsyncedExtra};
            }
            return local(now);
        }

        /** This instance's own requests and extra calls over the window. */
        private long[] local(long now) {
            long sumRequests = 0;
            long sumExtra = 0;
            for (int i = 0; i < seconds.length; i++) {
                if (now - seconds[i] < seconds.length) {
                    sumRequests += requests[i];
                    sumExtra += extra[i];
                }
            }
            return new long[]{sumRequests, sumExtra};
        }

        /** The calls to add to the fleet's buckets; they stay unsynced until {@link #synced} takes them off. */
        synchronized long[] unsynced() {
            return new long[]{unsyncedRequests, unsyncedExtra};
        }

        synchronized void synced(long[] added, long requestsNow, long extraNow, long now) {
            unsyncedRequests -= added[0];
            unsyncedExtra -= added[1];
            fleetRequests = requestsNow;
            fleetExtra = extraNow;
            syncedAt = now;
        }

        /** The sync failed: unsynced calls wait for the next one, but those older than the window no longer matter. */
        synchronized void syncFailed(long now) {
            long[] own = local(now);
            unsyncedRequests = Math.min(unsyncedRequests, own[0]);
            unsyncedExtra = Math.min(unsyncedExtra, own[1]);
        }

        private int slot(long now) {
            int slot = (int) Math.floorMod(now, (long) seconds.length);
            if (seconds[slot] != now) {
                seconds[slot] = now;
                requests[slot] = 0;
                extra[slot] = 0;
            }
            return slot;
        }
    }
}
