package dev.llmfleet.billing.service;

import dev.llmfleet.common.billing.BalanceLevel;

import java.math.BigDecimal;

/**
 * The balance level and its alarms as pure functions. The level is the worst of the balance- and runway-based
 * levels; it worsens at once but improves only after the value recovers above threshold × (1 + hysteresis),
 * so a balance hovering at a threshold neither flaps the lanes nor repeats alerts.
 */
public final class LevelPolicy {

    /** The thresholds. Balances in USD, runways in hours; hysteresis as a fraction (0.10 = 10 %). */
    public record Thresholds(double lowBalance, double criticalBalance, double lowRunway, double criticalRunway, double hysteresis) {
        Thresholds relaxed() {
            double f = 1 + hysteresis;
            return new Thresholds(lowBalance * f, criticalBalance * f, lowRunway * f, criticalRunway * f, 0);
        }
    }

    /**
     * What the level depends on.
     *
     * @param balance  latest reading, null when none yet
     * @param runway   hours to zero, null when nothing is being spent (infinite)
     * @param depleted the provider answered 402 more recently than the latest reading, or the balance is <= 0
     */
    public record Inputs(BigDecimal balance, Double runway, boolean depleted) {
    }

    /** A threshold that raises one alert per crossing. */
    public enum Alarm {
        BALANCE_LOW("balance_low", BalanceLevel.LOW),
        BALANCE_CRITICAL("balance_critical", BalanceLevel.CRITICAL),
        BALANCE_DEPLETED("balance_depleted", BalanceLevel.DEPLETED),
        RUNWAY_LOW("runway_low", BalanceLevel.LOW),
        RUNWAY_CRITICAL("runway_critical", BalanceLevel.CRITICAL);

        public final String kind;
        public final BalanceLevel level;

        Alarm(String kind, BalanceLevel level) {
            this.kind = kind;
            this.level = level;
        }

        /** The value is past the threshold itself. */
        public boolean breached(Thresholds t, Inputs in) {
            return switch (this) {
                case BALANCE_LOW -> in.balance() != null && in.balance().doubleValue() <= t.lowBalance();
                case BALANCE_CRITICAL -> in.balance() != null && in.balance().doubleValue() <= t.criticalBalance();
                case BALANCE_DEPLETED -> in.depleted();
                case RUNWAY_LOW -> in.runway() != null && in.runway() < t.lowRunway();
                case RUNWAY_CRITICAL -> in.runway() != null && in.runway() < t.criticalRunway();
            };
        }

        /** The value is back beyond threshold × (1 + hysteresis): a fired alarm re-arms. */
        public boolean recovered(Thresholds t, Inputs in) {
            if (this == BALANCE_DEPLETED) {
                return !in.depleted();
            }
            return !breached(t.relaxed(), in);
        }

        /** The threshold's value, for the alert's figures. */
        public double threshold(Thresholds t) {
            return switch (this) {
                case BALANCE_LOW -> t.lowBalance();
                case BALANCE_CRITICAL -> t.criticalBalance();
                case BALANCE_DEPLETED -> 0;
                case RUNWAY_LOW -> t.lowRunway();
                case RUNWAY_CRITICAL -> t.criticalRunway();
            };
        }
    }

    private LevelPolicy() {
    }

    /** The level from the thresholds alone, without hysteresis. */
    public static BalanceLevel strict(Thresholds t, Inputs in) {
        if (in.depleted()) {
            return BalanceLevel.DEPLETED;
        }
        if (Alarm.BALANCE_CRITICAL.breached(t, in) || Alarm.RUNWAY_CRITICAL.breached(t, in)) {
            return BalanceLevel.CRITICAL;
        }
        if (Alarm.BALANCE_LOW.breached(t, in) || Alarm.RUNWAY_LOW.breached(t, in)) {
            return BalanceLevel.LOW;
        }
        return BalanceLevel.OK;
    }

    /** The next level: worse at once, better only as far as the recovered (hysteresis) thresholds allow. */
    public static BalanceLevel next(BalanceLevel previous, Thresholds t, Inputs in) {
        BalanceLevel strict = strict(t, in);
        BalanceLevel relaxed = strict(t.relaxed(), in);
        BalanceLevel held = previous == null ? strict : min(previous, relaxed);
        return max(strict, held);
    }

    /**
     * Share of its normal pace the async lane may use: 1 at OK; at LOW proportional to how far the runway is above
     * the critical runway, relative to the low one (at least 0.1; 1 when nothing is being spent); 0 when paused.
     */
    public static double asyncShare(BalanceLevel level, Double runway, Thresholds t) {
        return switch (level) {
            case OK -> 1.0;
            case CRITICAL, DEPLETED -> 0.0;
            case LOW -> {
                if (runway == null) {
                    yield 1.0;
                }
                double span = t.lowRunway() - t.criticalRunway();
                double share = span <= 0 ? 0.5 : (runway - t.criticalRunway()) / span;
                yield Math.max(0.1, Math.min(1.0, share));
            }
        };
    }

    static BalanceLevel max(BalanceLevel a, BalanceLevel b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    static BalanceLevel min(BalanceLevel a, BalanceLevel b) {
        return a.ordinal() <= b.ordinal() ? a : b;
    }
}
