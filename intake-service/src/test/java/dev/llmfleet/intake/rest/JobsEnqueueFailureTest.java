package dev.llmfleet.intake.rest;

import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import dev.llmfleet.intake.service.JobIds;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/** With no broker to take the job, a submission is a 503 to retry, never a 202, and the job says why. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@TestProfile(JobsEnqueueFailureTest.NoBroker.class)
class JobsEnqueueFailureTest {

    /** The job channel points at a port nobody listens on (Redis stays real). */
    public static class NoBroker implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "mp.messaging.outgoing.llm-jobs.bootstrap.servers", "127.0.0.1:1",
                    "mp.messaging.outgoing.llm-jobs.max.block.ms", "1000",
                    "mp.messaging.outgoing.llm-jobs.request.timeout.ms", "1000",
                    "mp.messaging.outgoing.llm-jobs.delivery.timeout.ms", "2000");
        }
    }

    @Test
    void aJobKafkaDidNotTakeIsA503AndMarkedFailed() {
        String body = JobsResourceTest.job("Unqueueable " + UUID.randomUUID(), "");
        String key = UUID.randomUUID().toString();
        given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body).when().post("/v1/jobs").then()
                .statusCode(503)
                .header("Retry-After", "1")
                .body("error.code", equalTo("enqueue_failed"))
                .body("error.type", equalTo("api_error"));
        given().when().get("/v1/jobs/" + JobIds.forKey("default", key)).then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("error", equalTo("enqueue_failed"))
                .body("finished_at", notNullValue());

        List<Map<String, Object>> batch = given().contentType("application/x-ndjson").body(JobsResourceTest.utf8(body)).when().post("/v1/jobs/batch")
                .then().statusCode(202).extract().path("jobs");
        assertThat(batch).singleElement().satisfies(entry -> {
            assertThat(entry).containsEntry("line", 1);
            assertThat(entry.get("error").toString()).contains("enqueue_failed");
        });
    }
}
