package dev.llmfleet.billing.service;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class MoneyTest {

    @Test
    void providerChargesConvertToNanosWithoutLoss() {
        assertThat(Money.toNanos(new BigDecimal("0.00012345"))).isEqualTo(123_450L);
        assertThat(Money.toNanos(new BigDecimal("0.00000001"))).isEqualTo(10L);
        assertThat(Money.toNanos(new BigDecimal("12345.67890123"))).isEqualTo(12_345_678_901_230L);
        assertThat(Money.toNanos(new BigDecimal("1E+2"))).isEqualTo(100_000_000_000L);
        assertThat(Money.toNanos(null)).isZero();
        assertThat(Money.toNanos(new BigDecimal("-4.5"))).isEqualTo(-4_500_000_000L);
    }

    @Test
    void finerThanNanoIsRoundedHalfEven() {
        assertThat(Money.toNanos(new BigDecimal("0.0000000015"))).isEqualTo(2L);
        assertThat(Money.toNanos(new BigDecimal("0.0000000025"))).isEqualTo(2L);
    }

    @Test
    void nanosPrintAsPlainExactDecimals() {
        assertThat(Money.toUsd(123_450L)).isEqualByComparingTo("0.00012345");
        assertThat(Money.toUsd(123_450L).toString()).isEqualTo("0.00012345");
        assertThat(Money.toUsd(10_000_000_000L).toString()).isEqualTo("10");
        assertThat(Money.toUsd(0).toString()).isEqualTo("0");
        assertThat(Money.toUsd(-1).toPlainString()).isEqualTo("-0.000000001");
        assertThat(Money.toUsd(10).toPlainString()).isEqualTo("0.00000001");
    }

    @Test
    void summingManyChargesStaysExact() {
        long sum = 0;
        BigDecimal exact = BigDecimal.ZERO;
        for (int i = 0; i < 10_000; i++) {
            BigDecimal charge = new BigDecimal("0.00000123").add(BigDecimal.valueOf(i, 8));
            sum += Money.toNanos(charge);
            exact = exact.add(charge);
        }
        assertThat(Money.toUsd(sum)).isEqualByComparingTo(exact);
    }

    @Test
    void perRequestIsRoundedToTheNanoOrNullWithoutRequests() {
        assertThat(Money.perRequest(1_000_000_000L, 3)).isEqualByComparingTo("0.333333333");
        assertThat(Money.perRequest(5, 0)).isNull();
    }
}
