package dev.llmfleet.intake.redis;

import dev.llmfleet.intake.TestKeys;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.cache.AnswerKeys;
import dev.llmfleet.common.pipeline.Lane;
import dev.llmfleet.common.cache.AnswerStore;
import dev.llmfleet.common.cache.StoredAnswer;
import dev.llmfleet.common.metrics.MetricNames;
import dev.llmfleet.common.redis.RedisRoles;
import dev.llmfleet.common.redis.StateRedisPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.client.RedisClientName;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The two Redis roles, each on a real Redis of its own: replays on the state role, cached answers on the cache
 * role; a cache Redis that is down or hung is a miss, a state Redis that is down refuses keyed requests with 503,
 * and a state Redis that may evict is refused.
 */
@QuarkusTest
@WithTestResource(TwoRedisResource.class)
class RedisRolesTest {
    @BeforeEach
    void authenticate() {
        TestKeys.authenticate();
    }

    private static final Duration GENEROUS = Duration.ofSeconds(60);

    @Inject
    AnswerStore answers;

    @Inject
    ReactiveRedisDataSource state;

    @Inject
    @RedisClientName(RedisRoles.CACHE)
    ReactiveRedisDataSource cache;

    @Inject
    StateRedisPolicy policy;

    @Inject
    MeterRegistry registry;

    @Test
    void replaysGoToTheStateRedisAndCachedAnswersToTheCacheRedis() {
        String replayKey = AnswerKeys.idempotency("default", Lane.INTERACTIVE, UUID.randomUUID().toString());
        String cacheKey = cacheKey();
        answers.put(replayKey, answer(), Duration.ofMinutes(5)).await().atMost(GENEROUS);
        answers.put(cacheKey, answer(), Duration.ofMinutes(5)).await().atMost(GENEROUS);

        assertThat(exists(state, replayKey)).isTrue();
        assertThat(exists(cache, replayKey)).isFalse();
        assertThat(exists(cache, cacheKey)).isTrue();
        assertThat(exists(state, cacheKey)).isFalse();
        assertThat(answers.get(replayKey).await().atMost(GENEROUS)).isEqualTo(answer());
        assertThat(answers.get(cacheKey).await().atMost(GENEROUS)).isEqualTo(answer());
    }

    @Test
    void aStoppedCacheRedisIsAMissAndAStoreThatDoesNothing() throws IOException {
        String cacheKey = cacheKey();
        double before = unavailable("cache", "get") + unavailable("cache", "set");
        TwoRedisResource.cache.stop();
        try {
            answers.put(cacheKey, answer(), Duration.ofMinutes(5)).await().atMost(GENEROUS);
            assertThat(answers.get(cacheKey).await().atMost(GENEROUS)).isNull();
            assertThat(unavailable("cache", "get") + unavailable("cache", "set")).isEqualTo(before + 2);
        } finally {
            TwoRedisResource.cache.restart();
        }
        await().atMost(GENEROUS).untilAsserted(() -> {
            answers.put(cacheKey, answer(), Duration.ofMinutes(5)).await().atMost(GENEROUS);
            assertThat(answers.get(cacheKey).await().atMost(GENEROUS)).isEqualTo(answer());
        });
    }

    @Test
    void aHungCacheRedisIsAMissWithoutWaitingForIt() throws IOException {
        String cacheKey = cacheKey();
        answers.put(cacheKey, answer(), Duration.ofMinutes(5)).await().atMost(GENEROUS);
        double before = unavailable("cache", "get");
        // every client of the cache Redis waits 20 s: the stored answer is there, but not within the cache timeout
        try (Socket admin = connect(TwoRedisResource.cache.url())) {
            send(admin, "CLIENT", "PAUSE", "20000");
            assertThat(answers.get(cacheKey).await().atMost(GENEROUS)).isNull();
        }
        assertThat(unavailable("cache", "get")).isEqualTo(before + 1);
        await().atMost(GENEROUS).untilAsserted(() -> assertThat(answers.get(cacheKey).await().atMost(GENEROUS)).isEqualTo(answer()));
    }

    @Test
    void aStoppedStateRedisRefusesAKeyedRequestWith503() throws IOException {
        String replayKey = AnswerKeys.idempotency("default", Lane.INTERACTIVE, UUID.randomUUID().toString());
        // the test's key in use, so this replica confirmed it and accepts it while the state Redis is down (SECURITY.md)
        given().when().get("/v1/models").then().statusCode(200);
        TwoRedisResource.state.stop();
        try {
            assertThatThrownBy(() -> answers.get(replayKey).await().atMost(GENEROUS))
                    .isInstanceOfSatisfying(FleetException.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.code()).isEqualTo("idempotency_unavailable");
                        assertThat(e.retryAfterSeconds()).isPositive();
                    });
            given().contentType(ContentType.JSON).header("Idempotency-Key", UUID.randomUUID().toString())
                    .body("{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
                    .when().post("/v1/chat/completions").then()
                    .statusCode(503)
                    .header("Retry-After", equalTo("5"))
                    .body("error.code", equalTo("idempotency_unavailable"))
                    .body("error.type", equalTo("api_error"));
            // the answer to a keyed request is still served when only its replay copy cannot be written
            answers.put(replayKey, answer(), Duration.ofMinutes(5)).await().atMost(GENEROUS);
        } finally {
            TwoRedisResource.state.restart();
        }
    }

    @Test
    void aStateRedisThatMayEvictIsRefusedAndShownInHealth() {
        state.execute("CONFIG", "SET", "maxmemory-policy", "allkeys-lru").await().atMost(GENEROUS);
        try {
            assertThatThrownBy(() -> policy.verify())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("maxmemory-policy allkeys-lru")
                    .hasMessageContaining("must be noeviction")
                    .hasMessageContaining("REDIS_URL");
            given().when().get("/q/health/well").then().statusCode(503)
                    .body("checks.find { it.name == 'Redis roles' }.status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'Redis roles' }.data.state", containsString("allkeys-lru"));
        } finally {
            state.execute("CONFIG", "SET", "maxmemory-policy", "noeviction").await().atMost(GENEROUS);
        }
        policy.verify();
        given().when().get("/q/health/well").then().statusCode(200)
                .body("checks.find { it.name == 'Redis roles' }.status", equalTo("UP"));
    }

    private double unavailable(String role, String operation) {
        // timeouts and errors alike
        return registry.find(MetricNames.REDIS_UNAVAILABLE).tags(MetricNames.TAG_ROLE, role, MetricNames.TAG_OPERATION, operation)
                .counters().stream().mapToDouble(Counter::count).sum();
    }

    private static boolean exists(ReactiveRedisDataSource redis, String key) {
        return redis.key().exists(key).await().atMost(GENEROUS);
    }

    private static String cacheKey() {
        return "fleet:cache:v1:test-" + UUID.randomUUID();
    }

    private static StoredAnswer answer() {
        return new StoredAnswer(JsonNodeFactory.instance.objectNode().put("id", "chatcmpl-test"), "openai/gpt-4o-mini", 3, 5,
                new BigDecimal("0.000012"), null);
    }

    private static Socket connect(String url) throws IOException {
        URI uri = URI.create(url);
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Sends one command in RESP and reads the first line of its answer. */
    private static void send(Socket socket, String... command) throws IOException {
        StringBuilder resp = new StringBuilder("*").append(command.length).append("\r\n");
        for (String part : command) {
            resp.append('$').append(part.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(part).append("\r\n");
        }
        OutputStream out = socket.getOutputStream();
        out.write(resp.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        assertThat((char) socket.getInputStream().read()).isEqualTo('+');
    }
}
