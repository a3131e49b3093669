package dev.llmfleet.worker.service;

import dev.llmfleet.common.capacity.InteractiveLoad;
import dev.llmfleet.worker.config.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.concurrent.atomic.AtomicInteger;

import static dev.llmfleet.worker.metrics.WorkerMetricNames.INTERACTIVE_IN_FLIGHT;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.PROVIDER_SHARE;

/**
 * Keeps the workers together inside what the provider has left: when the provider's concurrency budget is known, the
 * limiter's ceiling is this worker's {@link WorkerShare}: what the budget leaves after the interactive lane's recent
 * peak and a reserve, split among the {@link LiveWorkers}. If Redis cannot be read the last ceiling stays; AIMD on 429s still
 * protects the provider.
 */
@ApplicationScoped
public class CapacityWatcher {
    private final ConcurrencyLimiter limiter;
    private final LiveWorkers workers;
    private final WorkerConfig.Concurrency settings;
    private final ReactiveRedisDataSource redis;
    private final Vertx vertx;
    private final AtomicInteger interactive = new AtomicInteger();
    private final AtomicInteger share = new AtomicInteger();
    private long timer = -1;

    public CapacityWatcher(ConcurrencyLimiter limiter, LiveWorkers workers, WorkerConfig config, ReactiveRedisDataSource redis,
                           Vertx vertx, MeterRegistry registry) {
        this.limiter = limiter;
        this.workers = workers;
        this.settings = config.concurrency();
        this.redis = redis;
        this.vertx = vertx;
        registry.gauge(INTERACTIVE_IN_FLIGHT, interactive);
        if (settings.providerBudget() > 0) {
            registry.gauge(PROVIDER_SHARE, share);
        }
    }

    void start(@Observes StartupEvent ignored) {
        if (settings.providerBudget() > 0) {
            // a Vert.x timer, not @Scheduled: it follows intake's publications, a quarter of a second apart, and the
            // scheduler ticks once a second at best
            timer = vertx.setPeriodic(InteractiveLoad.PUBLISH_MILLIS, id -> refresh());
        }
    }

    void stop(@Observes ShutdownEvent ignored) {
        vertx.cancelTimer(timer);
    }

    private void refresh() {
        redis.hash(String.class).hgetall(InteractiveLoad.KEY).subscribe().with(entries -> {
            int load = InteractiveLoad.total(entries, System.currentTimeMillis());
            interactive.set(load);
            LiveWorkers.Roster roster = workers.roster();
            int calls = WorkerShare.calls(settings.providerBudget(), load, settings.interactiveReserve(), roster.count(), roster.rank());
            share.set(calls);
            limiter.capAt(calls);
        }, failure -> { });
    }
}
