package dev.llmfleet.billing.service;

import dev.llmfleet.billing.service.LevelPolicy.Alarm;
import dev.llmfleet.billing.service.LevelPolicy.Inputs;
import dev.llmfleet.billing.service.LevelPolicy.Thresholds;
import dev.llmfleet.common.billing.BalanceLevel;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LevelPolicyTest {
    private static final Thresholds T = new Thresholds(20, 5, 24, 4, 0.10);

    private static Inputs balance(String usd) {
        return new Inputs(new BigDecimal(usd), null, false);
    }

    @Test
    void levelIsTheWorstOfBalanceAndRunway() {
        assertThat(LevelPolicy.strict(T, balance("100"))).isEqualTo(BalanceLevel.OK);
        assertThat(LevelPolicy.strict(T, balance("20"))).isEqualTo(BalanceLevel.LOW);
        assertThat(LevelPolicy.strict(T, balance("5"))).isEqualTo(BalanceLevel.CRITICAL);
        assertThat(LevelPolicy.strict(T, new Inputs(new BigDecimal("100"), 10.0, false))).isEqualTo(BalanceLevel.LOW);
        assertThat(LevelPolicy.strict(T, new Inputs(new BigDecimal("100"), 3.0, false))).isEqualTo(BalanceLevel.CRITICAL);
        assertThat(LevelPolicy.strict(T, new Inputs(new BigDecimal("15"), 100.0, false))).isEqualTo(BalanceLevel.LOW);
        assertThat(LevelPolicy.strict(T, new Inputs(new BigDecimal("100"), 100.0, true))).isEqualTo(BalanceLevel.DEPLETED);
        assertThat(LevelPolicy.strict(T, new Inputs(null, null, false))).isEqualTo(BalanceLevel.OK);
    }

    @Test
    void levelWorsensAtOnceButImprovesOnlyPastTheHysteresisBand() {
        BalanceLevel level = BalanceLevel.OK;
        level = LevelPolicy.next(level, T, balance("21"));
        assertThat(level).isEqualTo(BalanceLevel.OK);
        level = LevelPolicy.next(level, T, balance("19"));
        assertThat(level).isEqualTo(BalanceLevel.LOW);
        level = LevelPolicy.next(level, T, balance("21.9"));
        assertThat(level).as("inside the 10%% band: still LOW").isEqualTo(BalanceLevel.LOW);
        level = LevelPolicy.next(level, T, balance("22.1"));
        assertThat(level).isEqualTo(BalanceLevel.OK);
        level = LevelPolicy.next(level, T, balance("4"));
        assertThat(level).isEqualTo(BalanceLevel.CRITICAL);
        level = LevelPolicy.next(level, T, balance("5.4"));
        assertThat(level).isEqualTo(BalanceLevel.CRITICAL);
        level = LevelPolicy.next(level, T, balance("6"));
        assertThat(level).as("past the critical band but under the low threshold").isEqualTo(BalanceLevel.LOW);
        level = LevelPolicy.next(level, T, new Inputs(new BigDecimal("6"), null, true));
        assertThat(level).isEqualTo(BalanceLevel.DEPLETED);
        level = LevelPolicy.next(level, T, balance("500"));
        assertThat(level).isEqualTo(BalanceLevel.OK);
    }

    @Test
    void eachCrossingAlarmsOnceAndReArmsOnlyAfterRecovery() {
        AlarmBoard board = new AlarmBoard();
        List<Alarm> fired = new ArrayList<>();
        for (String usd : List.of("30", "25", "19.5", "12", "6", "4.5", "3", "5.2", "4.8", "5.4", "4.9")) {
            fired.addAll(board.evaluate(T, balance(usd)).fire());
        }
        assertThat(fired).containsExactly(Alarm.BALANCE_LOW, Alarm.BALANCE_CRITICAL);
        AlarmBoard.Changes recovered = board.evaluate(T, balance("5.6"));
        assertThat(recovered.rearm()).containsExactly(Alarm.BALANCE_CRITICAL);
        assertThat(board.evaluate(T, balance("4.9")).fire()).containsExactly(Alarm.BALANCE_CRITICAL);
        assertThat(board.evaluate(T, new Inputs(BigDecimal.ZERO, 0.0, true)).fire())
                .containsExactly(Alarm.BALANCE_DEPLETED, Alarm.RUNWAY_LOW, Alarm.RUNWAY_CRITICAL);
        AlarmBoard.Changes topUp = board.evaluate(T, new Inputs(new BigDecimal("1000"), null, false));
        assertThat(topUp.rearm()).containsExactlyInAnyOrder(Alarm.values());
        assertThat(board.fired()).isEmpty();
    }

    @Test
    void restoredAlarmsDoNotFireAgain() {
        AlarmBoard board = new AlarmBoard();
        board.restore(List.of(Alarm.BALANCE_LOW));
        assertThat(board.evaluate(T, balance("15")).fire()).isEmpty();
    }

    @Test
    void asyncShareFollowsTheRunwayAtLow() {
        assertThat(LevelPolicy.asyncShare(BalanceLevel.OK, 1.0, T)).isEqualTo(1.0);
        assertThat(LevelPolicy.asyncShare(BalanceLevel.CRITICAL, 100.0, T)).isZero();
        assertThat(LevelPolicy.asyncShare(BalanceLevel.DEPLETED, null, T)).isZero();
        assertThat(LevelPolicy.asyncShare(BalanceLevel.LOW, 14.0, T)).isEqualTo(0.5);
        assertThat(LevelPolicy.asyncShare(BalanceLevel.LOW, 4.5, T)).isEqualTo(0.1);
        assertThat(LevelPolicy.asyncShare(BalanceLevel.LOW, 200.0, T)).isEqualTo(1.0);
        assertThat(LevelPolicy.asyncShare(BalanceLevel.LOW, null, T)).isEqualTo(1.0);
    }
}
