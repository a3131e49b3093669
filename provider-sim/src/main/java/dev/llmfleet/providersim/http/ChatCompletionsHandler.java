package dev.llmfleet.providersim.http;

import dev.llmfleet.providersim.config.IdempotencyMode;
import dev.llmfleet.providersim.config.SimConfig;
import dev.llmfleet.providersim.service.ApiException;
import dev.llmfleet.providersim.service.ChatRequest;
import dev.llmfleet.providersim.service.ChatService;
import dev.llmfleet.providersim.service.Completion;
import dev.llmfleet.providersim.service.Ledger;
import dev.llmfleet.providersim.service.RateLimiter;
import dev.llmfleet.providersim.service.ReplayStore;
import dev.llmfleet.providersim.service.RuntimeSettings;
import dev.llmfleet.providersim.service.SettingsService;
import io.vertx.core.Context;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v1/chat/completions}: authentication, rate limits, validation, idempotent replay,
 * then the answer from {@link ChatService} delivered by {@link CompletionWriter}.
 */
@ApplicationScoped
public class ChatCompletionsHandler {

    private final ChatService chat;
    private final SettingsService settings;
    private final RateLimiter limiter;
    private final Ledger ledger;
    private final ReplayStore replays;
    private final ApiKeys apiKeys;
    private final String costCapHeader;
    private final String idempotencyHeader;
    private final String replayHeader;

    @Inject
    public ChatCompletionsHandler(ChatService chat, SettingsService settings, RateLimiter limiter, Ledger ledger,
                                  ReplayStore replays, ApiKeys apiKeys, SimConfig config) {
        this.chat = chat;
        this.settings = settings;
        this.limiter = limiter;
        this.ledger = ledger;
        this.replays = replays;
        this.apiKeys = apiKeys;
        this.costCapHeader = config.costCapHeader();
        this.idempotencyHeader = config.idempotencyHeader();
        this.replayHeader = config.idempotencyReplayHeader();
    }

    void handle(RoutingContext ctx) {
        ledger.countRequest();
        try {
            String apiKey = apiKeys.require(ctx);
            RuntimeSettings s = settings.get();
            if (s.keysRevoked()) {
                throw ApiException.unauthorized("Incorrect API key provided.");
            }
            Runnable release = limiter.acquire(apiKey, s.maxConcurrentRequests(), s.requestsPerMinute());
            ledger.requestStarted();
            ctx.addEndHandler(done -> {
                release.run();
                ledger.requestEnded();
            });
            ChatRequest request = ChatRequest.parse(Responses.body(ctx));
            String idempotencyKey = ctx.request().getHeader(idempotencyHeader);
            String scope = idempotencyKey == null || idempotencyKey.isBlank() ? null : ReplayStore.scope(apiKey, idempotencyKey);
            if (scope == null || s.idempotencyMode() == IdempotencyMode.IGNORE) {
                answer(ctx, request, s, scope, null);
            } else {
                answerOnce(ctx, request, scope);
            }
        } catch (ApiException e) {
            fail(ctx, e);
        }
    }

    /**
     * Honoured idempotency: the first request with a key answers for real; a repeat replays it,
     * waiting first when it is still in flight. If the first fails (nothing charged), a waiting
     * repeat tries for real itself, as a client retry would.
     */
    private void answerOnce(RoutingContext ctx, ChatRequest request, String scope) {
        CompletableFuture<Completion> mine = new CompletableFuture<>();
        CompletableFuture<Completion> first = replays.completions().putIfAbsent(scope, mine);
        if (first == null) {
            answer(ctx, request, settings.get(), scope, mine);
            return;
        }
        Context context = ctx.vertx().getOrCreateContext();
        first.whenComplete((completion, failure) -> context.runOnContext(v -> {
            if (ctx.response().closed() || ctx.response().ended()) {
                return;
            }
            try {
                if (failure == null) {
                    ledger.countReplay();
                    RuntimeSettings s = settings.get();
                    // Tells a client that lost the first answer that this call was already charged once.
                    ctx.response().putHeader(replayHeader, "true");
                    CompletionWriter.deliver(ctx, completion, request.stream(), new CompletionWriter.Delivery(
                            BigDecimal.ZERO, ledger.balance(), s.streamChargeMode(), 0, 0, false));
                } else {
                    answerOnce(ctx, request, scope);
                }
            } catch (ApiException e) {
                fail(ctx, e);
            }
        }));
    }

    /**
     * A real (charged) answer; {@code mine} is completed once it has been delivered, when idempotency is honoured.
     * {@code scope} (null without a key) is noted as charged, so a key charged twice shows in the totals.
     */
    private void answer(RoutingContext ctx, ChatRequest request, RuntimeSettings s, String scope, CompletableFuture<Completion> mine) {
        ChatService.Answer answer;
        try {
            answer = chat.answer(request, ctx.request().getHeader(costCapHeader), s);
        } catch (ApiException e) {
            if (mine != null) {
                replays.completions().remove(scope, mine);
                mine.completeExceptionally(e);
            }
            throw e;
        }
        if (scope != null && replays.chargedBefore(scope)) {
            ledger.countChargedRepeat();
        }
        if (mine != null) {
            // Also on a dropped stream: the work was done and paid for, so a retry replays it.
            ctx.addEndHandler(done -> mine.complete(answer.completion()));
        }
        CompletionWriter.deliver(ctx, answer.completion(), request.stream(), new CompletionWriter.Delivery(
                answer.charged(), answer.balanceAfter(), s.streamChargeMode(),
                s.latencyBaseMs() + answer.stallMs(), s.latencyPerTokenMs(), answer.dropStream()));
    }

    private void fail(RoutingContext ctx, ApiException e) {
        ledger.countError(e.status());
        Responses.money(ctx.response(), BigDecimal.ZERO, ledger.balance());
        Responses.error(ctx, e);
    }
}
