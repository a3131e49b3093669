package dev.llmfleet.providersim.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.providersim.config.SimConfig;
import dev.llmfleet.providersim.service.ApiException;
import dev.llmfleet.providersim.service.CreditService;
import dev.llmfleet.providersim.service.Ledger;
import dev.llmfleet.providersim.service.Money;
import dev.llmfleet.providersim.service.PriceBook;
import dev.llmfleet.providersim.service.SettingsService;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The provider API under {@code /v1}, as Model Database exposes it. Plain Vert.x routes rather than
 * JAX-RS: streaming, trailers, timers and headers on every answer need full control of the response.
 */
@ApplicationScoped
public class ProviderRoutes {

    /** Large enough for a prompt that overflows a 1M-token context window, so that is reported properly. */
    static final long BODY_LIMIT_BYTES = 16L * 1024 * 1024;

    private final ChatCompletionsHandler chat;
    private final CreditService credits;
    private final PriceBook prices;
    private final Ledger ledger;
    private final ApiKeys apiKeys;
    private final String idempotencyHeader;
    private final SettingsService settings;

    @Inject
    public ProviderRoutes(ChatCompletionsHandler chat, CreditService credits, PriceBook prices, Ledger ledger,
                          ApiKeys apiKeys, SettingsService settings, SimConfig config) {
        this.settings = settings;
        this.chat = chat;
        this.credits = credits;
        this.prices = prices;
        this.ledger = ledger;
        this.apiKeys = apiKeys;
        this.idempotencyHeader = config.idempotencyHeader();
    }

    void init(@Observes Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(BODY_LIMIT_BYTES);
        router.post("/v1/chat/completions").handler(body).handler(chat::handle).failureHandler(this::failure);
        router.get("/v1/models").handler(guarded(this::listModels)).failureHandler(this::failure);
        router.getWithRegex("/v1/models/(?<id>.+)").handler(guarded(this::getModel)).failureHandler(this::failure);
        router.post("/v1/credits/topup").handler(body).handler(guarded(this::topUp)).failureHandler(this::failure);
    }

    /** Authenticates, runs {@code handler}, and turns an {@link ApiException} into its answer. */
    private Handler<RoutingContext> guarded(Handler<RoutingContext> handler) {
        return ctx -> {
            try {
                apiKeys.require(ctx);
                handler.handle(ctx);
            } catch (ApiException e) {
                Responses.money(ctx.response(), BigDecimal.ZERO, ledger.balance());
                Responses.error(ctx, e);
            }
        };
    }

    /** Failures outside the handlers' own error answers (body too large, bugs) still carry the money headers. */
    private void failure(RoutingContext ctx) {
        if (!ctx.response().headWritten()) {
            Responses.money(ctx.response(), BigDecimal.ZERO, ledger.balance());
        }
        if (ctx.statusCode() == 413) {
            Responses.error(ctx, new ApiException(413, "invalid_request_error", "request_too_large",
                    "The request body exceeds " + BODY_LIMIT_BYTES + " bytes."));
        } else {
            Responses.internalError(ctx, ctx.failure());
        }
    }

    private void listModels(RoutingContext ctx) {
        List<Map<String, Object>> data = prices.all().stream().map(ProviderRoutes::modelJson).toList();
        Responses.money(ctx.response(), BigDecimal.ZERO, ledger.balance());
        Responses.json(ctx, 200, Map.of("object", "list", "data", data));
    }

    private void getModel(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        PriceBook.Model model = prices.find(id);
        if (model == null) {
            throw ApiException.modelNotFound(id);
        }
        Responses.money(ctx.response(), BigDecimal.ZERO, ledger.balance());
        Responses.json(ctx, 200, modelJson(model));
    }

    private static Map<String, Object> modelJson(PriceBook.Model m) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", m.id());
        json.put("object", "model");
        json.put("created", m.created());
        json.put("owned_by", m.ownedBy());
        Map<String, Object> pricing = new LinkedHashMap<>();
        pricing.put("input_usd_per_million", m.inputUsdPerMillion());
        pricing.put("output_usd_per_million", m.outputUsdPerMillion());
        json.put("pricing", pricing);
        json.put("context_window", m.contextWindow());
        return json;
    }

    private void topUp(RoutingContext ctx) {
        JsonNode body = Responses.body(ctx);
        JsonNode amount = body == null ? null : body.get("amount_usd");
        BigDecimal usd;
        if (amount != null && amount.isNumber()) {
            usd = amount.decimalValue();
        } else if (amount != null && amount.isTextual()) {
            try {
                usd = new BigDecimal(amount.asText().trim());
            } catch (NumberFormatException e) {
                usd = null;
            }
        } else {
            usd = null;
        }
        String key = ctx.request().getHeader(idempotencyHeader);
        ledger.countTopupRequest();
        CreditService.Topup topup = credits.topUp(apiKeys.require(ctx), key == null || key.isBlank() ? null : key, usd);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("topup_id", topup.topupId());
        json.put("topped_up_usd", Money.format(topup.toppedUpUsd()));
        json.put("balance_usd", Money.format(topup.balanceUsd()));
        long delay = settings.get().topupDelayMs();
        if (delay == 0) {
            answerTopup(ctx, json);
        } else {
            // applied already: only the answer is late (a client's timeout leaves it not knowing the outcome)
            ctx.vertx().setTimer(delay, id -> answerTopup(ctx, json));
        }
    }

    private void answerTopup(RoutingContext ctx, Map<String, Object> json) {
        if (ctx.response().closed()) {
            return;
        }
        Responses.money(ctx.response(), BigDecimal.ZERO, ledger.balance());
        Responses.json(ctx, 200, json);
    }
}
