package dev.llmfleet.common.pricing;

import dev.llmfleet.common.TestConfig;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class PriceBookTest {
    private final PriceBook prices = new PriceBook(TestConfig.fleet());

    @Test
    void costIsTokensTimesListPrice() {
        // gpt-4o: $2.50 in, $10 out per million
        assertThat(prices.cost("openai/gpt-4o", 1000, 500)).isEqualByComparingTo(new BigDecimal("0.0075"));
        assertThat(prices.cost("openai/gpt-4o-mini", 14, 50)).isEqualByComparingTo(new BigDecimal("0.0000321"));
    }

    @Test
    void completionBudgetKeepsACallWithinItsCap() {
        long tokens = prices.maxCompletionTokensWithin("openai/gpt-4o", 1000, new BigDecimal("0.01"));
        assertThat(tokens).isEqualTo(750);
        assertThat(prices.cost("openai/gpt-4o", 1000, tokens)).isLessThanOrEqualTo(new BigDecimal("0.01"));
        assertThat(prices.cost("openai/gpt-4o", 1000, tokens + 1)).isGreaterThan(new BigDecimal("0.01"));
    }

    @Test
    void aPromptOverTheCapHasNoBudget() {
        assertThat(prices.maxCompletionTokensWithin("openai/gpt-4o", 10_000, new BigDecimal("0.001"))).isNegative();
    }

    @Test
    void chatTokenCountIncludesMessageFraming() {
        TokenCounter counter = new TokenCounter();
        var messages = java.util.List.of(new dev.llmfleet.common.api.ChatMessage("user", "hello world"));
        assertThat(counter.countPrompt(messages)).isEqualTo(3 + 3 + counter.count("user") + counter.count("hello world"));
    }
}
