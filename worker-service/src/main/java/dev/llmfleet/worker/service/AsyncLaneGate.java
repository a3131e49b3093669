package dev.llmfleet.worker.service;

import dev.llmfleet.common.billing.BalanceLevel;
import dev.llmfleet.common.billing.BalanceStateChanged;
import dev.llmfleet.worker.config.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import static dev.llmfleet.worker.metrics.WorkerMetricNames.ASYNC_SHARE;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.PROVIDER_KEY_REFUSED;

/**
 * Whether the async lane may call the provider, and how much of its capacity it may use. It obeys the balance: billing's state sets the share of capacity it may use (paused at
 * CRITICAL and DEPLETED, slowed at LOW), and a 402 seen here pauses it at once, without waiting for
 * billing, so no worker keeps hammering an empty account. A 402 pause lifts when billing reports a
 * balance above CRITICAL published after it, or after {@code balance-pause}. While paused, one probe job
 * runs every {@code balance-pause}: its usage event tells billing the balance, so a top-up made outside the
 * fleet is noticed and the lane resumes by itself. It obeys the provider's key the same way: a 401/403 pauses the lane
 * (the backlog waits instead of being sent to be refused), raises {@code fleet_worker_provider_key_refused} to 1 for an
 * alert, and a probe job every {@code balance-pause} finds out whether an operator has fixed the key.
 */
@Startup // its gauges exist from the start, not from the first balance state
@ApplicationScoped
public class AsyncLaneGate {
    private static final Logger LOG = Logger.getLogger(AsyncLaneGate.class);

    private final ConcurrencyLimiter limiter;
    private final Vertx vertx;
    private final long pauseMillis;
    private final AtomicReference<BalanceStateChanged> latest = new AtomicReference<>();
    private volatile Instant depletedAt;
    private volatile boolean keyRefused;

    public AsyncLaneGate(ConcurrencyLimiter limiter, Vertx vertx, WorkerConfig config, MeterRegistry registry) {
        this.limiter = limiter;
        this.vertx = vertx;
        this.pauseMillis = config.balancePause().toMillis();
        registry.gauge(ASYNC_SHARE, this, gate -> gate.share());
        registry.gauge(PROVIDER_KEY_REFUSED, this, gate -> gate.keyRefused ? 1 : 0);
    }

    /** While the lane is paused, one job every {@code balance-pause} may run as the probe. */
    @Scheduled(every = "{fleet.worker.balance-pause}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void probeWhilePaused() {
        if (share() == 0) {
            limiter.probe();
        }
    }

    /** Billing published a new balance state. */
    public void onState(BalanceStateChanged state) {
        BalanceStateChanged previous = latest.getAndSet(state);
        if (depletedAt != null && !state.level().pausesAsync() && state.publishedAt() != null && state.publishedAt().isAfter(depletedAt)) {
            depletedAt = null;
        }
        if (previous == null || previous.level() != state.level()) {
            LOG.infof("balance level %s (balance %s USD, runway %s h): async lane share %.2f",
                    state.level(), state.balanceUsd(), state.runwayHours(), share());
        }
        limiter.allowShare(share());
    }

    /** A provider call answered 402: pause now, probe again after the pause. */
    public void onDepleted() {
        if (depletedAt == null) {
            LOG.warn("provider answered 402 (balance depleted): async lane paused");
        }
        Instant now = Instant.now();
        depletedAt = now;
        limiter.allowShare(0);
        vertx.setTimer(pauseMillis, id -> {
            if (now.equals(depletedAt)) {
                depletedAt = null;
                limiter.allowShare(share());
            }
        });
    }

    /** A provider call answered 401/403 (the fleet's key is refused): pause until a probe job's call is answered. */
    public void onKeyRefused() {
        if (!keyRefused) {
            LOG.error("the provider refused the fleet's API key (401/403): async lane paused until a probe call is accepted; check MDB_API_KEY");
        }
        keyRefused = true;
        limiter.allowShare(0);
    }

    /** A provider call answered: the key works (a pause for a refused key ends at once). */
    public void onKeyAccepted() {
        if (keyRefused) {
            keyRefused = false;
            LOG.info("the provider accepts the fleet's API key again: async lane resumed");
            limiter.allowShare(share());
        }
    }

    double share() {
        if (depletedAt != null || keyRefused) {
            return 0;
        }
        BalanceStateChanged state = latest.get();
        if (state == null || state.level() == BalanceLevel.OK) {
            return 1.0;
        }
        return state.level().pausesAsync() ? 0.0 : Double.isFinite(state.asyncShare()) ? state.asyncShare() : 1.0;
    }
}
