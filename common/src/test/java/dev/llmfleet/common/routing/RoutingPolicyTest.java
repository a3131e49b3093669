package dev.llmfleet.common.routing;

import dev.llmfleet.common.TestConfig;
import dev.llmfleet.common.api.ChatMessage;
import dev.llmfleet.common.api.ChatRequest;
import dev.llmfleet.common.config.FleetConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RoutingPolicyTest {
    private final FleetConfig config = TestConfig.fleet();
    private final RoutingPolicy routing = new RoutingPolicy(config);

    private static ChatRequest request(String model, int maxTokens) {
        return new ChatRequest(model, List.of(new ChatMessage("user", "Classify: refund please")), maxTokens, false, Map.of());
    }

    @Test
    void easyTrafficGoesToTheCheaperModel() {
        var route = routing.route(request("openai/gpt-4o", 16), config.features().get("ticket-classify"), 30);
        assertThat(route.first()).isEqualTo("openai/gpt-4o-mini");
        assertThat(route.reason()).isEqualTo("easy");
    }

    @Test
    void longAnswersOrLongPromptsStayOnTheAskedModel() {
        assertThat(routing.route(request("openai/gpt-4o", 300), config.features().get("doc-summarize"), 30).first()).isEqualTo("openai/gpt-4o");
        assertThat(routing.route(request("openai/gpt-4o", 16), config.features().get("ticket-classify"), 5000).first()).isEqualTo("openai/gpt-4o");
    }

    @Test
    void aFeatureCanOptOutOfEasyRouting() {
        assertThat(routing.route(request("openai/gpt-4o", 16), config.features().get("support-chat"), 30).first()).isEqualTo("openai/gpt-4o");
    }

    @Test
    void fallbacksFollowTheChosenModelWithoutRepeats() {
        var route = routing.route(request("openai/gpt-4o", 300), config.features().get("unknown-feature"), 30);
        assertThat(route.models()).containsExactly("openai/gpt-4o", "openai/gpt-4o-mini", "google/gemini-2.0-flash");
    }

    @Test
    void rulesComeFromConfiguration() {
        FleetConfig custom = TestConfig.fleet(Map.of("fleet.routing.easy-target.\"openai/gpt-4o\"", "google/gemini-2.0-flash",
                "fleet.routing.easy-max-tokens", "8"));
        RoutingPolicy policy = new RoutingPolicy(custom);
        assertThat(policy.route(request("openai/gpt-4o", 8), custom.features().get("x"), 10).first()).isEqualTo("google/gemini-2.0-flash");
        assertThat(policy.route(request("openai/gpt-4o", 9), custom.features().get("x"), 10).first()).isEqualTo("openai/gpt-4o");
    }
}
