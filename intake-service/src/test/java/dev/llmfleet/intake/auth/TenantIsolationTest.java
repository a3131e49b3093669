package dev.llmfleet.intake.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.cache.AnswerKeys;
import dev.llmfleet.common.cache.AnswerStore;
import dev.llmfleet.common.cache.StoredAnswer;
import dev.llmfleet.common.pipeline.Lane;
import dev.llmfleet.intake.TestKeys;
import dev.llmfleet.intake.redis.ProviderSimResource;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Tenants are apart: a tenant reads and cancels only its own jobs, its cached answers are its own, and replay keys
 * are per tenant and lane, so an interactive call naming a job's id as its Idempotency-Key neither reads nor plants
 * that job's answer. The tenant comes from the API key, into the job's record and Kafka message.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ProviderSimResource.class)
class TenantIsolationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    AnswerStore answers;

    @Inject
    ObjectMapper mapper;

    private String acme;
    private String globex;

    @BeforeEach
    void twoTenants() {
        RestAssured.requestSpecification = null;
        acme = TestKeys.create("acme");
        globex = TestKeys.create("globex");
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON);
    }

    private static String chat(String prompt) {
        return "{\"model\":\"openai/gpt-4o-mini\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }

    @Test
    void aTenantReadsAndCancelsOnlyItsOwnJobs() {
        String id = as(acme).body(chat("isolated job " + UUID.randomUUID())).post("/v1/jobs").then().statusCode(202).extract().path("id");
        as(globex).get("/v1/jobs/" + id).then().statusCode(404).body("error.code", equalTo("job_not_found"));
        as(globex).delete("/v1/jobs/" + id).then().statusCode(404).body("error.code", equalTo("job_not_found"));
        as(acme).get("/v1/jobs/" + id).then().statusCode(200).body("id", equalTo(id));
        // the same Idempotency-Key names another job for another tenant
        String key = "order-" + UUID.randomUUID();
        String mine = as(acme).header("Idempotency-Key", key).body(chat("keyed " + key)).post("/v1/jobs").then().statusCode(202).extract().path("id");
        String theirs = as(globex).header("Idempotency-Key", key).body(chat("keyed " + key)).post("/v1/jobs").then().statusCode(202).extract().path("id");
        assertThat(theirs).isNotEqualTo(mine);
        as(acme).delete("/v1/jobs/" + id).then().statusCode(200).body("status", equalTo("cancelled"));
    }

    @Test
    void cachedAnswersArePerTenant() {
        String body = chat("cached per tenant " + UUID.randomUUID());
        assertThat(as(acme).body(body).post("/v1/chat/completions").then().statusCode(200).extract().header("X-Fleet-Cache")).isEqualTo("miss");
        // the answer is cached behind the response: acme's next ask is a hit once it is there
        await().atMost(WAIT).until(() -> "hit".equals(as(acme).body(body).post("/v1/chat/completions").header("X-Fleet-Cache")));
        Response other = as(globex).body(body).post("/v1/chat/completions");
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(other.header("X-Fleet-Cache")).isEqualTo("miss");
    }

    @Test
    void anInteractiveCallNamingAJobsIdNeitherReadsNorPlantsItsAnswer() throws Exception {
        String jobId = "job_" + UUID.randomUUID().toString().replace("-", "");
        String asyncReplay = AnswerKeys.idempotency("acme", Lane.ASYNC, jobId);
        JsonNode secret = mapper.readTree("{\"id\":\"chatcmpl-job\",\"object\":\"chat.completion\",\"model\":\"openai/gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"the job's private answer\"},\"finish_reason\":\"stop\"}]}");
        // what a worker leaves once the job ran
        answers.put(asyncReplay, new StoredAnswer(secret, "openai/gpt-4o-mini", 5, 5, new BigDecimal("0.0001"), asyncReplay),
                Duration.ofMinutes(5)).await().atMost(WAIT);

        Response call = as(acme).header("Idempotency-Key", jobId).body(chat("anything " + UUID.randomUUID())).post("/v1/chat/completions");
        assertThat(call.statusCode()).as(call.asString()).isEqualTo(200);
        assertThat(call.header("X-Fleet-Cache")).isEqualTo("miss");
        assertThat(call.asString()).doesNotContain("the job's private answer");
        // the interactive answer went under the interactive replay key; the job's stays the job's
        await().atMost(WAIT).until(() -> answers.get(AnswerKeys.idempotency("acme", Lane.INTERACTIVE, jobId)).await().atMost(WAIT) != null);
        StoredAnswer job = answers.get(asyncReplay).await().atMost(WAIT);
        assertThat(job.completion()).isEqualTo(secret);
        // and another tenant's same key is another replay
        Response other = as(globex).header("Idempotency-Key", jobId).body(chat("anything else " + UUID.randomUUID())).post("/v1/chat/completions");
        assertThat(other.header("X-Fleet-Cache")).isEqualTo("miss");
    }
}
