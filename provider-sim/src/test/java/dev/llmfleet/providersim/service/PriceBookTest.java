package dev.llmfleet.providersim.service;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class PriceBookTest {

    private static final PriceBook.Model GPT_4O = new PriceBook.Model("openai/gpt-4o", "openai",
            new BigDecimal("2.50"), new BigDecimal("10.00"), 128_000, 0);

    @Test
    void chargeIsRoundedHalfUpToEightDecimals() {
        assertThat(PriceBook.charge(GPT_4O, 1000, 500)).isEqualByComparingTo("0.0075").hasScaleOf(8);
        // one gpt-4o prompt token costs exactly 0.0000025
        assertThat(PriceBook.charge(GPT_4O, 1, 0)).isEqualByComparingTo("0.0000025");
        PriceBook.Model odd = new PriceBook.Model("x/y", "x", new BigDecimal("0.000005"), BigDecimal.ONE, 100, 0);
        assertThat(PriceBook.charge(odd, 1, 0)).isEqualByComparingTo("0.00000000"); // 5e-12 rounds away
        assertThat(PriceBook.charge(odd, 1000, 0)).isEqualByComparingTo("0.00000001"); // 5e-9 rounds half up
    }

    @Test
    void capLimitIsTheLongestAnswerWithinTheCap() {
        BigDecimal cap = new BigDecimal("0.0001");
        long tokens = PriceBook.maxCompletionTokensWithin(GPT_4O, 20, cap);
        assertThat(PriceBook.charge(GPT_4O, 20, tokens)).isLessThanOrEqualTo(cap);
        assertThat(PriceBook.charge(GPT_4O, 20, tokens + 1)).isGreaterThan(cap);
        assertThat(PriceBook.maxCompletionTokensWithin(GPT_4O, 41, cap)).isEqualTo(-1);
        assertThat(PriceBook.maxCompletionTokensWithin(GPT_4O, 40, cap)).isZero();
    }
}
