package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.llmfleet.common.auth.BearerAuthentication;
import dev.llmfleet.common.auth.Caller;
import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.pricing.PriceBook;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.core.MediaType;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** OpenAI-compatible model list, with the fleet's prices so callers can see what a model costs. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {
    private final PriceBook prices;

    public ModelsResource(PriceBook prices) {
        this.prices = prices;
    }

    /** The list: {@code {object: "list", data: [{id, object, owned_by, pricing, context_window}]}}. */
    public record ModelList(String object, List<ModelEntry> data) {
    }

    /** One model and its prices in USD per million tokens. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ModelEntry(String id, String object, long created, String ownedBy, Pricing pricing, int contextWindow) {
    }

    /** Prices of one model. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Pricing(BigDecimal inputUsdPerMillion, BigDecimal outputUsdPerMillion) {
    }

    /** The models the caller may ask for: a key limited to some models sees only those. */
    @GET
    public ModelList list(@Context RoutingContext exchange) {
        Caller caller = BearerAuthentication.caller(exchange);
        List<ModelEntry> data = prices.models().entrySet().stream()
                .filter(entry -> caller.admin() || caller.key().models().isEmpty() || caller.key().models().contains(entry.getKey()))
                .sorted(Map.Entry.comparingByKey())
                .map(entry -> entry(entry.getKey(), entry.getValue()))
                .toList();
        return new ModelList("list", data);
    }

    private static ModelEntry entry(String id, FleetConfig.Model model) {
        return new ModelEntry(id, "model", 0, id.substring(0, Math.max(0, id.indexOf('/'))),
                new Pricing(model.inputUsdPerMillion(), model.outputUsdPerMillion()), model.contextWindow());
    }
}
