package dev.llmfleet.common.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.cache.AnswerKeys;
import dev.llmfleet.common.cache.AnswerStore;
import dev.llmfleet.common.cache.CacheLease;
import dev.llmfleet.common.cache.RequestCoalescer;
import dev.llmfleet.common.cache.StoredAnswer;
import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.pricing.PriceBook;
import dev.llmfleet.common.provider.ProviderException;
import dev.llmfleet.common.provider.ProviderGateway;
import dev.llmfleet.common.provider.ProviderReply;
import dev.llmfleet.common.quota.QuotaGate;
import dev.llmfleet.common.usage.UsageRecorder;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * The one completion pipeline both lanes use, in docs/ARCHITECTURE.md's order: validate → normalise and trim →
 * idempotency → cache lookup → route → cap → call provider (retries, fallbacks) → record usage →
 * cache store → result. Everything before the call is free ({@link RequestPreparer}, {@link CallPlanner}); a refusal
 * there costs nothing. This class orders the steps and turns the provider's reply (or a stored answer) into a
 * {@link Completion}.
 */
@ApplicationScoped
public class CompletionPipeline {
    private final RequestPreparer preparer;
    private final CallPlanner planner;
    private final AnswerStore answers;
    private final RequestCoalescer coalescer;
    private final ProviderGateway gateway;
    private final StreamRelay relay;
    private final UsageRecorder usage;
    private final PriceBook prices;
    private final QuotaGate quota;
    private final ObjectMapper mapper;
    private final boolean sharedCache;

    public CompletionPipeline(RequestPreparer preparer, CallPlanner planner, AnswerStore answers, RequestCoalescer coalescer,
                              ProviderGateway gateway, StreamRelay relay, UsageRecorder usage, PriceBook prices, QuotaGate quota,
                              ObjectMapper mapper, FleetConfig config) {
        this.preparer = preparer;
        this.planner = planner;
        this.answers = answers;
        this.coalescer = coalescer;
        this.gateway = gateway;
        this.relay = relay;
        this.usage = usage;
        this.prices = prices;
        this.quota = quota;
        this.mapper = mapper;
        this.sharedCache = config.cache().sharedAcrossTenants();
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
            prepared = preparer.prepare(body, context.feature());
        } catch (FleetException e) {
            usage.rejected(context.lane(), context.feature(), e.code());
            return Uni.createFrom().failure(e);
        }
        return complete(prepared, context, started);
    }

    Uni<Completion> complete(PreparedRequest prepared, CompletionContext context, long started) {
        RunUsage run = new RunUsage(usage, context, prepared, started);
        String replayKey = replayKey(context);
        return quota.admit(context.quota(), context.lane()).chain(() -> replayKey == null
                ? lookupCache(run)
                : answers.get(replayKey).chain(stored -> stored != null
                        ? Uni.createFrom().item(reuse(stored, "replay", run))
                        : lookupCache(run)));
    }

    private Uni<Completion> lookupCache(RunUsage run) {
        PreparedRequest prepared = run.prepared();
        CompletionContext context = run.context();
        String cacheKey = prepared.cacheable() ? AnswerKeys.cache(sharedCache ? AnswerKeys.SHARED : context.tenant(), prepared.request()) : null;
        if (!prepared.cacheable() || context.bypassCache()) {
            usage.cacheLookup(context.lane(), context.feature(), "bypass");
            return call(run, cacheKey, CacheLease.NONE);
        }
        return answers.get(cacheKey).chain(stored -> {
            if (stored != null) {
                usage.cacheLookup(context.lane(), context.feature(), "hit");
                return Uni.createFrom().item(reuseCached(stored, run));
            }
            // a miss: an identical request in flight may be calling the provider already (RequestCoalescer)
            return coalescer.take(cacheKey).chain(turn -> {
                usage.cacheLookup(context.lane(), context.feature(), turn.answer() != null ? "coalesced" : "miss");
                return turn.answer() != null
                        ? Uni.createFrom().item(reuseCached(turn.answer(), run))
                        : call(run, cacheKey, turn.lease());
            });
        });
    }

    /** The replay key of the request's idempotency key (per tenant and lane), or null when it has none. */
    private static String replayKey(CompletionContext context) {
        return context.idempotencyKey() == null ? null : AnswerKeys.idempotency(context.tenant(), context.lane(), context.idempotencyKey());
    }

    /**
     * A cached answer is free, unless this very request paid for it: an earlier run that wrote the cache copy and died
     * before its replay copy was written. That answer is served as the replay it is, its first charge still the job's.
     */
    private Completion reuseCached(StoredAnswer stored, RunUsage run) {
        boolean own = stored.paidBy() != null && stored.paidBy().equals(replayKey(run.context()));
        return reuse(stored, own ? "replay" : "cache", run);
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

    /** Calls the provider; {@code lease} (held while identical requests wait for this answer) goes with the answer's targets. */
    private Uni<Completion> call(RunUsage run, String cacheKey, CacheLease lease) {
        PreparedRequest prepared = run.prepared();
        CompletionContext context = run.context();
        AnswerTargets store = new AnswerTargets(cacheKey, prepared.rules().cacheTtl(), replayKey(context), lease);
        CallPlanner.CallPlan plan;
        try {
            plan = planner.plan(prepared, context);
        } catch (FleetException e) {
            store.abandon();
            return Uni.createFrom().failure(e);
        }
        // the provider's replay is namespaced like the fleet's own: by tenant and lane
        String idempotencyKey = context.idempotencyKey() != null
                ? context.tenant() + ":" + context.lane().json() + ":" + context.idempotencyKey() : context.requestId();
        // the key's limits and budgets are reserved before the call (a refusal costs nothing) and settled when the run ends
        return quota.reserve(context.quota(), context.lane(), (long) prepared.promptTokens() + plan.maxTokens(), plan.worstCaseUsd())
                .invoke(run::holding)
                .chain(held -> gateway.call(plan.body(), plan.models(), plan.costCap(), idempotencyKey, run.calls(), context.gate(), plan.deadline()))
                .onFailure(ProviderException.class).invoke(e -> run.failed(((ProviderException) e).code()))
                .chain(reply -> prepared.request().stream()
                        ? Uni.createFrom().item(relay.relay(reply, run, store))
                        : finish(reply, run, store))
                .onTermination().invoke((reply, failure, cancelled) -> {
                    if (failure != null || cancelled) {
                        store.abandon();
                        run.endQuota(0);
                    }
                });
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
                replayed == null ? charged : replayed, store.replayKey());
        Completion completion = new Completion(run.context().requestId(), reply.model(), "provider", run.context().spend().total(),
                reply.balanceHeader(), json, null, null, replayed);
        return store.keep(answers, answer).replaceWith(completion);
    }

    /** The charge header, or the price book's figure when the provider sent none. */
    private BigDecimal chargeOf(ProviderReply reply, int promptTokens, int completionTokens) {
        BigDecimal charged = reply.chargedHeader();
        return charged != null ? charged : prices.cost(reply.model(), promptTokens, completionTokens);
    }
}
