package dev.llmfleet.intake.redis;

import dev.llmfleet.intake.TestKeys;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.metrics.MetricNames;
import dev.llmfleet.common.redis.RedisRoles;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis that is up but answers nothing (SIGSTOP: connections stay open, commands go unanswered), on each role. With
 * the cache stalled the interactive lane still answers, as misses counted as cache timeouts; with the state stalled the
 * job API refuses with an OpenAI-style 503 and Retry-After instead of hanging (the API key, confirmed just before, is
 * accepted within fleet.auth.outage-grace; the job store is what cannot answer). Both work again once Redis resumes.
 * Every request has a client-side timeout, so a request that hangs fails the test.
 */
@QuarkusTest
@WithTestResource(TwoRedisResource.class)
@WithTestResource(ProviderSimResource.class)
class StalledRedisTest {
    /** Far above any Redis bound of the request path (fleet.redis.*-timeout) and far below a hang. */
    private static final Duration NO_HANG = Duration.ofSeconds(5);
    private static final Duration GENEROUS = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(NO_HANG).build();

    @TestHTTPResource("/")
    URI base;

    @Inject
    MeterRegistry registry;

    @Inject
    ObjectMapper mapper;

    private String key;

    @BeforeEach
    void authenticate() {
        key = TestKeys.create(TestKeys.TENANT);
    }

    @Test
    void aStalledCacheRedisIsAMissAndTheAnswerStillComes() {
        String chat = "{\"model\":\"openai/gpt-4o-mini\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"stalled cache "
                + UUID.randomUUID() + "\"}]}";
        assertThat(post("/v1/chat/completions", chat).statusCode()).isEqualTo(200);
        // the answer is cached behind the response, not before it
        await().atMost(GENEROUS).until(() -> "hit".equals(post("/v1/chat/completions", chat).headers().firstValue("X-Fleet-Cache").orElse(null)));

        double timeoutsBefore = cacheTimeouts();
        TwoRedisResource.cache.pause();
        try {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> answer = post("/v1/chat/completions", chat);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                assertThat(answer.headers().firstValue("X-Fleet-Cache")).hasValue("miss");
            }
        } finally {
            TwoRedisResource.cache.resume();
        }
        assertThat(cacheTimeouts()).isGreaterThanOrEqualTo(timeoutsBefore + 3);
        await().atMost(GENEROUS).until(() -> "hit".equals(post("/v1/chat/completions", chat).headers().firstValue("X-Fleet-Cache").orElse(null)));
    }

    @Test
    void aStalledStateRedisRefusesTheJobApiWith503() {
        HttpResponse<String> accepted = post("/v1/jobs", job());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String id = json(accepted).path("id").asText();
        String unconfirmed = TestKeys.create(TestKeys.TENANT);

        TwoRedisResource.state.pause();
        try {
            assertUnavailable(get("/v1/jobs/" + id));
            assertUnavailable(post("/v1/jobs", job()));
            // a key this replica never confirmed cannot be checked: refused, never let through
            HttpResponse<String> unchecked = send(HttpRequest.newBuilder(base.resolve("/v1/jobs/" + id))
                    .header("Authorization", TestKeys.bearer(unconfirmed)).GET());
            assertThat(unchecked.statusCode()).as(unchecked.body()).isEqualTo(503);
            assertThat(json(unchecked).path("error").path("code").asText()).isEqualTo("auth_unavailable");
        } finally {
            TwoRedisResource.state.resume();
        }
        await().atMost(GENEROUS).untilAsserted(() -> {
            assertThat(get("/v1/jobs/" + id).statusCode()).isEqualTo(200);
            assertThat(post("/v1/jobs", job()).statusCode()).isEqualTo(202);
        });
    }

    private void assertUnavailable(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        JsonNode error = json(response).path("error");
        assertThat(error.path("type").asText()).isEqualTo("api_error");
        assertThat(error.path("code").asText()).isEqualTo("job_store_unavailable");
        assertThat(error.path("message").asText()).isNotBlank();
    }

    private static String job() {
        return "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"stalled state " + UUID.randomUUID() + "\"}]}";
    }

    private double cacheTimeouts() {
        var counter = registry.find(MetricNames.REDIS_UNAVAILABLE).tags(MetricNames.TAG_ROLE, RedisRoles.CACHE,
                MetricNames.TAG_OPERATION, "get", MetricNames.TAG_REASON, "timeout").counter();
        return counter == null ? 0 : counter.count();
    }

    private JsonNode json(HttpResponse<String> response) {
        try {
            return mapper.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json").header("Authorization", TestKeys.bearer(key))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", TestKeys.bearer(key)).GET());
    }

    /** Sends with {@link #NO_HANG} as the request's timeout: a request that hangs fails with HttpTimeoutException. */
    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(NO_HANG).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
