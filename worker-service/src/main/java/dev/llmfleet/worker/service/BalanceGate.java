package dev.llmfleet.worker.service;

import dev.llmfleet.common.billing.BalanceLevel;
import dev.llmfleet.common.billing.BalanceStateChanged;
import dev.llmfleet.worker.config.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.mutiny.core.Vertx;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The async lane obeys the balance: billing's state sets the share of capacity it may use (paused at
 * CRITICAL and DEPLETED, slowed at LOW), and a 402 seen here pauses it at once, without waiting for
 * billing, so no worker keeps hammering an empty account. A 402 pause lifts when billing reports a
 * balance above CRITICAL published after it, or after {@code balance-pause}. While paused, one probe job
 * runs every {@code balance-pause}: its usage event tells billing the balance, so a top-up made outside the
 * fleet is noticed and the lane resumes by itself.
 */
@Startup // its gauge and probe timer exist from the start, not from the first balance state
@ApplicationScoped
public class BalanceGate {
    private static final Logger LOG = Logger.getLogger(BalanceGate.class);

    private final ConcurrencyLimiter limiter;
    private final Vertx vertx;
    private final long pauseMillis;
    private final AtomicReference<BalanceStateChanged> latest = new AtomicReference<>();
    private volatile Instant depletedAt;
    private final long probes;

    public BalanceGate(ConcurrencyLimiter limiter, Vertx vertx, WorkerConfig config, MeterRegistry registry) {
        this.limiter = limiter;
        this.vertx = vertx;
        this.pauseMillis = config.balancePause().toMillis();
        registry.gauge("fleet.worker.async.share", this, gate -> gate.share());
        probes = vertx.setPeriodic(pauseMillis, id -> {
            if (share() == 0) {
                limiter.probe();
            }
        });
    }

    void stop(@Observes ShutdownEvent ignored) {
        vertx.cancelTimer(probes);
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
        limiter.share(share());
    }

    /** A provider call answered 402: pause now, probe again after the pause. */
    public void onDepleted() {
        if (depletedAt == null) {
            LOG.warn("provider answered 402 (balance depleted): async lane paused");
        }
        Instant now = Instant.now();
        depletedAt = now;
        limiter.share(0);
        vertx.setTimer(pauseMillis, id -> {
            if (now.equals(depletedAt)) {
                depletedAt = null;
                limiter.share(share());
            }
        });
    }

    double share() {
        if (depletedAt != null) {
            return 0;
        }
        BalanceStateChanged state = latest.get();
        if (state == null || state.level() == BalanceLevel.OK) {
            return 1.0;
        }
        return state.level().pausesAsync() ? 0.0 : Double.isFinite(state.asyncShare()) ? state.asyncShare() : 1.0;
    }
}
