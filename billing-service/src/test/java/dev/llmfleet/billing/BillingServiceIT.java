package dev.llmfleet.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.llmfleet.localstack.testing.LocalStackResource;
import dev.llmfleet.localstack.testing.PackagedAuthResource;
import dev.llmfleet.localstack.testing.ReportsHealthy;
import dev.llmfleet.localstack.testing.SharedStack;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static dev.llmfleet.billing.UsageEvents.call;
import static dev.llmfleet.billing.UsageEvents.id;
import static dev.llmfleet.billing.UsageEvents.json;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged billing (target/quarkus-app, prod profile, its own process) on the run's Kafka and Redis, with a ledger
 * namespace and Kafka topics of its own: it starts, reports itself healthy, and a usage event sent to Kafka shows in
 * its summary, to the exact decimal.
 */
@QuarkusIntegrationTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(IsolatedLedger.class)
@WithTestResource(OwnTopics.class)
@WithTestResource(PackagedAuthResource.class)
class BillingServiceIT implements ReportsHealthy {
    /** Writes events as the services' own mapper does (ISO instants). */
    private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Test
    void summarisesAUsageEventItConsumedFromKafka() {
        String tenant = "it-" + UUID.randomUUID();
        try (UsageEvents events = new UsageEvents(MAPPER, SharedStack.get().kafkaBootstrapServers(), OwnTopics.USAGE)) {
            events.send(call(id(), "default", tenant, "openai/gpt-4o-mini", "interactive", 100, 50, "0.000123", null, Instant.now()));
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode summary = json(given().header("Authorization", "Bearer " + PackagedAuthResource.ADMIN_KEY).queryParam("window", "15m").queryParam("tenant", tenant)
                    .get("/v1/billing/summary").then().statusCode(200).extract().asString());
            assertThat(summary.path("requests").asLong()).isEqualTo(1);
            assertThat(summary.path("total_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.000123"));
        });
    }
}
