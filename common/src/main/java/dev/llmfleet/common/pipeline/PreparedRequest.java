package dev.llmfleet.common.pipeline;

import dev.llmfleet.common.api.ChatRequest;
import dev.llmfleet.common.config.FleetConfig;

/**
 * A request that passed every free check: validated, normalised, trimmed and counted.
 *
 * @param modelAsked   the model the caller named (before feature rules and routing)
 * @param includeUsage the caller asked for the usage chunk of a stream
 * @param cacheable    the feature caches answers and the request's temperature is low enough to reuse one
 */
public record PreparedRequest(ChatRequest request, String feature, FleetConfig.Feature rules, int promptTokens,
                              String modelAsked, boolean includeUsage, boolean cacheable) {
}
