package dev.llmfleet.common.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.common.api.ChatRequest;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.pricing.PriceBook;
import dev.llmfleet.common.pricing.TokenCounter;
import dev.llmfleet.common.prompt.PromptNormaliser;
import dev.llmfleet.common.validation.ChatRequestValidator;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The pipeline's free steps: validate, apply the feature's rules, normalise, trim, count and check the prompt against
 * the feature's limit and the model's context window. Intake runs them on a job before it is queued, the pipeline on
 * every request; a refusal here costs nothing.
 */
@ApplicationScoped
public class RequestPreparer {
    private final FleetConfig config;
    private final ChatRequestValidator validator;
    private final PromptNormaliser normaliser;
    private final TokenCounter tokens;
    private final PriceBook prices;

    public RequestPreparer(FleetConfig config, ChatRequestValidator validator, PromptNormaliser normaliser, TokenCounter tokens,
                           PriceBook prices) {
        this.config = config;
        this.validator = validator;
        this.normaliser = normaliser;
        this.tokens = tokens;
        this.prices = prices;
    }

    /** Throws a 4xx {@link FleetException} for anything that must not reach the provider. */
    public PreparedRequest prepare(JsonNode body, String feature) {
        FleetConfig.Feature rules = config.features().get(feature);
        ChatRequest asked = validator.validate(body, rules);
        ChatRequest request = asked.withMessages(normaliser.apply(asked.messages(), rules.trimMessageTokens()));
        if (rules.model().isPresent()) {
            request = request.withModel(rules.model().get());
        }
        int promptTokens = tokens.countPrompt(request.messages());
        if (promptTokens > rules.maxPromptTokens()) {
            throw FleetException.invalidParameter("messages", "prompt_too_long", "The prompt has " + promptTokens + " tokens; feature '" + feature
                    + "' allows " + rules.maxPromptTokens() + ".");
        }
        int window = prices.model(request.model()).orElseThrow().contextWindow();
        if (promptTokens >= window) {
            throw FleetException.invalidParameter("messages", "context_length_exceeded", "The prompt has " + promptTokens
                    + " tokens; model '" + request.model() + "' has a context window of " + window + ".");
        }
        if (promptTokens + request.maxTokens() > window) {
            request = request.withMaxTokens(window - promptTokens);
        }
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        boolean cacheable = rules.cacheEnabled() && request.temperature() <= config.cache().maxTemperature();
        return new PreparedRequest(request, feature, rules, promptTokens, asked.model(), includeUsage, cacheable);
    }
}
