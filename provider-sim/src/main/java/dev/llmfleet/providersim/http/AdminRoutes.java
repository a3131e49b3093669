package dev.llmfleet.providersim.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.providersim.config.SimConfig;
import dev.llmfleet.providersim.json.SimJson;
import dev.llmfleet.providersim.service.ApiException;
import dev.llmfleet.providersim.service.Ledger;
import dev.llmfleet.providersim.service.Money;
import dev.llmfleet.providersim.service.RateLimiter;
import dev.llmfleet.providersim.service.ReplayStore;
import dev.llmfleet.providersim.service.SettingsService;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The simulator's own control API (not part of Model Database): totals, runtime settings, reset.
 * Unauthenticated by design; the simulator binds to 127.0.0.1 unless told otherwise.
 */
@ApplicationScoped
public class AdminRoutes {

    private static final Set<String> RESET_KEYS = Set.of("balance_usd", "restore_config");

    private final Ledger ledger;
    private final SettingsService settings;
    private final ReplayStore replays;
    private final RateLimiter limiter;
    private final Map<String, Object> fixedSettings;

    @Inject
    public AdminRoutes(Ledger ledger, SettingsService settings, ReplayStore replays, RateLimiter limiter, SimConfig config) {
        this.ledger = ledger;
        this.settings = settings;
        this.replays = replays;
        this.limiter = limiter;
        Map<String, Object> fixed = new LinkedHashMap<>();
        fixed.put("cost_cap_header", config.costCapHeader());
        fixed.put("idempotency_header", config.idempotencyHeader());
        fixed.put("idempotency_replay_header", config.idempotencyReplayHeader());
        fixed.put("idempotency_window_seconds", config.idempotencyWindow().toSeconds());
        fixed.put("idempotency_max_entries", config.idempotencyMaxEntries());
        fixed.put("api_keys_restricted", config.apiKeys().isPresent());
        this.fixedSettings = Collections.unmodifiableMap(fixed);
    }

    void init(@Observes Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024);
        router.get("/admin/totals").handler(guarded(ctx -> Responses.json(ctx, 200, ledger.totals())));
        router.get("/admin/config").handler(guarded(ctx -> Responses.json(ctx, 200, config())));
        router.post("/admin/config").handler(body).handler(guarded(this::updateConfig));
        router.post("/admin/reset").handler(body).handler(guarded(this::reset));
    }

    private static Handler<RoutingContext> guarded(Handler<RoutingContext> handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (ApiException e) {
                Responses.error(ctx, e);
            }
        };
    }

    private ObjectNode config() {
        ObjectNode json = (ObjectNode) settings.toJson();
        json.put("balance_usd", Money.format(ledger.balance()));
        json.putPOJO("fixed", fixedSettings);
        return json;
    }

    /** Partial update: only the keys sent change; all of it applies or none. */
    private void updateConfig(RoutingContext ctx) {
        ObjectNode patch = object(Responses.body(ctx));
        BigDecimal balance = patch.has("balance_usd") ? decimal(patch.remove("balance_usd"), "balance_usd") : null;
        if (!patch.isEmpty()) {
            settings.update(patch);
        }
        if (balance != null) {
            ledger.setBalance(balance);
        }
        Responses.json(ctx, 200, config());
    }

    /** Zeroes totals, forgets idempotency keys and rate windows; optionally sets the balance and restores start-up settings. */
    private void reset(RoutingContext ctx) {
        JsonNode body = Responses.body(ctx);
        ObjectNode options = body == null ? SimJson.MAPPER.createObjectNode() : object(body);
        options.fieldNames().forEachRemaining(name -> {
            if (!RESET_KEYS.contains(name)) {
                throw ApiException.invalidRequest("unknown_setting", name, "Unknown reset option '" + name + "'; expected " + RESET_KEYS + ".");
            }
        });
        BigDecimal balance = options.has("balance_usd") ? decimal(options.get("balance_usd"), "balance_usd") : null;
        if (options.path("restore_config").asBoolean(false)) {
            settings.restore();
        }
        ledger.reset(balance);
        replays.clear();
        limiter.reset();
        Responses.json(ctx, 200, ledger.totals());
    }

    private static ObjectNode object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalidRequest("invalid_request", null, "The request body must be a JSON object.");
        }
        return (ObjectNode) body;
    }

    private static BigDecimal decimal(JsonNode value, String name) {
        try {
            if (value.isNumber()) {
                return value.decimalValue();
            }
            if (value.isTextual()) {
                return new BigDecimal(value.asText().trim());
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.invalidRequest("invalid_setting", name, "'" + name + "' must be a decimal USD amount.");
    }
}
