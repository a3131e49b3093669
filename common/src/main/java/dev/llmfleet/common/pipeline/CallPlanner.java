package dev.llmfleet.common.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.api.ChatRequest;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.pricing.PriceBook;
import dev.llmfleet.common.provider.Deadline;
import dev.llmfleet.common.provider.ProviderConfig;
import dev.llmfleet.common.routing.RoutingPolicy;
import dev.llmfleet.common.usage.UsageRecorder;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.util.List;

/**
 * Plans the provider call of a prepared request that no stored answer served: the route (cheaper models for easy
 * traffic, then fallbacks), {@code max_tokens} capped to what the feature's cost cap affords, the body sent, and the
 * deadline of the lane. Refuses (422 {@code cost_cap_exceeded}, free) a prompt that alone costs more than the cap.
 */
@ApplicationScoped
public class CallPlanner {
    private final RoutingPolicy routing;
    private final PriceBook prices;
    private final ProviderConfig provider;
    private final UsageRecorder usage;
    private final ObjectMapper mapper;

    public CallPlanner(RoutingPolicy routing, PriceBook prices, ProviderConfig provider, UsageRecorder usage, ObjectMapper mapper) {
        this.routing = routing;
        this.prices = prices;
        this.provider = provider;
        this.usage = usage;
        this.mapper = mapper;
    }

    /**
     * One planned call.
     *
     * @param models   the route: the first model, then its fallbacks
     * @param costCap  the feature's cap in USD per request, sent with each call
     * @param body     the body sent to the provider
     * @param deadline when the interactive caller stops waiting ({@link Deadline#NONE} for a job)
     * @param maxTokens the {@code max_tokens} sent, after the cap
     * @param worstCaseUsd the most one call of the route may cost: the price book's figure for the prompt plus
     *                     {@code maxTokens} on the route's dearest model, bounded by the cap (what a budget reserves)
     */
    record CallPlan(List<String> models, BigDecimal costCap, ObjectNode body, Deadline deadline, int maxTokens, BigDecimal worstCaseUsd) {
    }

    CallPlan plan(PreparedRequest prepared, CompletionContext context) {
        RoutingPolicy.Route route = routing.route(prepared.request(), prepared.rules(), prepared.promptTokens());
        if (!route.first().equals(prepared.request().model())) {
            usage.rerouted(context.lane(), context.feature(), route.first(), route.reason());
        }
        BigDecimal cap = prepared.rules().maxCostUsd();
        long affordable = prices.maxCompletionTokensWithin(route.first(), prepared.promptTokens(), cap);
        if (affordable < 1) {
            usage.rejected(context.lane(), context.feature(), "cost_cap_exceeded");
            throw FleetException.rejected(422, "cost_cap_exceeded",
                    "The prompt alone (" + prepared.promptTokens() + " tokens on " + route.first() + ") would cost more than feature '"
                            + context.feature() + "''s cap of $" + cap.toPlainString() + " per request.");
        }
        int maxTokens = (int) Math.min(prepared.request().maxTokens(), affordable);
        Deadline deadline = context.lane() == Lane.ASYNC ? Deadline.NONE : Deadline.in(provider.interactiveDeadline());
        return new CallPlan(route.models(), cap, providerBody(prepared.request(), maxTokens), deadline, maxTokens,
                worstCase(route.models(), prepared.promptTokens(), maxTokens, cap));
    }

    /** The dearest single call of the route at the price book's prices, never more than the cap the provider enforces. */
    private BigDecimal worstCase(List<String> models, int promptTokens, int maxTokens, BigDecimal cap) {
        return models.stream()
                .filter(model -> prices.model(model).isPresent())
                .map(model -> prices.cost(model, promptTokens, maxTokens))
                .max(BigDecimal::compareTo)
                .map(cost -> cost.min(cap))
                .orElse(cap);
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
