package dev.llmfleet.providersim.service;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A validated OpenAI chat completion request: only what the simulator needs to answer honestly.
 * Fields it does not model (tools, response_format, ...) are accepted and ignored, as a permissive
 * provider would.
 *
 * @param maxTokens {@code max_completion_tokens}, else {@code max_tokens}; null when neither is set
 */
public record ChatRequest(String model, List<Message> messages, Integer maxTokens, boolean stream) {

    /** One message; {@code content} is the concatenated text parts ("" for none). */
    public record Message(String role, String content, String name) {
    }

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    /** @throws ApiException 400 naming the offending field */
    public static ChatRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw invalid(null, "The request body must be a JSON object.");
        }
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw invalid("model", "'model' is required and must be a non-empty string.");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw invalid("messages", "'messages' must be a non-empty array.");
        }
        List<Message> parsed = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            parsed.add(parseMessage(messages.get(i), "messages[" + i + "]"));
        }
        Integer maxTokens = positiveInt(body, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = positiveInt(body, "max_tokens");
        }
        JsonNode temperature = body.get("temperature");
        if (temperature != null && !temperature.isNull()
                && (!temperature.isNumber() || temperature.asDouble() < 0 || temperature.asDouble() > 2)) {
            throw invalid("temperature", "'temperature' must be a number between 0 and 2.");
        }
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.canConvertToInt() && n.isIntegralNumber() && n.asInt() == 1)) {
            throw invalid("n", "Only n = 1 is supported.");
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw invalid("stream", "'stream' must be a boolean.");
        }
        JsonNode streamOptions = body.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull() && !streamOptions.isObject()) {
            throw invalid("stream_options", "'stream_options' must be an object.");
        }
        return new ChatRequest(model.asText(), parsed, maxTokens, stream != null && stream.asBoolean());
    }

    private static Message parseMessage(JsonNode m, String where) {
        if (!m.isObject()) {
            throw invalid(where, where + " must be an object.");
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
            throw invalid(where + ".role", where + ".role must be one of " + ROLES + ".");
        }
        JsonNode content = m.get("content");
        String text;
        if (content == null || content.isNull()) {
            if (!"assistant".equals(role.asText())) {
                throw invalid(where + ".content", where + ".content is required.");
            }
            text = "";
        } else if (content.isTextual()) {
            text = content.asText();
        } else if (content.isArray()) {
            StringBuilder joined = new StringBuilder();
            for (JsonNode part : content) {
                JsonNode partText = part.get("text");
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || partText == null || !partText.isTextual()) {
                    throw invalid(where + ".content", where + ".content parts must be {\"type\":\"text\",\"text\":string}.");
                }
                joined.append(partText.asText());
            }
            text = joined.toString();
        } else {
            throw invalid(where + ".content", where + ".content must be a string or an array of text parts.");
        }
        JsonNode name = m.get("name");
        if (name != null && !name.isNull() && !name.isTextual()) {
            throw invalid(where + ".name", where + ".name must be a string.");
        }
        return new Message(role.asText(), text, name == null || name.isNull() ? null : name.asText());
    }

    private static Integer positiveInt(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
            throw invalid(field, "'" + field + "' must be an integer >= 1.");
        }
        return v.asInt();
    }

    private static ApiException invalid(String param, String message) {
        return ApiException.invalidRequest("invalid_request", param, message);
    }
}
