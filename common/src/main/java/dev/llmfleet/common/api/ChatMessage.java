package dev.llmfleet.common.api;

/** One message of an OpenAI chat request; text parts of a content array are joined into {@code content}. */
public record ChatMessage(String role, String content) {
}
