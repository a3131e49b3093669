package dev.llmfleet.billing.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.BillingApi;
import dev.llmfleet.billing.IsolatedLedger;
import dev.llmfleet.billing.UsageEvents;
import dev.llmfleet.common.auth.ApiKey;
import dev.llmfleet.common.auth.ApiKeyStore;
import dev.llmfleet.common.auth.KeyHasher;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static dev.llmfleet.billing.UsageEvents.call;
import static dev.llmfleet.billing.UsageEvents.id;
import static dev.llmfleet.billing.UsageEvents.json;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Billing answers the admin key, or a tenant's API key for that tenant only: its summary and series are filtered to
 * it, another tenant's are 403, and the platform's balance and alerts are the operator's (403). No key is 401; the
 * billing page itself is open (it asks for a key).
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(IsolatedLedger.class)
class BillingAuthTest {
    @Inject
    ObjectMapper mapper;

    @Inject
    ApiKeyStore keys;

    @BeforeEach
    void noDefaultKey() {
        RestAssured.requestSpecification = null;
    }

    private String keyOf(String tenant) {
        return keys.create(new ApiKey(KeyHasher.newId(), tenant, "billing test", List.of(), List.of(), null, null, null, null, Instant.now()))
                .await().atMost(Duration.ofSeconds(10));
    }

    private static JsonNode summary(String key, String tenant) {
        var request = given().header("Authorization", "Bearer " + key).queryParam("window", "15m").queryParam("by", "tenant");
        if (tenant != null) {
            request.queryParam("tenant", tenant);
        }
        return json(request.get("/v1/billing/summary").then().statusCode(200).extract().asString());
    }

    @Test
    void noKeyOrAWrongKeyIs401AndThePageStaysOpen() {
        for (String path : List.of("/v1/billing/summary", "/v1/billing/series", "/v1/billing/balance", "/v1/billing/alerts")) {
            for (Response response : List.of(given().get(path), given().header("Authorization", "Bearer " + KeyHasher.newKey()).get(path))) {
                assertThat(response.statusCode()).as(path).isEqualTo(401);
                assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
                assertThat(response.<String>path("error.code")).isEqualTo("invalid_api_key");
            }
        }
        given().get("/").then().statusCode(200);
    }

    @Test
    void aTenantKeySeesOnlyItsOwnTenantsSpendAndNoneOfThePlatformsBalanceOrAlerts() {
        String mine = "t-" + UUID.randomUUID();
        String theirs = "t-" + UUID.randomUUID();
        String key = keyOf(mine);
        Instant now = Instant.now();
        try (UsageEvents events = new UsageEvents(mapper)) {
            BillingApi.asAdmin();
            events.awaitConsumer();
            RestAssured.requestSpecification = null;
            events.send(call(id(), "support-chat", mine, "openai/gpt-4o-mini", "interactive", 10, 2, "0.001", null, now));
            events.send(call(id(), "support-chat", theirs, "openai/gpt-4o-mini", "interactive", 10, 2, "0.002", null, now));
            events.send(call(id(), "support-chat", theirs, "openai/gpt-4o-mini", "interactive", 10, 2, "0.002", null, now));
            await().atMost(Duration.ofSeconds(60)).until(() -> summary(BillingApi.ADMIN_KEY, theirs).path("requests").asLong() == 2
                    && summary(BillingApi.ADMIN_KEY, mine).path("requests").asLong() == 1);
        }

        JsonNode own = summary(key, null);
        assertThat(own.path("requests").asLong()).isEqualTo(1);
        assertThat(own.path("total_usd").decimalValue()).isEqualByComparingTo("0.001");
        assertThat(own.path("groups")).hasSize(1);
        assertThat(own.path("groups").get(0).path("tenant").asText()).isEqualTo(mine);
        assertThat(own.has("unattributed_usd")).as("the platform's unattributed spend is not a tenant's").isFalse();
        assertThat(summary(key, mine).path("requests").asLong()).isEqualTo(1);
        given().header("Authorization", "Bearer " + key).queryParam("tenant", theirs).get("/v1/billing/summary")
                .then().statusCode(403).body("error.code", equalTo("tenant_forbidden"));

        JsonNode series = json(given().header("Authorization", "Bearer " + key).queryParam("window", "15m").queryParam("by", "tenant")
                .get("/v1/billing/series").then().statusCode(200).extract().asString());
        long requests = 0;
        for (JsonNode bucket : series.path("buckets")) {
            requests += bucket.path("requests").asLong();
            bucket.path("groups").forEach(group -> assertThat(group.path("tenant").asText()).isEqualTo(mine));
        }
        assertThat(requests).isEqualTo(1);

        given().header("Authorization", "Bearer " + key).get("/v1/billing/balance").then().statusCode(403).body("error.code", equalTo("admin_key_required"));
        given().header("Authorization", "Bearer " + key).get("/v1/billing/alerts").then().statusCode(403);
        given().header("Authorization", "Bearer " + BillingApi.ADMIN_KEY).get("/v1/billing/balance").then().statusCode(200);
        given().header("Authorization", "Bearer " + BillingApi.ADMIN_KEY).get("/v1/billing/alerts").then().statusCode(200);
        assertThat(summary(BillingApi.ADMIN_KEY, null).has("unattributed_usd")).isTrue();
    }
}
