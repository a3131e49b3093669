package dev.llmfleet.intake.rest;

import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;

/**
 * {@code /q/openapi} describes the Vert.x route {@code POST /v1/chat/completions} (from the static
 * {@code META-INF/openapi.yaml}) in one document with the scanned JAX-RS endpoints, so clients can generate from it.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class OpenApiDocumentTest {
    private static final String CHAT = "paths.'/v1/chat/completions'.post";

    @Test
    void chatCompletionsIsDescribedWithItsRequestSchemaBesideTheJaxRsEndpoints() {
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body(CHAT + ".requestBody.content.'application/json'.schema.'$ref'", equalTo("#/components/schemas/ChatCompletionRequest"))
                .body("components.schemas.ChatCompletionRequest.required", hasItems("model", "messages"))
                .body("components.schemas.ChatCompletionRequest.properties.stream.type", equalTo("boolean"))
                .body("components.schemas.ChatCompletionRequest.properties.metadata", notNullValue())
                .body(CHAT + ".responses.'200'.content.'application/json'", notNullValue())
                .body(CHAT + ".responses.'200'.content.'text/event-stream'", notNullValue())
                .body(CHAT + ".responses.'200'.headers.'X-Fleet-Cache'", notNullValue())
                .body(CHAT + ".responses.'429'.headers.'Retry-After'", notNullValue())
                .body(CHAT + ".responses.'402'.content.'application/json'.schema.'$ref'", equalTo("#/components/schemas/ErrorBody"))
                .body(CHAT + ".responses.'503'", notNullValue())
                .body("components.schemas.ErrorBody", notNullValue())
                .body("paths.'/v1/models'.get", notNullValue())
                .body("paths.'/v1/jobs'.post.responses.'202'", notNullValue())
                .body("paths.'/v1/jobs/{id}'.get.responses.'404'.'$ref'", equalTo("#/components/responses/JobNotFound"))
                .body("components.responses.JobNotFound", notNullValue());
    }
}
