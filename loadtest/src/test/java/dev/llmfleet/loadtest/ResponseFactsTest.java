package dev.llmfleet.loadtest;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

class ResponseFactsTest {
    private static final UnaryOperator<String> NONE = name -> null;

    @Test
    void readsTheChargeFromTheHeaderFirst() {
        ResponseFacts facts = ResponseFacts.of(200, headers(Map.of("X-MDB-Charged-USD", "0.00042", "X-Fleet-Cache", "MISS")),
                headers(Map.of("X-MDB-Charged-USD", "9")), null);

        assertThat(facts.chargedUsd()).isEqualByComparingTo("0.00042");
        assertThat(facts.cache()).isEqualTo("miss");
        assertThat(facts.ok()).isTrue();
    }

    @Test
    void fallsBackToTheTrailerThenToTheChargeEvent() {
        assertThat(ResponseFacts.of(200, NONE, headers(Map.of("X-MDB-Charged-USD", "0.0003")), "data: [DONE]").chargedUsd())
                .isEqualByComparingTo("0.0003");
        String sse = "data: {\"choices\":[]}\n\ndata: {\"object\":\"mdb.charge\",\"id\":\"c1\",\"charged_usd\":\"0.00012\",\"balance_usd\":\"99.8\"}\n\ndata: [DONE]\n\n";
        assertThat(ResponseFacts.of(200, NONE, NONE, sse).chargedUsd()).isEqualByComparingTo("0.00012");
        assertThat(ResponseFacts.of(200, NONE, NONE, "data: [DONE]").chargedUsd()).isNull();
        assertThat(ResponseFacts.of(503, headers(Map.of("X-MDB-Charged-USD", "junk")), NONE, null).chargedUsd()).isNull();
    }

    private static UnaryOperator<String> headers(Map<String, String> values) {
        return name -> values.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }
}
