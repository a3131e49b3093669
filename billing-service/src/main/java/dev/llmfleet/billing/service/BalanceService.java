package dev.llmfleet.billing.service;

import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.billing.messaging.BillingPublisher;
import dev.llmfleet.billing.repository.AlertRepository;
import dev.llmfleet.billing.repository.LedgerRepository;
import dev.llmfleet.billing.repository.LedgerRepository.Snapshot;
import dev.llmfleet.billing.service.LevelPolicy.Alarm;
import dev.llmfleet.billing.service.LevelPolicy.Inputs;
import dev.llmfleet.billing.service.LevelPolicy.Thresholds;
import dev.llmfleet.common.billing.BalanceLevel;
import dev.llmfleet.common.billing.BalanceStateChanged;
import io.micrometer.core.instrument.Gauge;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.llmfleet.billing.metrics.BillingMetricNames.*;

/**
 * The fuel gauge: the latest provider balance (by event time), the burn rate over the sliding window, the runway,
 * the level with hysteresis, the once-per-crossing balance and runway alarms, unattributed spend, and the balance
 * state published to {@code billing.state} on every meaningful change and at least every heartbeat.
 * Shared truth lives in Redis (readings, reconciliation sums, fired alarms); this keeps a view refreshed every
 * second and on every recorded event, and decides from it.
 */
@ApplicationScoped
public class BalanceService {
    private static final Logger LOG = Logger.getLogger(BalanceService.class);

    private final BillingConfig config;
    private final LedgerRepository ledger;
    private final AlertRepository alarms;
    private final AlertService alerts;
    private final BillingPublisher publisher;
    private final TopupService topup;
    private final Thresholds thresholds;
    private final MeterRegistry registry;

    private final Object lock = new Object();
    private final AlarmBoard board = new AlarmBoard();
    private Snapshot snapshot = Snapshot.EMPTY;
    private volatile double burnUsdPerHour;
    /** Billing's records-lag-max on llm.usage, read every tick (not per event: finding a meter scans the registry). */
    private volatile double usageLagRecords;
    private BalanceLevel level = BalanceLevel.OK;
    private BalanceStateChanged lastPublished;
    private long lastPublishedAtMs;
    private long unattributedAlertedNanos = -1;
    private long unattributedJudgedNanos;
    private long gapSinceMs = -1;
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

    public BalanceService(BillingConfig config, LedgerRepository ledger, AlertRepository alarms, AlertService alerts,
                          BillingPublisher publisher, TopupService topup, MeterRegistry registry) {
        this.config = config;
        this.ledger = ledger;
        this.alarms = alarms;
        this.alerts = alerts;
        this.publisher = publisher;
        this.topup = topup;
        this.registry = registry;
        this.thresholds = new Thresholds(config.lowBalanceUsd().doubleValue(), config.criticalBalanceUsd().doubleValue(),
                config.lowRunwayHours(), config.criticalRunwayHours(), config.hysteresis());
        Gauge.builder(BALANCE, this, s -> s.view.balanceUsd() == null ? Double.NaN : s.view.balanceUsd().doubleValue())
                .baseUnit(USD).description("Latest provider balance reading").register(registry);
        Gauge.builder(BURN_RATE, this, s -> s.view.burnRateUsdPerHour()).baseUnit(USD_PER_HOUR)
                .description("Spend per hour over the sliding window").register(registry);
        Gauge.builder(RUNWAY, this, s -> s.view.runwayHours() == null ? Double.NaN : s.view.runwayHours()).baseUnit(HOURS)
                .description("Hours until the balance reaches zero at the burn rate (NaN when nothing is spent)").register(registry);
        Gauge.builder(LEVEL, this, s -> s.view.level().ordinal())
                .description("Balance level: 0 OK, 1 LOW, 2 CRITICAL, 3 DEPLETED").register(registry);
        Gauge.builder(UNATTRIBUTED, this, s -> s.view.unattributedUsd().doubleValue()).baseUnit(USD)
                .description("Spend the provider's balance shows and the ledger cannot explain").register(registry);
        Gauge.builder(ESTIMATE_DRIFT, this, s -> s.view.estimateDriftUsd().doubleValue()).baseUnit(USD)
                .description("How much more the balance fell than the ledger said over the closed estimate windows (negative: estimates too high)")
                .register(registry);
        Gauge.builder(ESTIMATE_RECONCILED, this, s -> s.view.estimateReconciledUsd().doubleValue()).baseUnit(USD)
                .description("Estimated charges in the closed estimate windows").register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        restore.get(() -> Uni.combine().all().unis(ledger.snapshot(), alarms.fired(), alarms.level()).asTuple())
                .subscribe().with(t -> {
                    synchronized (lock) {
                        List<Alarm> fired = new ArrayList<>();
                        for (Alarm alarm : Alarm.values()) {
                            if (t.getItem2().contains(alarm.kind)) {
                                fired.add(alarm);
                            }
                        }
                        board.restore(fired);
                        if (t.getItem3() != null) {
                            level = BalanceLevel.valueOf(t.getItem3());
                        }
                        accept(t.getItem1());
                    }
                    tick().subscribe().with(v -> {
                    });
                    topup.resumePending().subscribe().with(fresh -> {
                        if (fresh != null) {
                            onSnapshot(fresh);
                        }
                    }, e -> LOG.warnf("pending top-up not resumed: %s", e.getMessage()));
                }, e -> LOG.errorf("billing state not restored from Redis: %s", e.getMessage()));
    }

    /** The ledger recorded an event (or a top-up): re-evaluate with the state it returned. */
    public void onSnapshot(Snapshot fresh) {
        synchronized (lock) {
            accept(fresh);
            evaluate(System.currentTimeMillis());
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
                    usageLagRecords = usageLag();
                    synchronized (lock) {
                        accept(t.getItem2());
                        evaluate(now);
                    }
                })
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("balance refresh failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** Takes a snapshot unless it is older than the one held (an async answer overtaken by a newer one). */
    private void accept(Snapshot fresh) {
        if (fresh == null) {
            return;
        }
        if (snapshot.balanceAtMs() != null && fresh.balanceAtMs() != null && fresh.balanceAtMs() < snapshot.balanceAtMs()) {
            Long depleted = max(snapshot.depletedAtMs(), fresh.depletedAtMs());
            snapshot = new Snapshot(snapshot.balanceNanos(), snapshot.balanceAtMs(), snapshot.anchorNanos(), snapshot.chargesNanos(),
                    snapshot.creditsNanos(), depleted, snapshot.driftNanos(), snapshot.driftEstimatedNanos());
            return;
        }
        if (snapshot.balanceAtMs() != null && fresh.balanceAtMs() == null) {
            return;
        }
        snapshot = new Snapshot(fresh.balanceNanos(), fresh.balanceAtMs(), fresh.anchorNanos(), fresh.chargesNanos(),
                fresh.creditsNanos(), max(snapshot.depletedAtMs(), fresh.depletedAtMs()), fresh.driftNanos(), fresh.driftEstimatedNanos());
    }

    /** Decides the level, alarms, unattributed alert, top-up and state publication. Called under the lock. */
    private void evaluate(long now) {
        BigDecimal balance = snapshot.balanceNanos() == null ? null : Money.toUsd(snapshot.balanceNanos());
        Long depletedAt = snapshot.depletedAtMs();
        boolean depleted = (balance != null && balance.signum() <= 0)
                || (depletedAt != null && (snapshot.balanceAtMs() == null || depletedAt >= snapshot.balanceAtMs()));
        if (balance == null && !depleted) {
            return;
        }
        double burn = burnUsdPerHour;
        Double runway = BurnRate.runwayHours(balance, burn);
        Inputs in = new Inputs(balance, runway, depleted);
        BalanceLevel previous = level;
        level = LevelPolicy.next(previous, thresholds, in);
        AlarmBoard.Changes changes = board.evaluate(thresholds, in);
        Map<String, String> figures = figures(balance, burn, runway, level);
        for (Alarm alarm : changes.fire()) {
            fire(alarm, balance, runway, figures);
        }
        for (Alarm alarm : changes.rearm()) {
            alarms.rearm(alarm.kind).subscribe().with(v -> {
            }, e -> LOG.warnf("alarm %s not re-armed in Redis: %s", alarm.kind, e.getMessage()));
        }
        if (level != previous) {
            LOG.infof("balance level %s -> %s (balance %s, runway %s h)", previous, level, balance, runway);
            alarms.saveLevel(level.name()).subscribe().with(v -> {
            }, e -> LOG.warnf("level not saved: %s", e.getMessage()));
            if (level == BalanceLevel.OK) {
                alerts.raiseAsync("recovered", level, "Balance back to OK (was " + previous + ")", figures);
            }
        }
        long toleranceNanos = Money.toNanos(config.unattributedToleranceUsd());
        Long gap = snapshot.gapNanos();
        if (gap == null) {
            unattributedJudgedNanos = 0;
            gapSinceMs = -1;
        } else if (usageLagRecords <= config.unattributedMaxLag()) {
            long open = Reconciliation.unattributedNanos(gap, toleranceNanos);
            if (open == 0) {
                unattributedJudgedNanos = 0;
                gapSinceMs = -1;
            } else {
                gapSinceMs = gapSinceMs < 0 ? now : gapSinceMs;
                if (now - gapSinceMs >= config.unattributedGrace().toMillis()) {
                    unattributedJudgedNanos = open;
                    checkUnattributed(open, toleranceNanos, figures);
                }
            }
        }
        long unattributed = unattributedJudgedNanos;
        double share = LevelPolicy.asyncShare(level, runway, thresholds);
        Instant asOf = snapshot.balanceAtMs() != null ? Instant.ofEpochMilli(snapshot.balanceAtMs())
                : Instant.ofEpochMilli(depletedAt);
        view = new View(balance, burn, runway, level, asOf, Money.toUsd(unattributed), share, Money.toUsd(nz(snapshot.driftNanos())),
                Money.toUsd(nz(snapshot.driftEstimatedNanos())));
        topup.onLevel(level, balance).subscribe().with(fresh -> {
            if (fresh != null) {
                onSnapshot(fresh);
            }
        }, e -> LOG.warnf("top-up check failed: %s", e.getMessage()));
        publishIfDue(now, balance, burn, runway, share, asOf);
    }

    private void fire(Alarm alarm, BigDecimal balance, Double runway, Map<String, String> figures) {
        Map<String, String> withThreshold = new LinkedHashMap<>(figures);
        withThreshold.put("threshold", BigDecimal.valueOf(alarm.threshold(thresholds)).stripTrailingZeros().toPlainString());
        String message = switch (alarm) {
            case BALANCE_LOW, BALANCE_CRITICAL -> "Provider balance $" + balance.toPlainString() + " is at or below the "
                    + alarm.level + " threshold $" + withThreshold.get("threshold");
            case BALANCE_DEPLETED -> "Provider balance is depleted (402 or balance <= 0): the async lane pauses";
            case RUNWAY_LOW, RUNWAY_CRITICAL -> String.format("Runway %.1f h is below the %s threshold %s h", runway, alarm.level,
                    withThreshold.get("threshold"));
        };
        alarms.fire(alarm.kind)
                .chain(mine -> mine ? alerts.raise(alarm.kind, alarm.level, message, withThreshold).replaceWithVoid() : Uni.createFrom().voidItem())
                .subscribe().with(v -> {
                }, e -> LOG.errorf("alarm %s failed: %s", alarm.kind, e.getMessage()));
    }

    /** How far behind billing's consumers are on {@code llm.usage}: the Kafka client's records-lag-max, bound by Quarkus. */
    private double usageLag() {
        return registry.find("kafka.consumer.fetch.manager.records.lag.max").gauges().stream()
                .mapToDouble(Gauge::value).filter(Double::isFinite).max().orElse(0);
    }

    /** One unattributed_spend alert when the gap first exceeds the tolerance, then one per further step of growth. */
    private void checkUnattributed(long unattributed, long toleranceNanos, Map<String, String> figures) {
        long step = Money.toNanos(config.unattributedAlertStepUsd());
        if (unattributed <= 0 || (unattributedAlertedNanos >= 0 && unattributed < unattributedAlertedNanos + step)) {
            return;
        }
        unattributedAlertedNanos = unattributed;
        Map<String, String> withGap = new LinkedHashMap<>(figures);
        withGap.put("unattributed_usd", Money.toUsd(unattributed).toPlainString());
        BalanceLevel current = level;
        alarms.unattributedStep(unattributed, toleranceNanos, step)
                .chain(due -> due ? alerts.raise("unattributed_spend", current, "The provider's balance fell $"
                        + withGap.get("unattributed_usd") + " more than the ledger's charges explain (calls charged but never recorded)",
                        withGap).replaceWithVoid() : Uni.createFrom().voidItem())
                .subscribe().with(v -> {
                }, e -> LOG.errorf("unattributed alert failed: %s", e.getMessage()));
    }

    private void publishIfDue(long now, BigDecimal balance, double burn, Double runway, double share, Instant asOf) {
        BalanceStateChanged last = lastPublished;
        boolean due = last == null || last.level() != level || Math.abs(last.asyncShare() - share) >= 0.05
                || now - lastPublishedAtMs >= config.stateHeartbeat().toMillis() || moved(last.balanceUsd(), balance);
        if (!due) {
            return;
        }
        BalanceStateChanged state = new BalanceStateChanged(BalanceStateChanged.SCHEMA_VERSION,
                balance == null ? null : balance.toPlainString(), burn, runway, level, share, asOf, Instant.ofEpochMilli(now));
        lastPublished = state;
        lastPublishedAtMs = now;
        publisher.state(state).subscribe().with(v -> {
        }, e -> LOG.warnf("balance state not published (the next heartbeat retries): %s", e.getMessage()));
    }

    private boolean moved(String last, BigDecimal balance) {
        if (last == null || balance == null) {
            return last != null || balance != null;
        }
        BigDecimal before = new BigDecimal(last);
        BigDecimal change = balance.subtract(before).abs();
        return change.compareTo(before.abs().multiply(BigDecimal.valueOf(config.stateMinBalanceChange()))) >= 0
                && change.compareTo(new BigDecimal("0.01")) >= 0;
    }

    private static Map<String, String> figures(BigDecimal balance, double burn, Double runway, BalanceLevel level) {
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("balance_usd", balance == null ? "unknown" : balance.toPlainString());
        figures.put("burn_rate_usd_per_hour", String.format(java.util.Locale.ROOT, "%.6f", burn));
        figures.put("runway_hours", runway == null ? "unbounded" : String.format(java.util.Locale.ROOT, "%.2f", runway));
        figures.put("level", level.name());
        return figures;
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }

    private static Long max(Long a, Long b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Math.max(a, b);
    }
}
