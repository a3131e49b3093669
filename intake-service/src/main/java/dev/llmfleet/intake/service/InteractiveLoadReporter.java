package dev.llmfleet.intake.service;

import dev.llmfleet.common.capacity.InteractiveLoad;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts interactive requests in flight on this instance and publishes the recent peak to Redis
 * ({@link InteractiveLoad}), so the async lane leaves the provider room for users who are waiting.
 */
@ApplicationScoped
public class InteractiveLoadReporter {
    private final String instance = UUID.randomUUID().toString();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final ReactiveRedisDataSource redis;
    private final Vertx vertx;

    public InteractiveLoadReporter(ReactiveRedisDataSource redis, Vertx vertx) {
        this.redis = redis;
        this.vertx = vertx;
    }

    private long timer = -1;

    // a Vert.x timer, not @Scheduled: the peak goes out every InteractiveLoad.PUBLISH_MILLIS (250 ms; the workers' ceiling
    // follows interactive bursts that fast), finer than the scheduler's one-second tick
    void start(@Observes StartupEvent ignored) {
        timer = vertx.setPeriodic(InteractiveLoad.PUBLISH_MILLIS, id -> publish());
    }

    void stop(@Observes ShutdownEvent ignored) {
        vertx.cancelTimer(timer);
    }

    public void begin() {
        peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    }

    public void end() {
        inFlight.decrementAndGet();
    }

    private void publish() {
        int recentPeak = peak.getAndSet(inFlight.get());
        redis.hash(String.class).hset(InteractiveLoad.KEY, instance, InteractiveLoad.encode(recentPeak, System.currentTimeMillis()))
                .subscribe().with(ignored -> { }, failure -> { });
    }
}
