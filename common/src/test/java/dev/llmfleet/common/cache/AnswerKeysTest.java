package dev.llmfleet.common.cache;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.llmfleet.common.api.ChatMessage;
import dev.llmfleet.common.api.ChatRequest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AnswerKeysTest {
    private static ChatRequest request(String model, String text, int maxTokens, Map<String, com.fasterxml.jackson.databind.JsonNode> sampling) {
        return new ChatRequest(model, List.of(new ChatMessage("user", text)), maxTokens, false, sampling);
    }

    @Test
    void everythingThatChangesTheAnswerChangesTheKey() {
        String base = AnswerKeys.cache(request("openai/gpt-4o", "hi", 10, Map.of()));
        assertThat(AnswerKeys.cache(request("openai/gpt-4o", "hi", 10, Map.of()))).isEqualTo(base);
        assertThat(AnswerKeys.cache(request("openai/gpt-4o-mini", "hi", 10, Map.of()))).isNotEqualTo(base);
        assertThat(AnswerKeys.cache(request("openai/gpt-4o", "hi!", 10, Map.of()))).isNotEqualTo(base);
        assertThat(AnswerKeys.cache(request("openai/gpt-4o", "hi", 11, Map.of()))).isNotEqualTo(base);
        assertThat(AnswerKeys.cache(request("openai/gpt-4o", "hi", 10, Map.of("seed", IntNode.valueOf(1))))).isNotEqualTo(base);
    }

    @Test
    void streamingDoesNotChangeTheKeySoStreamsAndPlainCallsShareAnswers() {
        ChatRequest plain = request("openai/gpt-4o", "hi", 10, Map.of());
        ChatRequest streamed = new ChatRequest("openai/gpt-4o", plain.messages(), 10, true, Map.of());
        assertThat(AnswerKeys.cache(streamed)).isEqualTo(AnswerKeys.cache(plain));
    }

    @Test
    void idempotencyKeysAreScopedByTenant() {
        assertThat(AnswerKeys.idempotency("a", "k")).isNotEqualTo(AnswerKeys.idempotency("b", "k")).startsWith("fleet:idem:v1:");
    }
}
