package dev.llmfleet.billing.service;

import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.billing.repository.AlertRepository;
import dev.llmfleet.billing.repository.LedgerRepository;
import dev.llmfleet.billing.repository.LedgerRepository.Snapshot;
import dev.llmfleet.common.billing.BalanceLevel;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduled.ConcurrentExecution;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.tuples.Tuple3;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.util.TypeLiteral;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The fuel gauge: keeps the latest shared state (the newest balance reading by event time, the reconciliation sums, the
 * newest 402) and the burn rate over the sliding window, and on every change has it judged: the level and its alarms
 * ({@link LevelTracker}), unattributed spend ({@link UnattributedSpendJudge}), a top-up ({@link TopupService}) and the
 * balance state on {@code billing.state} ({@link BalanceStatePublisher}). Shared truth lives in Redis; this keeps a view
 * refreshed every second and on every recorded event, and decides from it, one evaluation at a time.
 */
@ApplicationScoped
public class BalanceService {
    private static final Logger LOG = Logger.getLogger(BalanceService.class);

    private final BillingConfig config;
    private final LedgerRepository ledger;
    private final AlertRepository alarms;
    private final LevelTracker levels;
    private final UnattributedSpendJudge unattributed;
    private final TopupService topup;
    private final BalanceStatePublisher state;

    private final Object lock = new Object();
    private Snapshot snapshot = Snapshot.EMPTY;
    private volatile double burnUsdPerHour;
    private volatile View view = new View(null, 0, null, BalanceLevel.OK, null, BigDecimal.ZERO, 1.0, BigDecimal.ZERO, BigDecimal.ZERO);
    /**
     * Reading the shared state at start waits out a Redis not up yet: 20 retries, 200 ms doubling to 5 s (programmatic:
     * the read is this bean's own, where an annotated method would be a self-invocation).
     */
    private final TypedGuard<Uni<Tuple3<Snapshot, List<String>, String>>> restore =
            TypedGuard.create(new TypeLiteral<Uni<Tuple3<Snapshot, List<String>, String>>>() {
                    })
                    .withDescription("billing.restore")
                    .withRetry()
                        .maxRetries(20)
                        .delay(200, ChronoUnit.MILLIS)
                        .jitter(50, ChronoUnit.MILLIS)
                        .maxDuration(3, ChronoUnit.MINUTES)
                        .withExponentialBackoff().maxDelay(5, ChronoUnit.SECONDS).done()
                        .done()
                    .withThreadOffload(false)
                    .build();

    /** What the gauge shows now. */
    public record View(BigDecimal balanceUsd, double burnRateUsdPerHour, Double runwayHours, BalanceLevel level, Instant asOf,
                       BigDecimal unattributedUsd, double asyncShare, BigDecimal estimateDriftUsd, BigDecimal estimateReconciledUsd) {
    }

    public BalanceService(BillingConfig config, LedgerRepository ledger, AlertRepository alarms, LevelTracker levels,
                          UnattributedSpendJudge unattributed, TopupService topup, BalanceStatePublisher state, MeterRegistry registry) {
        this.config = config;
        this.ledger = ledger;
        this.alarms = alarms;
        this.levels = levels;
        this.unattributed = unattributed;
        this.topup = topup;
        this.state = state;
        BalanceGauges.register(registry, this);
    }

    void onStart(@Observes StartupEvent event) {
        restore.get(() -> Uni.combine().all().unis(ledger.snapshot(), alarms.fired(), alarms.level()).asTuple())
                .subscribe().with(t -> {
                    synchronized (lock) {
                        levels.restore(t.getItem2(), t.getItem3());
                        snapshot = snapshot.updatedBy(t.getItem1());
                    }
                    tick().subscribe().with(v -> {
                    });
                    evaluateAfter(topup.resumePending(), "pending top-up not resumed");
                }, e -> LOG.errorf("billing state not restored from Redis: %s", e.getMessage()));
    }

    /** The ledger recorded an event (or a top-up): re-evaluate with the state it returned. */
    public void onSnapshot(Snapshot fresh) {
        synchronized (lock) {
            snapshot = snapshot.updatedBy(fresh);
            evaluate(System.currentTimeMillis());
        }
    }

    /**
     * The ledger recorded a batch of events: re-evaluate with the state after each, in the ledger's order, as
     * {@link #onSnapshot} for each would (one lock for the batch).
     */
    public void onSnapshots(List<Snapshot> fresh) {
        synchronized (lock) {
            for (Snapshot one : fresh) {
                snapshot = snapshot.updatedBy(one);
                evaluate(System.currentTimeMillis());
            }
        }
    }

    public View view() {
        return view;
    }

    /** Every second: refresh the burn rate and the shared state from Redis, re-evaluate, publish when due. */
    @Scheduled(every = "1s", concurrentExecution = ConcurrentExecution.SKIP)
    Uni<Void> tick() {
        long now = System.currentTimeMillis();
        Duration window = config.burnWindow();
        long current = LedgerRepository.Resolution.MINUTE.bucket(now);
        List<Long> minutes = new ArrayList<>();
        for (long m = current - BurnRate.buckets(window) + 1; m <= current; m++) {
            minutes.add(m);
        }
        return Uni.combine().all().unis(ledger.spentInMinutes(minutes), ledger.snapshot()).asTuple()
                .invoke(t -> {
                    burnUsdPerHour = BurnRate.usdPerHour(t.getItem1(), BurnRate.spanMillis(window, now));
                    unattributed.refreshUsageLag();
                    synchronized (lock) {
                        snapshot = snapshot.updatedBy(t.getItem2());
                        evaluate(now);
                    }
                })
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("balance refresh failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** Judges the state held: level and alarms, unattributed spend, the view, a top-up, the published state. Called under the lock. */
    private void evaluate(long now) {
        BalanceReading reading = BalanceReading.of(snapshot, burnUsdPerHour);
        if (!reading.known()) {
            return;
        }
        BalanceLevel level = levels.update(reading);
        long unattributedNanos = unattributed.judge(snapshot.gapNanos(), now, level, () -> reading.figures(level));
        view = new View(reading.balance(), reading.burn(), reading.runway(), level, reading.asOf(), Money.toUsd(unattributedNanos),
                levels.asyncShare(reading.runway()), Money.toUsd(nz(snapshot.driftNanos())), Money.toUsd(nz(snapshot.driftEstimatedNanos())));
        evaluateAfter(topup.onLevel(level, reading.balance()), "top-up check failed");
        state.publishIfDue(now, view);
    }

    /** A top-up's answer is a fresh reading: evaluate with it once it comes. */
    private void evaluateAfter(Uni<Snapshot> topupAnswer, String failure) {
        topupAnswer.subscribe().with(fresh -> {
            if (fresh != null) {
                onSnapshot(fresh);
            }
        }, e -> LOG.warnf("%s: %s", failure, e.getMessage()));
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }
}
