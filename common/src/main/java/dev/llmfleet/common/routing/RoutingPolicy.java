package dev.llmfleet.common.routing;

import dev.llmfleet.common.api.ChatRequest;
import dev.llmfleet.common.config.FleetConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/** Chooses the model that serves a request and the models to fall back to, all from configuration. */
@ApplicationScoped
public class RoutingPolicy {
    private final FleetConfig.Routing routing;

    public RoutingPolicy(FleetConfig config) {
        this.routing = config.routing();
    }

    /**
     * The route for {@code request}: easy traffic (a short prompt asking for a short answer) goes to
     * the configured cheaper model when the feature allows it; the fallbacks follow the chosen model.
     */
    public Route route(ChatRequest request, FleetConfig.Feature feature, int promptTokens) {
        String model = request.model();
        String reason = "asked";
        String cheaper = routing.easyTarget().get(model);
        if (cheaper != null && feature.routeEasy()
                && promptTokens <= routing.easyMaxPromptTokens() && request.maxTokens() <= routing.easyMaxTokens()) {
            model = cheaper;
            reason = "easy";
        }
        List<String> chain = new ArrayList<>();
        chain.add(model);
        for (String fallback : routing.fallbacks().getOrDefault(model, List.of())) {
            if (!chain.contains(fallback)) {
                chain.add(fallback);
            }
        }
        return new Route(List.copyOf(chain), reason);
    }

    /**
     * Where a request goes.
     *
     * @param models the model to call first, then its fallbacks in order
     * @param reason why the first model was chosen: {@code asked} or {@code easy}
     */
    public record Route(List<String> models, String reason) {
        public String first() {
            return models.get(0);
        }
    }
}
