package dev.llmfleet.intake.rest;

import dev.llmfleet.intake.TestKeys;
import dev.llmfleet.common.jobs.JobStore;
import dev.llmfleet.intake.faults.OwnStackResource;
import dev.llmfleet.intake.service.JobIds;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Intake under real faults, on a Kafka and a Redis of its own that the tests stop and start again: a job is pending
 * until Kafka acknowledged it, a 503 with Retry-After (never a 202) answers what cannot be made durable, and a job
 * left pending is sent again by the sweeper.
 */
@QuarkusTest
@WithTestResource(OwnStackResource.class)
@TestProfile(JobsFaultTest.QuickFaults.class)
class JobsFaultTest {
    @BeforeEach
    void authenticate() {
        TestKeys.authenticate();
    }

    private static final Duration LONG = Duration.ofSeconds(120);

    /**
     * Sweeps often (every second, the scheduler's finest tick) and gives up on a stopped broker within seconds, so the
     * tests do not wait out production bounds.
     */
    public static class QuickFaults implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "fleet.jobs.pending.republish-after", "1s",
                    "fleet.jobs.pending.sweep-every", "1s",
                    "fleet.jobs.send-timeout", "6s",
                    "mp.messaging.outgoing.llm-jobs.max.block.ms", "2000",
                    "mp.messaging.outgoing.llm-jobs.request.timeout.ms", "2000",
                    "mp.messaging.outgoing.llm-jobs.delivery.timeout.ms", "4000");
        }
    }

    @Inject
    JobStore store;


    private static Response submit(String key, String body) {
        return given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body).when().post("/v1/jobs");
    }

    private static String status(String id) {
        return given().when().get("/v1/jobs/" + id).then().statusCode(200).extract().path("status");
    }

    @Test
    void aJobStrandedBeforeItsKafkaSendIsSentByTheSweeper() {
        String id = JobIds.forKey("default", UUID.randomUUID().toString());
        String prompt = JobsResourceTest.unique();
        try (JobTopics topics = JobTopics.fromNow()) {
            PendingJobs.strand(store, id, prompt);
            List<JobTopics.Job> records = new ArrayList<>();
            await().atMost(LONG).untilAsserted(() -> {
                records.addAll(topics.readNew().stream().filter(r -> id.equals(r.key())).toList());
                assertThat(records).isNotEmpty();
            });
            assertThat(records.get(0).topic()).isEqualTo("llm.jobs.normal");
            assertThat(records.get(0).value().path("request").path("messages").get(0).path("content").asText()).isEqualTo(prompt);
            await().atMost(LONG).until(() -> "queued".equals(status(id)));
        }
    }

    @Test
    void whileKafkaIsStoppedSubmissionsAre503WithRetryAfterAndNothingIsLostOnceItIsBack() throws Exception {
        String key = "kafka-down-" + UUID.randomUUID();
        String otherKey = "kafka-down-other-" + UUID.randomUUID();
        String body = JobsResourceTest.job(JobsResourceTest.unique(), "");
        String id = JobIds.forKey("default", key);
        String otherId = JobIds.forKey("default", otherKey);
        try (JobTopics topics = JobTopics.fromNow()) {
            OwnStackResource.kafka().stop();
            try {
                for (String k : List.of(key, otherKey, key)) {
                    submit(k, body).then().statusCode(503)
                            .header("Retry-After", "5")
                            .body("error.code", equalTo("queue_unavailable"))
                            .body("error.type", equalTo("api_error"));
                }
                // kept, not failed: the same request later resumes it, and the sweeper sends it if nobody asks again
                assertThat(status(id)).isEqualTo("pending");
                List<Map<String, Object>> batch = given().contentType("application/x-ndjson")
                        .body(JobsResourceTest.utf8(JobsResourceTest.job(JobsResourceTest.unique(), "") + "\n"
                                + JobsResourceTest.job(JobsResourceTest.unique(), "")))
                        .when().post("/v1/jobs/batch").then().statusCode(202).extract().path("jobs");
                assertThat(batch).hasSize(2).allSatisfy(entry -> {
                    assertThat(entry).doesNotContainKey("id");
                    assertThat(entry.get("error").toString()).contains("queue_unavailable");
                });
            } finally {
                OwnStackResource.kafka().restart();
            }

            // the client retries the same submission, as Retry-After told it to
            await().atMost(LONG).pollInterval(Duration.ofSeconds(1)).until(() -> submit(key, body).statusCode() / 100 == 2);
            assertThat(submit(key, body).then().statusCode(200).extract().<String>path("status")).isEqualTo("queued");
            // the job nobody asked for again was sent by the sweeper
            await().atMost(LONG).until(() -> "queued".equals(status(otherId)));
            List<JobTopics.Job> records = new ArrayList<>();
            await().atMost(LONG).untilAsserted(() -> {
                records.addAll(topics.readNew());
                assertThat(records).anyMatch(r -> id.equals(r.key())).anyMatch(r -> otherId.equals(r.key()));
            });
        }
    }

    @Test
    void whileRedisIsStoppedSubmissionsAndReadsAre503() throws Exception {
        String queuedBefore = given().contentType(ContentType.JSON).body(JobsResourceTest.job(JobsResourceTest.unique(), ""))
                .when().post("/v1/jobs").then().statusCode(202).extract().path("id");
        String body = JobsResourceTest.job(JobsResourceTest.unique(), "");
        String key = "redis-down-" + UUID.randomUUID();
        try (JobTopics topics = JobTopics.fromNow()) {
            OwnStackResource.redis().stop();
            try {
                submit(key, body).then().statusCode(503)
                        .header("Retry-After", "1")
                        .body("error.code", equalTo("job_store_unavailable"))
                        .body("error.type", equalTo("api_error"));
                given().when().get("/v1/jobs/" + queuedBefore).then().statusCode(503)
                        .header("Retry-After", "1")
                        .body("error.code", equalTo("job_store_unavailable"));
                given().when().delete("/v1/jobs/" + queuedBefore).then().statusCode(503)
                        .body("error.code", equalTo("job_store_unavailable"));
            } finally {
                OwnStackResource.redis().restart();
            }
            // nothing of the refused submission reached Kafka
            assertThat(topics.readNew()).noneMatch(r -> JobIds.forKey("default", key).equals(r.key()));
            await().atMost(LONG).pollInterval(Duration.ofSeconds(1)).until(() -> submit(key, body).statusCode() == 202);
            assertThat(status(JobIds.forKey("default", key))).isEqualTo("queued");
        }
    }
}
