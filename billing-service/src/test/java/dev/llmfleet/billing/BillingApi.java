package dev.llmfleet.billing;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;

import static dev.llmfleet.billing.UsageEvents.json;
import static io.restassured.RestAssured.given;

/** Billing's own answers, as the tests read them. */
public final class BillingApi {
    /** The admin key of the test profile (common's microprofile-config.properties). */
    public static final String ADMIN_KEY = "test-admin-key-for-quarkus-tests-only-0000";

    private BillingApi() {
    }

    /** Makes every RestAssured request of the calling test carry the admin key, which sees all of billing. */
    public static void asAdmin() {
        RestAssured.requestSpecification = new RequestSpecBuilder().addHeader("Authorization", "Bearer " + ADMIN_KEY).build();
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
