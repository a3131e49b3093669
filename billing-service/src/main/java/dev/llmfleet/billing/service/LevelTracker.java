package dev.llmfleet.billing.service;

import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.billing.repository.AlertRepository;
import dev.llmfleet.billing.service.LevelPolicy.Alarm;
import dev.llmfleet.billing.service.LevelPolicy.Thresholds;
import dev.llmfleet.common.billing.BalanceLevel;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The balance level with hysteresis ({@link LevelPolicy}) and its once-per-crossing alarms ({@link AlarmBoard}): raises
 * each alarm's alert once (claimed in Redis, so once across instances and restarts), re-arms it on recovery, saves the
 * level and raises {@code recovered} back at OK. Not thread-safe: {@link BalanceService} calls it under its lock.
 */
@ApplicationScoped
public class LevelTracker {
    private static final Logger LOG = Logger.getLogger(LevelTracker.class);

    private final Thresholds thresholds;
    private final AlertRepository alarms;
    private final AlertService alerts;
    private final AlarmBoard board = new AlarmBoard();
    private BalanceLevel level = BalanceLevel.OK;

    public LevelTracker(BillingConfig config, AlertRepository alarms, AlertService alerts) {
        this.thresholds = new Thresholds(config.lowBalanceUsd().doubleValue(), config.criticalBalanceUsd().doubleValue(),
                config.lowRunwayHours(), config.criticalRunwayHours(), config.hysteresis());
        this.alarms = alarms;
        this.alerts = alerts;
    }

    /** Takes up the alarms fired and the level saved in Redis (by a previous run or another instance). */
    void restore(List<String> firedKinds, String savedLevel) {
        List<Alarm> fired = new ArrayList<>();
        for (Alarm alarm : Alarm.values()) {
            if (firedKinds.contains(alarm.kind)) {
                fired.add(alarm);
            }
        }
        board.restore(fired);
        if (savedLevel != null) {
            level = BalanceLevel.valueOf(savedLevel);
        }
    }

    /** Moves to the reading's level and fires and re-arms the alarms it crossed; answers the new level. */
    BalanceLevel update(BalanceReading reading) {
        BalanceLevel previous = level;
        level = LevelPolicy.next(previous, thresholds, reading.inputs());
        AlarmBoard.Changes changes = board.evaluate(thresholds, reading.inputs());
        // the alerts' figures are made only for an alert (formatting them for every evaluation cost more than the rest)
        for (Alarm alarm : changes.fire()) {
            fire(alarm, reading, reading.figures(level));
        }
        for (Alarm alarm : changes.rearm()) {
            alarms.rearm(alarm.kind).subscribe().with(v -> {
            }, e -> LOG.warnf("alarm %s not re-armed in Redis: %s", alarm.kind, e.getMessage()));
        }
        if (level != previous) {
            LOG.infof("balance level %s -> %s (balance %s, runway %s h)", previous, level, reading.balance(), reading.runway());
            alarms.saveLevel(level.name()).subscribe().with(v -> {
            }, e -> LOG.warnf("level not saved: %s", e.getMessage()));
            if (level == BalanceLevel.OK) {
                alerts.raiseAsync("recovered", level, "Balance back to OK (was " + previous + ")", reading.figures(level));
            }
        }
        return level;
    }

    /** The async lane's share at the current level ({@link LevelPolicy#asyncShare}). */
    double asyncShare(Double runway) {
        return LevelPolicy.asyncShare(level, runway, thresholds);
    }

    private void fire(Alarm alarm, BalanceReading reading, Map<String, String> figures) {
        Map<String, String> withThreshold = new LinkedHashMap<>(figures);
        withThreshold.put("threshold", BigDecimal.valueOf(alarm.threshold(thresholds)).stripTrailingZeros().toPlainString());
        String message = switch (alarm) {
            case BALANCE_LOW, BALANCE_CRITICAL -> "Provider balance $" + reading.balance().toPlainString() + " is at or below the "
                    + alarm.level + " threshold $" + withThreshold.get("threshold");
            case BALANCE_DEPLETED -> "Provider balance is depleted (402 or balance <= 0): the async lane pauses";
            case RUNWAY_LOW, RUNWAY_CRITICAL -> String.format("Runway %.1f h is below the %s threshold %s h", reading.runway(), alarm.level,
                    withThreshold.get("threshold"));
        };
        alarms.fire(alarm.kind)
                .chain(mine -> mine ? alerts.raise(alarm.kind, alarm.level, message, withThreshold).replaceWithVoid() : Uni.createFrom().voidItem())
                .subscribe().with(v -> {
                }, e -> LOG.errorf("alarm %s failed: %s", alarm.kind, e.getMessage()));
    }
}
