package dev.llmfleet.common.cache;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.llmfleet.common.api.ChatMessage;
import dev.llmfleet.common.api.ChatRequest;
import dev.llmfleet.common.pipeline.Lane;
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
        String base = AnswerKeys.cache("t", request("openai/gpt-4o", "hi", 10, Map.of()));
        assertThat(AnswerKeys.cache("t", request("openai/gpt-4o", "hi", 10, Map.of()))).isEqualTo(base);
        assertThat(AnswerKeys.cache("t", request("openai/gpt-4o-mini", "hi", 10, Map.of()))).isNotEqualTo(base);
        assertThat(AnswerKeys.cache("t", request("openai/gpt-4o", "hi!", 10, Map.of()))).isNotEqualTo(base);
        assertThat(AnswerKeys.cache("t", request("openai/gpt-4o", "hi", 11, Map.of()))).isNotEqualTo(base);
        assertThat(AnswerKeys.cache("t", request("openai/gpt-4o", "hi", 10, Map.of("seed", IntNode.valueOf(1))))).isNotEqualTo(base);
    }

    @Test
    void aParameterAtItsDefaultOrNullOrSpelledAnotherWayIsTheSameKey() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        String none = AnswerKeys.cache("t", request("openai/gpt-4o", "hi", 10, Map.of()));
        assertThat(AnswerKeys.cache("t", request("openai/gpt-4o", "hi", 10, Map.of("temperature", json.readTree("1.0"), "top_p", json.readTree("1"),
                "frequency_penalty", json.readTree("null"), "response_format", json.readTree("{\"type\":\"text\"}"))))).isEqualTo(none);
        assertThat(AnswerKeys.cache("t", request("openai/gpt-4o", "hi", 10, Map.of("temperature", json.readTree("0.50"),
                "stop", json.readTree("[\"b\",\"a\"]"), "response_format", json.readTree("{\"json_schema\":{\"schema\":{\"y\":1,\"x\":2.0},\"name\":\"n\"},\"type\":\"json_schema\"}")))))
                .isEqualTo(AnswerKeys.cache("t", request("openai/gpt-4o", "hi", 10, Map.of("temperature", json.readTree("5e-1"),
                        "stop", json.readTree("[\"a\",\"b\"]"), "response_format", json.readTree("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\",\"schema\":{\"x\":2,\"y\":1}}}")))))
                .isNotEqualTo(none);
        assertThat(AnswerKeys.cache("t", request("openai/gpt-4o", "hi", 10, Map.of("stop", json.readTree("\"a\"")))))
                .isEqualTo(AnswerKeys.cache("t", request("openai/gpt-4o", "hi", 10, Map.of("stop", json.readTree("[\"a\"]")))));
        assertThat(AnswerKeys.cache("t", request("openai/gpt-4o", "hi", 10, Map.of("temperature", json.readTree("0")))))
                .isNotEqualTo(none);
    }

    @Test
    void streamingDoesNotChangeTheKeySoStreamsAndPlainCallsShareAnswers() {
        ChatRequest plain = request("openai/gpt-4o", "hi", 10, Map.of());
        ChatRequest streamed = new ChatRequest("openai/gpt-4o", plain.messages(), 10, true, Map.of());
        assertThat(AnswerKeys.cache("t", streamed)).isEqualTo(AnswerKeys.cache("t", plain));
    }

    @Test
    void cachedAnswersAreScopedByTenantUnlessShared() {
        ChatRequest same = request("openai/gpt-4o", "hi", 10, Map.of());
        assertThat(AnswerKeys.cache("a", same)).isNotEqualTo(AnswerKeys.cache("b", same)).isNotEqualTo(AnswerKeys.cache(AnswerKeys.SHARED, same));
        assertThat(AnswerKeys.cache(AnswerKeys.SHARED, same)).isEqualTo(AnswerKeys.cache(AnswerKeys.SHARED, request("openai/gpt-4o", "hi", 10, Map.of())));
    }

    @Test
    void replayKeysAreScopedByTenantAndLane() {
        String interactive = AnswerKeys.idempotency("a", Lane.INTERACTIVE, "job_1");
        assertThat(interactive).startsWith("fleet:idem:v2:").isEqualTo(AnswerKeys.idempotency("a", Lane.INTERACTIVE, "job_1"));
        assertThat(interactive).isNotEqualTo(AnswerKeys.idempotency("b", Lane.INTERACTIVE, "job_1"))
                .isNotEqualTo(AnswerKeys.idempotency("a", Lane.ASYNC, "job_1"));
        assertThat(AnswerKeys.isReplay(interactive)).isTrue();
    }
}
