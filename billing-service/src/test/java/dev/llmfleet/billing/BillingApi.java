package dev.llmfleet.billing;

import com.fasterxml.jackson.databind.JsonNode;

import static dev.llmfleet.billing.UsageEvents.json;
import static io.restassured.RestAssured.given;

/** Billing's own answers, as the tests read them. */
public final class BillingApi {
    private BillingApi() {
    }

    /** {@code GET /v1/billing/balance}. */
    public static JsonNode balance() {
        return json(given().get("/v1/billing/balance").then().statusCode(200).extract().asString());
    }

    /** How many of the last 500 alerts are of this kind. */
    public static long alerts(String kind) {
        long n = 0;
        for (JsonNode a : json(given().queryParam("limit", 500).get("/v1/billing/alerts").asString()).path("data")) {
            n += kind.equals(a.path("kind").asText()) ? 1 : 0;
        }
        return n;
    }
}
