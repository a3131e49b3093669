package dev.llmfleet.intake.rest;

import dev.llmfleet.intake.TestKeys;
import dev.llmfleet.common.metrics.MetricNames;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.llmfleet.intake.rest.JobsResourceTest.job;
import static dev.llmfleet.intake.rest.JobsResourceTest.utf8;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The edge's rules for what a client may send, on both lanes alike: every forwarded or stored field that could make the
 * provider call or the job's Kafka record fail is a 400 naming it in {@code param}, and a feature the fleet does not
 * know is a 400 too; nothing refused reaches the provider or Kafka.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class RequestRulesTest {
    @BeforeEach
    void authenticate() {
        TestKeys.authenticate();
    }

    @Inject
    MeterRegistry registry;

    /** One bad value of each field, and the param its 400 names. */
    private static Map<String, String> badFields() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("\"temperature\":3", "temperature");
        cases.put("\"top_p\":-0.1", "top_p");
        cases.put("\"presence_penalty\":2.5", "presence_penalty");
        cases.put("\"frequency_penalty\":\"high\"", "frequency_penalty");
        cases.put("\"seed\":0.5", "seed");
        cases.put("\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]", "stop");
        cases.put("\"stop\":\"" + "s".repeat(257) + "\"", "stop");
        cases.put("\"logit_bias\":{\"token\":5}", "logit_bias");
        cases.put("\"logit_bias\":{\"50256\":-101}", "logit_bias");
        cases.put("\"response_format\":{\"type\":\"yaml\"}", "response_format");
        cases.put("\"n\":2", "n");
        cases.put("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]", "tools");
        cases.put("\"tool_choice\":\"auto\"", "tool_choice");
        cases.put("\"functions\":[{\"name\":\"f\"}]", "functions");
        cases.put("\"logprobs\":true", "logprobs");
        cases.put("\"top_logprobs\":2", "top_logprobs");
        cases.put("\"user\":\"" + "u".repeat(257) + "\"", "user");
        cases.put("\"metadata\":{\"k\":{\"nested\":true}}", "metadata");
        cases.put("\"stream_options\":{\"include_usage\":1}", "stream_options");
        cases.put("\"max_tokens\":0", "max_tokens");
        cases.put("\"audio\":{\"voice\":\"alloy\"}", "audio");
        // each field within its own rule, but more bytes than fleet.limits.max-parameter-bytes together
        cases.put("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"big\",\"schema\":{\"description\":\""
                + "d".repeat(40_000) + "\"}}}", "response_format");
        return cases;
    }

    private double providerCalls() {
        return registry.find(MetricNames.PROVIDER_REQUESTS).counters().stream().mapToDouble(Counter::count).sum();
    }

    private static void assertRefused(String lane, String extra, Response response, String param) {
        assertThat(response.statusCode()).as(lane + " " + extra + ": " + response.asString()).isEqualTo(400);
        assertThat(response.<String>path("error.param")).as(lane + " " + extra).isEqualTo(param);
        assertThat(response.<String>path("error.type")).as(lane + " " + extra).isEqualTo("invalid_request_error");
        assertThat(response.<String>path("error.message")).as(lane + " " + extra).contains(param);
    }

    @Test
    void everyBadFieldIsA400NamingItOnBothLanesAndNothingIsSentAnywhere() {
        String marker = UUID.randomUUID().toString();
        double callsBefore = providerCalls();
        Map<String, String> cases = badFields();
        try (JobTopics topics = JobTopics.fromNow()) {
            cases.forEach((extra, param) -> {
                String body = job("Rules " + marker, extra);
                assertRefused("interactive", extra, given().contentType(ContentType.JSON).body(body).post("/v1/chat/completions"), param);
                assertRefused("job", extra, given().contentType(ContentType.JSON).body(body).post("/v1/jobs"), param);
            });
            List<String> lines = cases.keySet().stream().map(extra -> job("Rules " + marker, extra)).toList();
            List<Map<String, Object>> entries = given().contentType("application/x-ndjson").body(utf8(String.join("\n", lines)))
                    .post("/v1/jobs/batch").then().statusCode(202).extract().path("jobs");
            List<String> params = List.copyOf(cases.values());
            assertThat(entries).hasSize(params.size());
            for (int i = 0; i < entries.size(); i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> error = (Map<String, Object>) entries.get(i).get("error");
                assertThat(error).as("batch line " + (i + 1)).containsEntry("param", params.get(i)).containsEntry("type", "invalid_request_error");
            }
            assertThat(topics.readNew()).noneMatch(r -> r.value().toString().contains(marker));
        }
        assertThat(providerCalls()).as("no provider call").isEqualTo(callsBefore);
    }

    @Test
    void goodValuesOfTheForwardedFieldsAreAccepted() {
        String extra = "\"temperature\":0,\"top_p\":0.9,\"presence_penalty\":-1,\"frequency_penalty\":1,\"seed\":42,\"stop\":[\"\\n\\n\",\"END\"],"
                + "\"logit_bias\":{\"50256\":-100},\"response_format\":{\"type\":\"json_object\"},\"n\":1,\"user\":\"u-1\","
                + "\"metadata\":{\"ticket\":\"T-1\"},\"logprobs\":false,\"feature\":\"doc-summarize\"";
        given().contentType(ContentType.JSON).body(job("Rules ok " + UUID.randomUUID(), extra)).post("/v1/jobs")
                .then().statusCode(202);
    }

    @Test
    void anUnknownFeatureIsA400NamingTheKnownOnes() {
        String marker = "made-up-" + UUID.randomUUID().toString().substring(0, 8);
        double callsBefore = providerCalls();
        try (JobTopics topics = JobTopics.fromNow()) {
            Response interactive = given().contentType(ContentType.JSON).header("X-Fleet-Feature", marker)
                    .body(job("Feature " + marker, "")).post("/v1/chat/completions");
            assertThat(interactive.statusCode()).isEqualTo(400);
            assertThat(interactive.<String>path("error.code")).isEqualTo("unknown_feature");
            assertThat(interactive.<String>path("error.param")).isEqualTo("X-Fleet-Feature");
            assertThat(interactive.<String>path("error.message")).contains(marker).contains("support-chat").contains("ticket-classify");

            Response job = given().contentType(ContentType.JSON).body(job("Feature " + marker, "\"feature\":\"" + marker + "\"")).post("/v1/jobs");
            assertThat(job.statusCode()).isEqualTo(400);
            assertThat(job.<String>path("error.code")).isEqualTo("unknown_feature");
            assertThat(job.<String>path("error.param")).isEqualTo("feature");

            String lines = IntStream.range(0, 3).mapToObj(i -> job("Feature " + marker + " " + i, "")).collect(Collectors.joining("\n"));
            List<Map<String, Object>> entries = given().contentType("application/x-ndjson").header("X-Fleet-Feature", marker)
                    .body(utf8(lines)).post("/v1/jobs/batch").then().statusCode(202).extract().path("jobs");
            assertThat(entries).hasSize(3).allSatisfy(e -> assertThat(e.get("error").toString()).contains("unknown_feature"));
            assertThat(topics.readNew()).noneMatch(r -> r.value().toString().contains(marker));
        }
        assertThat(providerCalls()).isEqualTo(callsBefore);
    }
}
