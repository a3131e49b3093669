package dev.llmfleet.intake;

import dev.llmfleet.intake.redis.ProviderSimResource;
import dev.llmfleet.localstack.testing.LocalStackResource;
import dev.llmfleet.localstack.testing.PackagedAuthResource;
import dev.llmfleet.localstack.testing.ReportsHealthy;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

/**
 * The packaged intake (target/quarkus-app, prod profile, its own process) on the run's Kafka and Redis with the packaged
 * provider simulator: it starts, reports itself healthy, makes a tenant key through its admin API, answers that key's
 * chat completion through the provider and counts it in /q/metrics, and serves its OpenAPI document.
 */
@QuarkusIntegrationTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ProviderSimResource.class)
@WithTestResource(PackagedAuthResource.class)
class IntakeServiceIT implements ReportsHealthy {
    /** A feature the default configuration knows (an unknown one is refused). */
    private static final String FEATURE = "support-chat";

    @Test
    void answersAChatCompletionThroughTheProviderAndCountsTheCall() {
        v1().header("X-Fleet-Feature", FEATURE)
                .body("{\"model\":\"openai/gpt-4o-mini\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"packaged "
                        + UUID.randomUUID() + "\"}]}")
                .post("/v1/chat/completions").then().log().ifValidationFails().statusCode(200)
                .header("X-MDB-Charged-USD", notNullValue())
                .body("choices[0].message.content", not(emptyOrNullString()));

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern(Pattern.compile(
                "^fleet_provider_requests_total\\{[^}]*feature=\"" + FEATURE + "\"[^}]*lane=\"interactive\"[^}]*outcome=\"ok\"[^}]*} 1\\.0$", Pattern.MULTILINE));
    }

    @Test
    void servesItsOpenApiDocument() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/v1/chat/completions'.post", notNullValue())
                .body("paths.'/v1/jobs'.post", notNullValue());
    }

    /** A request to intake's {@code /v1} API with a tenant key made through the admin API: the one place its credentials go. */
    private static RequestSpecification v1() {
        String key = given().contentType(ContentType.JSON).header("Authorization", "Bearer " + PackagedAuthResource.ADMIN_KEY)
                .body("{\"tenant\":\"packaged-it\",\"name\":\"IntakeServiceIT\"}")
                .post("/v1/admin/keys").then().statusCode(201).extract().path("key");
        return given().contentType(ContentType.JSON).header("Authorization", "Bearer " + key);
    }
}
