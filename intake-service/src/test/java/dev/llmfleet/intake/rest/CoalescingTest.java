package dev.llmfleet.intake.rest;

import dev.llmfleet.intake.TestKeys;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.intake.redis.ProviderSimResource;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A herd of identical cacheable requests in flight at once makes one provider call: the first takes the cache key's
 * lease and calls, the others wait for its stored answer and are served it as a cache hit charged $0, streamed ones
 * as a replayed stream. Against the real simulator (300 ms a call), which counts every request it receives.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ProviderSimResource.class)
@TestProfile(CoalescingTest.PatientCache.class)
class CoalescingTest {
    /** A cache Redis command past its bound fails open (every request calls), so a loaded test machine gets a wider bound. */
    public static class PatientCache implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fleet.redis.cache-timeout", "10s");
        }
    }

    private static final int HERD = 50;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource("/")
    URI base;

    @Inject
    ObjectMapper mapper;

    private String key;

    @BeforeEach
    void slowProvider() throws Exception {
        key = TestKeys.create(TestKeys.TENANT);
        admin("/admin/config", "{\"latency_base_ms\":300}");
    }

    @AfterEach
    void fastProvider() throws Exception {
        admin("/admin/config", "{\"latency_base_ms\":0}");
    }

    @Test
    void aHerdOfIdenticalRequestsMakesOneProviderCall() throws Exception {
        List<HttpResponse<String>> answers = herdServedByOneCall(chat(false));

        assertThat(answers.stream().filter(CoalescingTest::hit))
                .allSatisfy(a -> assertThat(a.headers().firstValue("X-MDB-Charged-USD")).hasValue("0"));
        assertThat(answers.stream().map(a -> content(a.body())).distinct()).hasSize(1);
    }

    @Test
    void streamedWaitersGetTheStoredAnswerAsAStream() throws Exception {
        List<HttpResponse<String>> answers = herdServedByOneCall(chat(true));

        assertThat(answers).allSatisfy(a -> assertThat(a.body()).contains("data: [DONE]"));
        assertThat(answers.stream().map(a -> streamedText(a.body())).distinct()).hasSize(1);
    }

    @Test
    void requestsThatDifferInAnAnswerChangingParameterAreNotCoalesced() throws Exception {
        String prompt = "coalescing " + UUID.randomUUID();
        long before = simRequests();
        List<CompletableFuture<HttpResponse<String>>> sent = IntStream.range(0, 4)
                .mapToObj(i -> send("{\"model\":\"openai/gpt-4o-mini\",\"temperature\":0,\"max_tokens\":" + (20 + i)
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}")).toList();
        sent.forEach(CompletableFuture::join);
        assertThat(simRequests() - before).isEqualTo(4);
    }

    private String chat(boolean stream) {
        return "{\"model\":\"openai/gpt-4o-mini\",\"temperature\":0,\"max_tokens\":30,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"coalescing " + UUID.randomUUID() + "\"}]}";
    }

    /** Sends {@code body} {@link #HERD} times at once: one provider call, every answer a 200, all but one cache hits. */
    private List<HttpResponse<String>> herdServedByOneCall(String body) throws Exception {
        long before = simRequests();
        List<CompletableFuture<HttpResponse<String>>> sent = IntStream.range(0, HERD).mapToObj(i -> send(body)).toList();
        List<HttpResponse<String>> answers = sent.stream().map(CompletableFuture::join).toList();
        assertThat(simRequests() - before).as("provider calls").isEqualTo(1);
        assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).as(a.body()).isEqualTo(200));
        assertThat(answers.stream().filter(CoalescingTest::hit)).hasSize(HERD - 1);
        return answers;
    }

    private static boolean hit(HttpResponse<String> answer) {
        return answer.headers().firstValue("X-Fleet-Cache").orElse("").equals("hit");
    }

    private CompletableFuture<HttpResponse<String>> send(String body) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/chat/completions")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header("Authorization", TestKeys.bearer(key)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private String content(String body) {
        return json(body).path("choices").path(0).path("message").path("content").asText();
    }

    /** The text of an SSE answer: every chunk's delta content, in order. */
    private String streamedText(String body) {
        StringBuilder text = new StringBuilder();
        body.lines().filter(line -> line.startsWith("data: {")).map(line -> json(line.substring(6)))
                .forEach(chunk -> text.append(chunk.path("choices").path(0).path("delta").path("content").asText("")));
        return text.toString();
    }

    private JsonNode json(String text) {
        try {
            return mapper.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private long simRequests() throws Exception {
        return json(admin("/admin/totals", null)).path("requests").asLong();
    }

    private static String admin(String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(ProviderSimResource.url() + path)).header("Content-Type", "application/json");
        request = body == null ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
