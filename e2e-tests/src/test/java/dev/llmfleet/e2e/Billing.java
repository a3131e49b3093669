package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The billing API as an operator reads it: spend summary, fuel gauge and alerts. */
final class Billing {
    private final String url;

    Billing(String billingUrl) {
        this.url = billingUrl + "/v1/billing";
    }

    /** The last 24 hours grouped by model. */
    JsonNode summary() {
        return Http.json(Http.get(url + "/summary?window=24h&by=model"));
    }

    BigDecimal totalUsd() {
        return new BigDecimal(summary().get("total_usd").asText());
    }

    /** The ledger's last 24 hours of one lane ({@code interactive} or {@code async}); 0 when the lane spent nothing. */
    BigDecimal laneUsd(String lane) {
        for (JsonNode group : Http.json(Http.get(url + "/summary?window=24h&by=lane")).get("groups")) {
            if (lane.equals(group.path("lane").asText())) {
                return new BigDecimal(group.get("total_usd").asText());
            }
        }
        return BigDecimal.ZERO;
    }

    /** Spend the provider's balance shows and the ledger does not (0 up to billing's tolerance). */
    BigDecimal unattributedUsd() {
        return new BigDecimal(balance().get("unattributed_usd").asText());
    }

    JsonNode balance() {
        return Http.json(Http.get(url + "/balance"));
    }

    String level() {
        return balance().path("level").asText();
    }

    /** The kinds of every alert raised, newest first. */
    List<String> alertKinds() {
        List<String> kinds = new ArrayList<>();
        Http.json(Http.get(url + "/alerts")).get("data").forEach(a -> kinds.add(a.path("kind").asText()));
        return kinds;
    }

    long alertCount(String kind) {
        return alertKinds().stream().filter(kind::equals).count();
    }

    /** {@code count} bulk jobs on {@code model}, each asking for {@code maxTokens} of a fresh prompt. */
    static List<ObjectNode> bulkJobs(int count, String model, int maxTokens) {
        List<ObjectNode> bodies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ObjectNode body = Http.JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens)
                    .put("temperature", 0).put("feature", "doc-summarize").put("priority", "bulk");
            body.putArray("messages").addObject().put("role", "user").put("content", "Summarise report " + UUID.randomUUID());
            bodies.add(body);
        }
        return bodies;
    }

    static void await(String what, BooleanSupplier condition, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("waiting for " + what).isLessThan(deadline);
            Jobs.sleep(250);
        }
    }
}
