package dev.llmfleet.common.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.common.api.ChatMessage;
import dev.llmfleet.common.api.ChatRequest;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.config.FleetConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a raw OpenAI chat body into a {@link ChatRequest}, refusing anomalies before anything costs money:
 * text that is not Unicode, schema, roles, content types, message count, prompt size, {@code max_tokens} bounds,
 * unknown models, and every other field by {@link RequestParameters}. Every refusal is a 4xx {@link FleetException} whose message and
 * {@code param} name the offending field.
 */
@ApplicationScoped
public class ChatRequestValidator {
    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    private final FleetConfig config;
    private final RequestParameters parameters;

    public ChatRequestValidator(FleetConfig config) {
        this.config = config;
        this.parameters = new RequestParameters(config.limits().maxParameterBytes());
    }

    /** Validates {@code body} for {@code feature}; {@code max_tokens} comes back capped by the feature. */
    public ChatRequest validate(JsonNode body, FleetConfig.Feature feature) {
        if (body == null || !body.isObject()) {
            throw FleetException.invalid("invalid_body", "The request body must be a JSON object.");
        }
        body.fields().forEachRemaining(field -> {
            if (!isUnicode(field.getKey()) || !isUnicode(field.getValue())) {
                throw FleetException.invalidParameter(field.getKey(), "invalid_unicode", "'" + field.getKey() + "' holds text that is "
                        + "not Unicode: an unpaired surrogate (a lone \\ud800-\\udfff escape).");
            }
        });
        Map<String, JsonNode> sampling = parameters.check(body);
        String model = model(body.get("model"));
        List<ChatMessage> messages = messages(body.get("messages"));
        int maxTokens = maxTokens(body, feature);
        return new ChatRequest(model, messages, maxTokens, body.path("stream").asBoolean(false), sampling);
    }

    private String model(JsonNode node) {
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            throw FleetException.invalidParameter("model", "missing_model", "'model' is required and must be a string such as 'openai/gpt-4o-mini'.");
        }
        String model = node.asText();
        if (!config.models().containsKey(model)) {
            throw FleetException.rejectedParameter(404, "model", "model_not_found",
                    "The model '" + model + "' does not exist or is not offered; GET /v1/models lists the models.");
        }
        return model;
    }

    private List<ChatMessage> messages(JsonNode node) {
        if (node == null || !node.isArray()) {
            throw FleetException.invalidParameter("messages", "invalid_messages", "'messages' is required and must be an array.");
        }
        if (node.isEmpty()) {
            throw FleetException.invalidParameter("messages", "invalid_messages", "'messages' must contain at least one message.");
        }
        if (node.size() > config.limits().maxMessages()) {
            throw FleetException.invalidParameter("messages", "too_many_messages",
                    "'messages' has " + node.size() + " entries; the limit is " + config.limits().maxMessages() + ".");
        }
        List<ChatMessage> messages = new ArrayList<>(node.size());
        long chars = 0;
        for (int i = 0; i < node.size(); i++) {
            JsonNode message = node.get(i);
            if (!message.isObject()) {
                throw FleetException.invalidParameter("messages", "invalid_messages", "messages[" + i + "] must be an object.");
            }
            JsonNode role = message.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
                throw FleetException.invalidParameter("messages", "invalid_role", "messages[" + i + "].role must be one of " + ROLES + ".");
            }
            String content = content(message.get("content"), i);
            chars += content.length();
            messages.add(new ChatMessage(role.asText(), content));
        }
        if (chars > config.limits().maxPromptChars()) {
            throw FleetException.invalidParameter("messages", "prompt_too_long",
                    "The messages hold " + chars + " characters; the limit is " + config.limits().maxPromptChars() + ".");
        }
        if (messages.stream().noneMatch(m -> m.role().equals("user"))) {
            throw FleetException.invalidParameter("messages", "invalid_messages", "'messages' must contain at least one user message.");
        }
        return messages;
    }

    /** True unless a string or field name in {@code node} holds an unpaired UTF-16 surrogate, which no UTF-8 text can carry. */
    private static boolean isUnicode(JsonNode node) {
        if (node.isTextual()) {
            return isUnicode(node.textValue());
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!isUnicode(field.getKey()) || !isUnicode(field.getValue())) {
                return false;
            }
        }
        if (node.isArray()) {
            for (JsonNode element : node) {
                if (!isUnicode(element)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean isUnicode(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** A string, or an array of text parts (joined); images and other part types are refused. */
    private static String content(JsonNode node, int index) {
        if (node != null && node.isTextual()) {
            return node.asText();
        }
        if (node != null && node.isArray() && !node.isEmpty()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : node) {
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw FleetException.invalidParameter("messages", "invalid_content",
                            "messages[" + index + "].content parts must be {\"type\":\"text\",\"text\":\"...\"}; other content types are not supported.");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw FleetException.invalidParameter("messages", "invalid_content", "messages[" + index + "].content must be a string or an array of text parts.");
    }

    private int maxTokens(JsonNode body, FleetConfig.Feature feature) {
        String param = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        JsonNode node = body.get(param);
        if (node == null || node.isNull()) {
            return Math.min(feature.defaultMaxTokens(), feature.maxTokensCap());
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw FleetException.invalidParameter(param, "invalid_max_tokens", "'" + param + "' must be an integer.");
        }
        int value = node.intValue();
        if (value < 1 || value > config.limits().maxTokens()) {
            throw FleetException.invalidParameter(param, "invalid_max_tokens",
                    "'" + param + "' must be between 1 and " + config.limits().maxTokens() + "; it was " + value + ".");
        }
        return Math.min(value, feature.maxTokensCap());
    }
}
