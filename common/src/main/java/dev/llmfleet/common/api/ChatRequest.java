package dev.llmfleet.common.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * A validated OpenAI chat completion request.
 *
 * @param model     the model asked for ({@code vendor/model})
 * @param messages  the conversation, validated (roles, text content)
 * @param maxTokens the output budget, after the feature's cap
 * @param stream    whether the caller wants SSE
 * @param sampling  parameters that change the answer and are passed to the provider as given
 *                  (temperature, top_p, stop, seed, penalties, response_format, logit_bias; checked by
 *                  {@code RequestParameters}); part of the cache key
 */
public record ChatRequest(String model, List<ChatMessage> messages, int maxTokens, boolean stream,
                          Map<String, JsonNode> sampling) {

    public ChatRequest {
        messages = List.copyOf(messages);
        sampling = Map.copyOf(sampling);
    }

    /** The sampling temperature; OpenAI's default is 1 when a request names none. */
    public double temperature() {
        JsonNode temperature = sampling.get("temperature");
        return temperature == null || temperature.isNull() ? 1.0 : temperature.asDouble();
    }

    public ChatRequest withModel(String newModel) {
        return new ChatRequest(newModel, messages, maxTokens, stream, sampling);
    }

    public ChatRequest withMessages(List<ChatMessage> newMessages) {
        return new ChatRequest(model, newMessages, maxTokens, stream, sampling);
    }

    public ChatRequest withMaxTokens(int newMaxTokens) {
        return new ChatRequest(model, messages, newMaxTokens, stream, sampling);
    }
}
