package dev.llmfleet.intake.rest;

import dev.llmfleet.intake.TestKeys;
import dev.llmfleet.common.jobs.JobStore;
import dev.llmfleet.intake.service.JobIds;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/** The job API on real Kafka and Redis: what is accepted is on its topic exactly once; what is refused is nowhere. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class JobsResourceTest {
    @BeforeEach
    void authenticate() {
        TestKeys.authenticate();
    }

    private static final String JOB_ID = "job_[0-9a-f]{32}";

    @Inject
    JobStore store;

    static String chat(String prompt) {
        return "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]";
    }

    static String job(String prompt, String extra) {
        return chat(prompt) + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    static String unique() {
        return "Summarise ticket " + UUID.randomUUID();
    }

    private static ValidatableResponse post(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/jobs").then();
    }

    @Test
    void aJobIsQueuedOnItsPriorityTopicAndReadable() {
        String prompt = unique();
        try (JobTopics topics = JobTopics.fromNow()) {
            var accepted = post(job(prompt, "\"feature\":\"doc-summarize\",\"priority\":\"high\",\"callback_url\":\"https://hooks.example.com/llm\""))
                    .statusCode(202)
                    .body("status", equalTo("queued"))
                    .body("id", matchesPattern(JOB_ID))
                    .body("$", org.hamcrest.Matchers.aMapWithSize(2))
                    .extract();
            String id = accepted.path("id");
            assertThat(accepted.header("Location")).endsWith("/v1/jobs/" + id);
            List<JobTopics.Job> records = topics.readNew().stream().filter(r -> id.equals(r.key())).toList();
            assertThat(records).hasSize(1);
            JobTopics.Job record = records.get(0);
            assertThat(record.topic()).isEqualTo("llm.jobs.high");
            assertThat(record.value().path("schema_version").asText()).isEqualTo("1.0");
            assertThat(record.value().path("job_id").asText()).isEqualTo(id);
            assertThat(record.value().path("tenant").asText()).isEqualTo("default");
            assertThat(record.value().path("feature").asText()).isEqualTo("doc-summarize");
            assertThat(record.value().path("priority").asText()).isEqualTo("high");
            assertThat(record.value().path("callback_url").asText()).isEqualTo("https://hooks.example.com/llm");
            assertThat(record.value().path("attempt").asInt(-1)).isZero();
            assertThat(record.value().path("not_before").isNull()).isTrue();
            assertThat(record.value().path("submitted_at").asText()).isNotBlank();
            // the original OpenAI body, without the job's own fields
            assertThat(record.value().path("request").path("model").asText()).isEqualTo("openai/gpt-4o-mini");
            assertThat(record.value().path("request").path("messages").get(0).path("content").asText()).isEqualTo(prompt);
            assertThat(record.value().path("request").has("feature")).isFalse();
            assertThat(record.value().path("request").has("priority")).isFalse();
            assertThat(record.value().path("request").has("callback_url")).isFalse();

            given().when().get("/v1/jobs/" + id).then().statusCode(200)
                    .body("id", equalTo(id))
                    .body("status", equalTo("queued"))
                    .body("priority", equalTo("high"))
                    .body("feature", equalTo("doc-summarize"))
                    .body("attempts", equalTo(0))
                    .body("model", nullValue())
                    .body("charged_usd", nullValue())
                    .body("result", nullValue())
                    .body("error", nullValue())
                    .body("created_at", notNullValue())
                    .body("finished_at", nullValue())
                    .body("$", org.hamcrest.Matchers.aMapWithSize(11));
        }
    }

    @Test
    void aQueuedJobCanBeCancelledOnceAndResubmittingItQueuesItAgain() {
        String body = job(unique(), "\"priority\":\"bulk\"");
        try (JobTopics topics = JobTopics.fromNow()) {
            String id = post(body).statusCode(202).extract().path("id");
            given().when().delete("/v1/jobs/" + id).then().statusCode(200)
                    .body("id", equalTo(id)).body("status", equalTo("cancelled")).body("finished_at", notNullValue());
            given().when().get("/v1/jobs/" + id).then().statusCode(200).body("status", equalTo("cancelled"));
            given().when().delete("/v1/jobs/" + id).then().statusCode(409)
                    .body("error.code", equalTo("job_not_cancellable"))
                    .body("error.type", equalTo("invalid_request_error"))
                    .body("error.message", org.hamcrest.Matchers.containsString("cancelled"));

            // the caller still wants it: a cancelled job submitted again is queued again
            post(body).statusCode(202).body("id", equalTo(id)).body("status", equalTo("queued"));
            given().when().get("/v1/jobs/" + id).then().statusCode(200)
                    .body("status", equalTo("queued")).body("finished_at", nullValue()).body("error", nullValue());
            assertThat(topics.readNew().stream().filter(r -> id.equals(r.key()))).hasSize(2)
                    .allMatch(r -> r.topic().equals("llm.jobs.bulk"));
        }
    }

    @Test
    void unknownJobsAre404() {
        given().when().get("/v1/jobs/job_00000000000000000000000000000000").then().statusCode(404)
                .body("error.code", equalTo("job_not_found")).body("error.type", equalTo("invalid_request_error"));
        given().when().get("/v1/jobs/not-a-job").then().statusCode(404).body("error.code", equalTo("job_not_found"));
        given().when().delete("/v1/jobs/job_00000000000000000000000000000000").then().statusCode(404)
                .body("error.code", equalTo("job_not_found"));
    }

    @Test
    void theSameIdempotencyKeyNamesTheSameJobAndEnqueuesItOnce() {
        String key = "order-" + UUID.randomUUID();
        try (JobTopics topics = JobTopics.fromNow()) {
            String id = given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(job(unique(), ""))
                    .when().post("/v1/jobs").then().statusCode(202).header(JobsResource.EXISTING_JOB_HEADER, nullValue())
                    .extract().path("id");
            // even with another body: the key names the job
            given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(job(unique(), ""))
                    .when().post("/v1/jobs").then().statusCode(200)
                    .header(JobsResource.EXISTING_JOB_HEADER, "true")
                    .body("id", equalTo(id)).body("status", equalTo("queued"));
            assertThat(topics.readNew().stream().filter(r -> id.equals(r.key()))).hasSize(1);
        }
    }

    @Test
    void aResubmissionOfAJobLeftPendingSendsItToKafka() {
        // intake died after storing the job and before Kafka acknowledged it; the client, answered nothing, tries again
        String key = "order-" + UUID.randomUUID();
        String id = JobIds.forKey("default", key);
        String prompt = unique();
        try (JobTopics topics = JobTopics.fromNow()) {
            PendingJobs.strand(store, id, prompt);
            given().when().get("/v1/jobs/" + id).then().statusCode(200).body("status", equalTo("pending"));
            given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(job(unique(), ""))
                    .when().post("/v1/jobs").then().statusCode(202)
                    .header(JobsResource.EXISTING_JOB_HEADER, nullValue())
                    .body("id", equalTo(id)).body("status", equalTo("queued"));
            // the job as first submitted, not the resubmission's body
            assertThat(topics.readNew().stream().filter(r -> id.equals(r.key()))).singleElement()
                    .satisfies(r -> assertThat(r.value().path("request").path("messages").get(0).path("content").asText()).isEqualTo(prompt));
            given().when().get("/v1/jobs/" + id).then().statusCode(200).body("status", equalTo("queued"));
            // now queued, a further resubmission leaves it alone
            given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(job(unique(), ""))
                    .when().post("/v1/jobs").then().statusCode(200).body("status", equalTo("queued"));
            assertThat(topics.readNew().stream().filter(r -> id.equals(r.key()))).isEmpty();
        }
    }

    @Test
    void theSameNormalisedInputWithoutAKeyNamesTheSameJob() {
        String prompt = unique();
        try (JobTopics topics = JobTopics.fromNow()) {
            String id = post(job(prompt, "")).statusCode(202).extract().path("id");
            // whitespace normalises away; priority is not part of the input
            post(job("  " + prompt + "  ", "\"priority\":\"normal\"")).statusCode(200)
                    .header(JobsResource.EXISTING_JOB_HEADER, "true").body("id", equalTo(id));
            // another feature is another job
            String other = post(job(prompt, "\"feature\":\"support-chat\"")).statusCode(202).extract().path("id");
            assertThat(other).isNotEqualTo(id);
            List<JobTopics.Job> records = topics.readNew();
            assertThat(records.stream().filter(r -> id.equals(r.key()))).hasSize(1);
            assertThat(records.stream().filter(r -> other.equals(r.key()))).hasSize(1);
        }
    }

    @Test
    void badJobsAreRefusedWithOpenAiErrorsAndNothingIsEnqueued() {
        String marker = UUID.randomUUID().toString();
        String prompt = "Bad job " + marker;
        Map<String, Object[]> cases = new java.util.LinkedHashMap<>();
        cases.put("unknown model", new Object[]{"{\"model\":\"acme/nope\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}", 404, "model_not_found"});
        cases.put("bad priority", new Object[]{job(prompt, "\"priority\":\"urgent\""), 400, "invalid_priority"});
        cases.put("priority not a string", new Object[]{job(prompt, "\"priority\":1"), 400, "invalid_priority"});
        cases.put("loopback callback", new Object[]{job(prompt, "\"callback_url\":\"http://127.0.0.1:9000/hook\""), 400, "invalid_callback_url"});
        cases.put("localhost callback", new Object[]{job(prompt, "\"callback_url\":\"http://localhost/hook\""), 400, "invalid_callback_url"});
        cases.put("private callback", new Object[]{job(prompt, "\"callback_url\":\"https://10.0.0.7/hook\""), 400, "invalid_callback_url"});
        cases.put("link-local callback", new Object[]{job(prompt, "\"callback_url\":\"http://169.254.169.254/latest\""), 400, "invalid_callback_url"});
        cases.put("ipv6 loopback callback", new Object[]{job(prompt, "\"callback_url\":\"http://[::1]/hook\""), 400, "invalid_callback_url"});
        cases.put("relative callback", new Object[]{job(prompt, "\"callback_url\":\"/hook\""), 400, "invalid_callback_url"});
        cases.put("ftp callback", new Object[]{job(prompt, "\"callback_url\":\"ftp://example.com/x\""), 400, "invalid_callback_url"});
        cases.put("bad feature", new Object[]{job(prompt, "\"feature\":\"no spaces please\""), 400, "invalid_feature"});
        cases.put("stream", new Object[]{job(prompt, "\"stream\":true"), 400, "unsupported_parameter"});
        cases.put("unknown parameter", new Object[]{job(prompt, "\"tools\":[]"), 400, "unsupported_parameter"});
        cases.put("no messages", new Object[]{"{\"model\":\"openai/gpt-4o-mini\",\"user\":\"" + marker + "\"}", 400, "invalid_messages"});
        cases.put("malformed JSON", new Object[]{job(prompt, "").replace("}]", "]"), 400, "invalid_json"});
        cases.put("two JSON values", new Object[]{job(prompt, "") + job(prompt, ""), 400, "invalid_json"});
        cases.put("not an object", new Object[]{"[" + job(prompt, "") + "]", 400, "invalid_body"});
        cases.put("empty body", new Object[]{"", 400, "invalid_body"});
        try (JobTopics topics = JobTopics.fromNow()) {
            cases.forEach((name, c) -> {
                var response = given().contentType(ContentType.JSON).body((String) c[0]).when().post("/v1/jobs");
                assertThat(response.statusCode()).as(name + ": " + response.asString()).isEqualTo(c[1]);
                assertThat(response.contentType()).as(name).startsWith("application/json");
                assertThat(response.<String>path("error.code")).as(name).isEqualTo(c[2]);
                assertThat(response.<String>path("error.type")).as(name).isEqualTo("invalid_request_error");
                assertThat(response.<String>path("error.message")).as(name).isNotBlank();
            });
            given().contentType(ContentType.JSON).header("Idempotency-Key", "x".repeat(256)).body(job(prompt, ""))
                    .when().post("/v1/jobs").then().statusCode(400).body("error.code", equalTo("invalid_idempotency_key"));
            given().contentType(ContentType.TEXT).body(job(prompt, "")).when().post("/v1/jobs").then()
                    .statusCode(415).body("error.code", equalTo("unsupported_media_type"));
            given().contentType(ContentType.JSON).header("X-Fleet-Feature", "bad feature!").body(job(prompt, ""))
                    .when().post("/v1/jobs").then().statusCode(400).body("error.code", equalTo("invalid_feature"));
            assertThat(topics.readNew()).noneMatch(r -> r.value().toString().contains(marker));
        }
    }

    @Test
    void aLargeJobIsValidatedOffTheEventLoop() {
        String big = unique() + " " + "lorem ipsum dolor sit amet ".repeat(2_800);
        assertThat(big.length()).isGreaterThan(JobsResource.LARGE_BODY_BYTES);
        post(job(big, "")).statusCode(202).body("id", matchesPattern(JOB_ID));
    }

    @Test
    void aJsonArrayBatchAnswersEveryJobInOrder() {
        String marker = UUID.randomUUID().toString();
        String body = "[" + String.join(",",
                job(unique(), "\"priority\":\"high\""),
                job("bad " + marker, "\"priority\":\"urgent\""),
                "{\"model\":\"acme/nope\",\"messages\":[{\"role\":\"user\",\"content\":\"bad " + marker + "\"}]}",
                job(unique(), "\"idempotency_key\":\"" + UUID.randomUUID() + "\""),
                "42") + "]";
        try (JobTopics topics = JobTopics.fromNow()) {
            List<Map<String, Object>> jobs = given().contentType(ContentType.JSON).body(body).when().post("/v1/jobs/batch")
                    .then().statusCode(202).extract().path("jobs");
            assertThat(jobs).hasSize(5);
            assertThat(jobs.get(0)).containsEntry("status", "queued").containsKey("id");
            assertThat(jobs.get(1)).containsEntry("line", 2).doesNotContainKey("id");
            assertThat(error(jobs.get(1))).containsEntry("code", "invalid_priority").containsEntry("type", "invalid_request_error");
            assertThat(jobs.get(2)).containsEntry("line", 3);
            assertThat(error(jobs.get(2))).containsEntry("code", "model_not_found");
            assertThat(jobs.get(3)).containsEntry("status", "queued");
            assertThat(jobs.get(4)).containsEntry("line", 5);
            assertThat(error(jobs.get(4))).containsEntry("code", "invalid_body");
            List<JobTopics.Job> records = topics.readNew();
            assertThat(records.stream().filter(r -> r.key().equals(jobs.get(0).get("id")))).singleElement()
                    .matches(r -> r.topic().equals("llm.jobs.high"));
            assertThat(records.stream().filter(r -> r.key().equals(jobs.get(3).get("id")))).singleElement()
                    .matches(r -> r.topic().equals("llm.jobs.normal") && !r.value().path("request").has("idempotency_key"));
            assertThat(records).noneMatch(r -> r.value().toString().contains(marker));
        }
    }

    @Test
    void aJsonLinesBatchKeepsGoingPastBadLines() {
        String first = unique();
        String body = job(first, "") + "\n"
                + "{not json\n"
                + "\n"
                + job(unique(), "\"feature\":\"ticket-classify\",\"priority\":\"bulk\"") + "\r\n"
                + job(first, "") + "\n";
        List<Map<String, Object>> jobs = given().contentType("application/x-ndjson").body(utf8(body)).when().post("/v1/jobs/batch")
                .then().statusCode(202).extract().path("jobs");
        assertThat(jobs).hasSize(4);
        assertThat(jobs.get(0)).containsEntry("status", "queued");
        assertThat(jobs.get(1)).containsEntry("line", 2);
        assertThat(error(jobs.get(1))).containsEntry("code", "invalid_json");
        assertThat(jobs.get(2)).containsEntry("status", "queued");
        // the same input twice in one batch is one job
        assertThat(jobs.get(3)).containsEntry("id", jobs.get(0).get("id"));
        given().when().get("/v1/jobs/" + jobs.get(2).get("id")).then().statusCode(200)
                .body("feature", equalTo("ticket-classify")).body("priority", equalTo("bulk"));

        for (String type : List.of("application/jsonl", "text/plain")) {
            given().contentType(type).body(utf8(job(unique(), ""))).when().post("/v1/jobs/batch")
                    .then().statusCode(202).body("jobs[0].status", equalTo("queued"));
        }
    }

    @Test
    void twoThousandJobsInOneBatchAreAllEnqueued() {
        String run = UUID.randomUUID().toString();
        String body = IntStream.range(0, 2_000).mapToObj(i -> job("Index document " + i + " of " + run, "\"priority\":\"bulk\""))
                .collect(Collectors.joining("\n"));
        try (JobTopics topics = JobTopics.fromNow()) {
            List<Map<String, Object>> jobs = given().contentType("application/x-ndjson").body(utf8(body)).when().post("/v1/jobs/batch")
                    .then().statusCode(202).extract().path("jobs");
            assertThat(jobs).hasSize(2_000).allMatch(j -> "queued".equals(j.get("status")));
            Set<Object> ids = new HashSet<>();
            jobs.forEach(j -> ids.add(j.get("id")));
            assertThat(ids).hasSize(2_000);
            List<JobTopics.Job> records = topics.readNew().stream().filter(r -> ids.contains(r.key())).toList();
            assertThat(records).hasSize(2_000).allMatch(r -> r.topic().equals("llm.jobs.bulk"));
            // input order: line i's job carries prompt i
            assertThat(records.stream().filter(r -> r.key().equals(jobs.get(1234).get("id"))).findFirst().orElseThrow()
                    .value().path("request").path("messages").get(0).path("content").asText()).isEqualTo("Index document 1234 of " + run);
        }
    }

    @Test
    void batchesThatCannotBeSplitAreRefusedWhole() {
        given().contentType(ContentType.JSON).body(job(unique(), "")).when().post("/v1/jobs/batch")
                .then().statusCode(400).body("error.code", equalTo("invalid_batch"));
        given().contentType(ContentType.JSON).body("[" + job(unique(), "")).when().post("/v1/jobs/batch")
                .then().statusCode(400).body("error.code", equalTo("invalid_json"));
        given().contentType(ContentType.JSON).body("[]").when().post("/v1/jobs/batch")
                .then().statusCode(400).body("error.code", equalTo("empty_batch"));
        given().contentType("application/x-ndjson").body(utf8("\n\n")).when().post("/v1/jobs/batch")
                .then().statusCode(400).body("error.code", equalTo("empty_batch"));
        given().contentType("application/xml").body(utf8("<jobs/>")).when().post("/v1/jobs/batch")
                .then().statusCode(415).body("error.code", equalTo("unsupported_media_type"));
        given().contentType("application/x-ndjson").body(utf8("{}\n".repeat(10_001))).when().post("/v1/jobs/batch")
                .then().statusCode(413).body("error.code", equalTo("batch_too_large"));
    }

    @Test
    void aBodyOverTheHttpLimitIsRefusedBeforeItIsRead() throws Exception {
        // announce 33 MiB and send none of it: the answer must come from the declared length alone
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", io.restassured.RestAssured.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /v1/jobs/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n" + TestKeys.headerLine()
                    + "Content-Type: application/x-ndjson\r\nContent-Length: " + 33 * 1024 * 1024 + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.InputStream in = socket.getInputStream();
            StringBuilder answer = new StringBuilder();
            byte[] chunk = new byte[4096];
            int read;
            while (!answer.toString().contains("}}") && (read = in.read(chunk)) > 0) {
                answer.append(new String(chunk, 0, read, StandardCharsets.UTF_8));
            }
            assertThat(answer.toString()).startsWith("HTTP/1.1 413").contains("\"code\":\"body_too_large\"");
        }
        // one job is bounded far lower than a batch
        given().contentType(ContentType.JSON).body(job("x".repeat(1_100_000), "")).when().post("/v1/jobs")
                .then().statusCode(413).body("error.code", equalTo("body_too_large"));
    }

    @Test
    void theInteractiveRouteStillAnswersBesideTheJobApi() {
        given().contentType(ContentType.JSON).body("{oops").when().post("/v1/chat/completions")
                .then().statusCode(400).body("error.code", equalTo("invalid_json"));
        given().when().get("/v1/models").then().statusCode(200).body("object", equalTo("list"));
    }

    @Test
    void theOpenApiDocumentDescribesTheJobApi() {
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/v1/jobs'.post.responses.'202'", notNullValue())
                .body("paths.'/v1/jobs/batch'.post.responses.'202'", notNullValue())
                .body("paths.'/v1/jobs/{id}'.get.responses.'404'", notNullValue())
                .body("paths.'/v1/jobs/{id}'.delete.responses.'409'", notNullValue())
                .body("components.schemas.Job.properties.charged_usd", notNullValue());
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> error(Map<String, Object> entry) {
        return (Map<String, Object>) entry.get("error");
    }
}
