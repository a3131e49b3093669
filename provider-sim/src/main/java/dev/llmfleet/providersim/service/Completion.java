package dev.llmfleet.providersim.service;

/**
 * One generated answer, independent of how it is delivered (JSON or SSE, first time or replay).
 *
 * @param pieces the content as one-token pieces, in order (a stream sends one per chunk)
 */
public record Completion(String id, long created, String model, String[] pieces, int promptTokens,
                         int completionTokens, String finishReason) {

    public String content() {
        return String.join("", pieces);
    }
}
