package dev.llmfleet.common.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.api.ChatRequest;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.cache.AnswerKeys;
import dev.llmfleet.common.cache.AnswerStore;
import dev.llmfleet.common.cache.StoredAnswer;
import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.pricing.PriceBook;
import dev.llmfleet.common.pricing.TokenCounter;
import dev.llmfleet.common.prompt.PromptNormaliser;
import dev.llmfleet.common.provider.Deadline;
import dev.llmfleet.common.provider.ProviderConfig;
import dev.llmfleet.common.provider.ProviderException;
import dev.llmfleet.common.provider.ProviderGateway;
import dev.llmfleet.common.provider.ProviderReply;
import dev.llmfleet.common.routing.RoutingPolicy;
import dev.llmfleet.common.usage.UsageRecorder;
import dev.llmfleet.common.validation.ChatRequestValidator;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * The one completion pipeline both lanes use, in docs/ARCHITECTURE.md's order: validate → normalise and trim →
 * idempotency → cache lookup → route → cap → call provider (retries, fallbacks) → record usage →
 * cache store → result. Everything before the call is free; a refusal there costs nothing.
 */
@ApplicationScoped
public class CompletionPipeline {
    private final FleetConfig config;
    private final ChatRequestValidator validator;
    private final PromptNormaliser normaliser;
    private final TokenCounter tokens;
    private final PriceBook prices;
    private final RoutingPolicy routing;
    private final AnswerStore answers;
    private final ProviderGateway gateway;
    private final UsageRecorder usage;
    private final ObjectMapper mapper;
    private final StreamRelay relay;
    private final ProviderConfig provider;

    public CompletionPipeline(FleetConfig config, ChatRequestValidator validator, PromptNormaliser normaliser,
                              TokenCounter tokens, PriceBook prices, RoutingPolicy routing, AnswerStore answers,
                              ProviderGateway gateway, ProviderConfig provider, UsageRecorder usage, ObjectMapper mapper) {
        this.config = config;
        this.validator = validator;
        this.normaliser = normaliser;
        this.tokens = tokens;
        this.prices = prices;
        this.routing = routing;
        this.answers = answers;
        this.gateway = gateway;
        this.provider = provider;
        this.usage = usage;
        this.mapper = mapper;
        this.relay = new StreamRelay(mapper, tokens, prices, answers);
    }

    /**
     * The free steps: validate, apply the feature's rules, normalise, trim, count and check the prompt.
     * Throws a 4xx {@link FleetException} for anything that must not reach the provider.
     */
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
        return new PreparedRequest(request, feature, rules, promptTokens, asked.model(), includeUsage);
    }

    /**
     * Runs the whole pipeline for a raw OpenAI body. Fails with a {@link FleetException} for what was refused before any
     * call (the caller's mistakes, a state Redis that cannot rule out a replay) or a {@link ProviderException} saying why
     * the provider gave no answer; the REST edge maps the latter ({@code ProviderErrors}), the async lane decides on it.
     */
    public Uni<Completion> complete(JsonNode body, CompletionContext context) {
        long started = System.nanoTime();
        PreparedRequest prepared;
        try {
            prepared = prepare(body, context.feature());
        } catch (FleetException e) {
            usage.rejected(context.lane(), context.feature(), e.code());
            return Uni.createFrom().failure(e);
        }
        return complete(prepared, context, started);
    }

    Uni<Completion> complete(PreparedRequest prepared, CompletionContext context, long started) {
        RunUsage run = new RunUsage(usage, context, prepared, started);
        if (context.idempotencyKey() == null) {
            return lookupCache(run);
        }
        String replayKey = AnswerKeys.idempotency(context.tenant(), context.idempotencyKey());
        return answers.get(replayKey).chain(stored -> stored != null
                ? Uni.createFrom().item(reuse(stored, "replay", run))
                : lookupCache(run));
    }

    private Uni<Completion> lookupCache(RunUsage run) {
        PreparedRequest prepared = run.prepared();
        CompletionContext context = run.context();
        boolean cacheable = prepared.rules().cacheEnabled() && prepared.request().temperature() <= config.cache().maxTemperature();
        String cacheKey = cacheable ? AnswerKeys.cache(prepared.request()) : null;
        if (!cacheable || context.bypassCache()) {
            usage.cacheLookup(context.lane(), context.feature(), "bypass");
            return call(run, cacheKey);
        }
        return answers.get(cacheKey).chain(stored -> {
            usage.cacheLookup(context.lane(), context.feature(), stored != null ? "hit" : "miss");
            return stored != null
                    ? Uni.createFrom().item(reuse(stored, "cache", run))
                    : call(run, cacheKey);
        });
    }

    /**
     * Serves a stored answer (cache hit or idempotent replay): no provider call, charged 0. An async job's
     * replay records no usage: the job's first run already recorded its calls.
     */
    private Completion reuse(StoredAnswer stored, String source, RunUsage run) {
        PreparedRequest prepared = run.prepared();
        CompletionContext context = run.context();
        run.reused(source, stored.modelUsed(), stored.promptTokens(), stored.completionTokens(), stored.chargedUsd(),
                "cache".equals(source) || context.lane() != Lane.ASYNC);
        BigDecimal replayed = "replay".equals(source) ? stored.chargedUsd() : null;
        if (prepared.request().stream()) {
            return new Completion(context.requestId(), stored.modelUsed(), source, BigDecimal.ZERO, null, null,
                    StreamRelay.replay(mapper, stored, prepared.includeUsage()),
                    Uni.createFrom().item(new Completion.Charge(BigDecimal.ZERO, null)), replayed);
        }
        return new Completion(context.requestId(), stored.modelUsed(), source, BigDecimal.ZERO, null, stored.completion(), null, null, replayed);
    }

    private Uni<Completion> call(RunUsage run, String cacheKey) {
        PreparedRequest prepared = run.prepared();
        CompletionContext context = run.context();
        RoutingPolicy.Route route = routing.route(prepared.request(), prepared.rules(), prepared.promptTokens());
        if (!route.first().equals(prepared.request().model())) {
            usage.rerouted(context.lane(), context.feature(), route.first(), route.reason());
        }
        BigDecimal cap = prepared.rules().maxCostUsd();
        long affordable = prices.maxCompletionTokensWithin(route.first(), prepared.promptTokens(), cap);
        if (affordable < 1) {
            usage.rejected(context.lane(), context.feature(), "cost_cap_exceeded");
            return Uni.createFrom().failure(FleetException.rejected(422, "cost_cap_exceeded",
                    "The prompt alone (" + prepared.promptTokens() + " tokens on " + route.first() + ") would cost more than feature '"
                            + context.feature() + "''s cap of $" + cap.toPlainString() + " per request."));
        }
        int maxTokens = (int) Math.min(prepared.request().maxTokens(), affordable);
        ObjectNode body = providerBody(prepared.request(), maxTokens);
        String idempotencyKey = context.idempotencyKey() != null ? context.tenant() + ":" + context.idempotencyKey() : context.requestId();
        AnswerTargets store = new AnswerTargets(cacheKey, prepared.rules().cacheTtl(),
                context.idempotencyKey() == null ? null : AnswerKeys.idempotency(context.tenant(), context.idempotencyKey()));
        Deadline deadline = context.lane() == Lane.ASYNC ? Deadline.NONE : Deadline.in(provider.interactiveDeadline());
        return gateway.call(body, route.models(), cap, idempotencyKey, run.calls(), context.gate(), deadline)
                .onFailure(ProviderException.class).invoke(e -> run.failed(((ProviderException) e).code()))
                .chain(reply -> prepared.request().stream()
                        ? Uni.createFrom().item(relay.relay(reply, run, store))
                        : finish(reply, run, store));
    }

    private Uni<Completion> finish(ProviderReply reply, RunUsage run, AnswerTargets store) {
        PreparedRequest prepared = run.prepared();
        JsonNode json;
        try {
            json = mapper.readTree(reply.body().getBytes());
        } catch (IOException e) {
            // the provider answered 200 and charged for it: the charge is recorded even though the body is unusable
            run.answered(reply.model(), prepared.promptTokens(), 0, chargeOf(reply, prepared.promptTokens(), 0), reply.balanceHeader(),
                    reply.chargedHeader() == null ? "estimated" : "header", "provider_bad_response");
            return Uni.createFrom().failure(FleetException.serverError(502, "provider_bad_response",
                    "The provider's answer was not valid JSON."));
        }
        int promptTokens = json.path("usage").path("prompt_tokens").asInt(prepared.promptTokens());
        int completionTokens = json.path("usage").path("completion_tokens").asInt(0);
        BigDecimal charged = chargeOf(reply, promptTokens, completionTokens);
        // the provider replayed an answer it charged for earlier (a call whose answer we lost in a crash):
        // nothing is charged now, and the first charge can only be priced from the price book
        BigDecimal replayed = reply.replayed() ? prices.cost(reply.model(), promptTokens, completionTokens) : null;
        run.answered(reply.model(), promptTokens, completionTokens, charged, reply.balanceHeader(),
                reply.chargedHeader() == null ? "estimated" : "header", "ok");
        StoredAnswer answer = new StoredAnswer(json, reply.model(), promptTokens, completionTokens,
                replayed == null ? charged : replayed);
        Completion completion = new Completion(run.context().requestId(), reply.model(), "provider", run.context().spend().total(),
                reply.balanceHeader(), json, null, null, replayed);
        return store.keep(answers, answer).replaceWith(completion);
    }

    /** The charge header, or the price book's figure when the provider sent none. */
    private BigDecimal chargeOf(ProviderReply reply, int promptTokens, int completionTokens) {
        BigDecimal charged = reply.chargedHeader();
        return charged != null ? charged : prices.cost(reply.model(), promptTokens, completionTokens);
    }

    /** The body sent to the provider: the normalised request, capped, always asking for a stream's usage. */
    private ObjectNode providerBody(ChatRequest request, int maxTokens) {
        ObjectNode body = mapper.createObjectNode();
        body.put("model", request.model());
        var messages = body.putArray("messages");
        request.messages().forEach(m -> messages.addObject().put("role", m.role()).put("content", m.content()));
        body.put("max_tokens", maxTokens);
        request.sampling().forEach(body::set);
        if (request.stream()) {
            body.put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
        }
        return body;
    }
}
