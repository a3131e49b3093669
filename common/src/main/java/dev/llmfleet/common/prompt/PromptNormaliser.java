package dev.llmfleet.common.prompt;

import dev.llmfleet.common.api.ChatMessage;
import dev.llmfleet.common.pricing.TokenCounter;
import jakarta.enterprise.context.ApplicationScoped;

import java.text.Normalizer;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Makes prompts that mean the same thing look the same (Unicode NFKC, whitespace runs collapsed,
 * ends trimmed), so near-duplicates share a cache entry and no one pays for padding; then trims
 * over-long messages to the feature's token budget.
 */
@ApplicationScoped
public class PromptNormaliser {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private final TokenCounter tokens;

    public PromptNormaliser(TokenCounter tokens) {
        this.tokens = tokens;
    }

    public static String normalise(String text) {
        String nfkc = Normalizer.normalize(text, Normalizer.Form.NFKC);
        return WHITESPACE.matcher(nfkc).replaceAll(" ").strip();
    }

    /**
     * Normalises every message and cuts each non-system message to {@code trimMessageTokens} tokens
     * (0 keeps them whole). System prompts are never cut: they carry the instructions.
     */
    public List<ChatMessage> apply(List<ChatMessage> messages, int trimMessageTokens) {
        return messages.stream().map(message -> {
            String text = normalise(message.content());
            if (trimMessageTokens > 0 && !message.role().equals("system")) {
                text = tokens.truncate(text, trimMessageTokens);
            }
            return new ChatMessage(message.role(), text);
        }).toList();
    }
}
