package dev.llmfleet.billing.service;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BurnRateTest {

    @Test
    void windowCoversWholeMinutesPlusTheElapsedPartOfTheCurrentOne() {
        Duration window = Duration.ofMinutes(15);
        assertThat(BurnRate.buckets(window)).isEqualTo(15);
        assertThat(BurnRate.buckets(Duration.ofSeconds(90))).isEqualTo(2);
        long now = 1_700_000_000_000L - Math.floorMod(1_700_000_000_000L, 60_000) + 30_000;
        assertThat(BurnRate.spanMillis(window, now)).isEqualTo(14 * 60_000 + 30_000);
        long atMinuteStart = now - 30_000;
        assertThat(BurnRate.spanMillis(Duration.ofMinutes(1), atMinuteStart)).isEqualTo(1000);
    }

    @Test
    void burnRateIsSpendPerHour() {
        // $3 over 15 minutes is $12 per hour
        assertThat(BurnRate.usdPerHour(3_000_000_000L, 15 * 60_000)).isCloseTo(12.0, within(1e-9));
        assertThat(BurnRate.usdPerHour(0, 15 * 60_000)).isZero();
    }

    @Test
    void runwayIsBalanceOverBurnAndUnboundedWithoutSpend() {
        assertThat(BurnRate.runwayHours(new BigDecimal("48"), 12.0)).isEqualTo(4.0);
        assertThat(BurnRate.runwayHours(new BigDecimal("48"), 0.0)).isNull();
        assertThat(BurnRate.runwayHours(null, 5.0)).isNull();
        assertThat(BurnRate.runwayHours(new BigDecimal("-0.01"), 5.0)).isZero();
    }

    @Test
    void unattributedIsTheGapAboveTheTolerance() {
        // anchor 100, ledger charges 10, billing topped up 50: expect 140; the provider says 138.5
        long gap = Reconciliation.gapNanos(100_000_000_000L, 10_000_000_000L, 50_000_000_000L, 138_500_000_000L);
        assertThat(gap).isEqualTo(1_500_000_000L);
        assertThat(Reconciliation.unattributedNanos(gap, 50_000_000L)).isEqualTo(1_500_000_000L);
        assertThat(Reconciliation.unattributedNanos(40_000_000L, 50_000_000L)).isZero();
        assertThat(Reconciliation.unattributedNanos(-2_000_000_000L, 50_000_000L)).isZero();
    }

    @Test
    void anomalyNeedsEnoughRequestsAndAFactor() {
        assertThat(AnomalyRule.anomalous(20, 20 * 400, 100, 100 * 100, 3, 20)).isTrue();
        assertThat(AnomalyRule.anomalous(20, 20 * 300, 100, 100 * 100, 3, 20)).isFalse();
        assertThat(AnomalyRule.anomalous(19, 19 * 400, 100, 100 * 100, 3, 20)).isFalse();
        assertThat(AnomalyRule.anomalous(20, 20 * 400, 10, 10 * 100, 3, 20)).isFalse();
        assertThat(AnomalyRule.anomalous(20, 20 * 400, 100, 0, 3, 20)).isFalse();
    }
}
