package dev.llmfleet.providersim.http;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@QuarkusTest
class LimitsAndFaultsTest extends SimTestSupport {

    @Test
    void tooManyConcurrentRequestsAnswer429WithRetryAfter() throws Exception {
        // the first call must still be in flight when the second arrives, even on a loaded machine (400 ms was not: CI-like run)
        configure("{\"max_concurrent_requests\": 1, \"latency_base_ms\": 4000}");
        CompletableFuture<Response> slow = CompletableFuture.supplyAsync(() -> complete(chat("openai/gpt-4o-mini", "slow", 10, false)));
        await().atMost(Duration.ofSeconds(5)).until(() -> totals().getInt("in_flight") == 1);

        Response limited = complete(chat("openai/gpt-4o-mini", "second", 10, false));
        limited.then().statusCode(429);
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isGreaterThanOrEqualTo(1);
        assertThat(limited.jsonPath().getString("error.code")).isEqualTo("rate_limit_exceeded");
        assertThat(limited.header("X-MDB-Charged-USD")).isEqualTo("0");

        assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        // The slot is released once the answer is out.
        await().atMost(Duration.ofSeconds(5)).until(() -> totals().getInt("in_flight") == 0);
        configure("{\"latency_base_ms\": 0}");
        complete(chat("openai/gpt-4o-mini", "third", 10, false)).then().statusCode(200);
        assertThat(totals().getLong("errors.'429'")).isEqualTo(1);
    }

    @Test
    void totalsKeepThePeakOfConcurrentRequestsUntilAReset() {
        configure("{\"latency_base_ms\": 400}");
        ExecutorService clients = Executors.newFixedThreadPool(3);
        try {
            List<CompletableFuture<Response>> calls = IntStream.range(0, 3).mapToObj(i -> CompletableFuture.supplyAsync(
                    () -> complete(chat("openai/gpt-4o-mini", "at once " + i, 5, false)), clients)).toList();
            await().atMost(Duration.ofSeconds(5)).until(() -> totals().getInt("in_flight") == 3);
            calls.forEach(call -> assertThat(call.join().statusCode()).isEqualTo(200));
        } finally {
            clients.shutdown();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> totals().getInt("in_flight") == 0);
        configure("{\"latency_base_ms\": 0}");
        complete(chat("openai/gpt-4o-mini", "alone", 5, false)).then().statusCode(200);
        assertThat(totals().getInt("peak_in_flight")).as("the peak outlives the calls").isEqualTo(3);

        resetSimulator();
        assertThat(totals().getInt("peak_in_flight")).as("a reset starts a new peak").isZero();
    }

    @Test
    void requestsPerMinuteAreLimitedPerKey() {
        configure("{\"requests_per_minute\": 2}");
        complete(chat("openai/gpt-4o-mini", "one", 5, false)).then().statusCode(200);
        complete(chat("openai/gpt-4o-mini", "two", 5, false)).then().statusCode(200);
        Response limited = complete(chat("openai/gpt-4o-mini", "three", 5, false));
        limited.then().statusCode(429);
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isBetween(1, 60);
        // Another key has its own window.
        given().header("Authorization", "Bearer other-key").contentType(ContentType.JSON)
                .body(chat("openai/gpt-4o-mini", "three", 5, false)).post("/v1/chat/completions").then().statusCode(200);
    }

    @Test
    void injectedServerErrorsAreNotCharged() {
        configure("{\"error_503_rate\": 1.0}");
        Response r = complete(chat("openai/gpt-4o", "fail", null, false));
        r.then().statusCode(503);
        assertThat(r.header("X-MDB-Charged-USD")).isEqualTo("0");
        assertThat(r.jsonPath().getString("error.type")).isEqualTo("server_error");

        configure("{\"error_503_rate\": 0, \"error_500_rate\": 1.0}");
        complete(chat("openai/gpt-4o", "fail", null, false)).then().statusCode(500);
        configure("{\"error_500_rate\": 0, \"error_502_rate\": 1.0}");
        complete(chat("openai/gpt-4o", "fail", null, false)).then().statusCode(502);

        configure("{\"error_502_rate\": 0, \"unavailable_models\": [\"openai/gpt-4o\"]}");
        Response unavailable = complete(chat("openai/gpt-4o", "fail", null, false));
        unavailable.then().statusCode(503);
        assertThat(unavailable.jsonPath().getString("error.code")).isEqualTo("model_unavailable");
        complete(chat("openai/gpt-4o-mini", "fine", null, false)).then().statusCode(200);

        assertThat(totals().getLong("calls")).isEqualTo(1);
        assertThat(totals().getLong("errors.'503'")).isEqualTo(2);
        assertThat(totals().getLong("errors.'500'")).isEqualTo(1);
        assertThat(totals().getLong("errors.'502'")).isEqualTo(1);
    }

    @Test
    void injectedRateLimitsAnswer429WithRetryAfterAndChargeNothing() {
        configure("{\"error_429_rate\": 1.0}");
        Response limited = complete(chat("openai/gpt-4o", "throttled", null, false));
        limited.then().statusCode(429);
        assertThat(limited.header("Retry-After")).isEqualTo("1");
        assertThat(limited.header("X-MDB-Charged-USD")).isEqualTo("0");
        assertThat(usd(limited.header("X-MDB-Balance-USD"))).isEqualByComparingTo(START_BALANCE);
        assertThat(limited.jsonPath().getString("error.code")).isEqualTo("rate_limit_exceeded");
        assertThat(limited.jsonPath().getString("error.type")).isEqualTo("rate_limit_error");
        // Streams are throttled before the first byte too.
        complete(chat("openai/gpt-4o", "throttled", null, true)).then().statusCode(429).header("Retry-After", "1");

        // a storm asking for long waits
        configure("{\"error_429_retry_after_s\": 30}");
        complete(chat("openai/gpt-4o", "throttled", null, false)).then().statusCode(429).header("Retry-After", "30");
        given().contentType(ContentType.JSON).body("{\"error_429_retry_after_s\": 0}").post("/admin/config").then().statusCode(400);

        configure("{\"error_429_rate\": 0}");
        complete(chat("openai/gpt-4o", "fine", null, false)).then().statusCode(200);

        var totals = totals();
        assertThat(totals.getLong("requests")).isEqualTo(4);
        assertThat(totals.getLong("calls")).isEqualTo(1);
        assertThat(totals.getLong("errors.'429'")).isEqualTo(3);
        assertThat(given().get("/admin/config").then().statusCode(200).extract().jsonPath().getDouble("error_429_rate")).isZero();
    }

    @Test
    void injectedFaultRatesShareOneRoll() {
        // 429 plus the server errors may not exceed 1 in total; the rejected update changes nothing.
        given().contentType(ContentType.JSON).body("{\"error_429_rate\": 0.5, \"error_503_rate\": 0.6}")
                .post("/admin/config").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"error_429_rate\": -0.1}").post("/admin/config").then().statusCode(400);
        var config = given().get("/admin/config").then().statusCode(200).extract().jsonPath();
        assertThat(config.getDouble("error_429_rate")).isZero();
        assertThat(config.getDouble("error_503_rate")).isZero();

        configure("{\"error_429_rate\": 0.5, \"error_503_rate\": 0.5}");
        int n = 40;
        for (int i = 0; i < n; i++) {
            assertThat(complete(chat("openai/gpt-4o-mini", "roll " + i, 5, false)).statusCode()).isIn(429, 503);
        }
        var totals = totals();
        assertThat(totals.getLong("errors.'429'") + totals.getLong("errors.'503'")).isEqualTo(n);
        assertThat(totals.getLong("calls")).isZero();
        assertThat(usd(totals.getString("charged_usd"))).isZero();
    }

    @Test
    void latencyAndStallsComeFromTimers() {
        configure("{\"latency_base_ms\": 100, \"latency_per_token_ms\": 10}");
        long start = System.nanoTime();
        complete(chat("openai/gpt-4o-mini", "timed", 10, false)).then().statusCode(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));

        configure("{\"latency_base_ms\": 0, \"latency_per_token_ms\": 0, \"stall_rate\": 1.0, \"stall_ms\": 300}");
        start = System.nanoTime();
        complete(chat("openai/gpt-4o-mini", "stalled", 10, false)).then().statusCode(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void runtimeSettingsAreValidatedAllOrNothing() {
        given().contentType(ContentType.JSON).body("{\"error_500_rate\": 2}").post("/admin/config").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"no_such_setting\": 1}").post("/admin/config").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"latency_base_ms\": 5, \"stream_charge_mode\": \"pigeon\"}")
                .post("/admin/config").then().statusCode(400);
        var config = given().get("/admin/config").then().statusCode(200).extract().jsonPath();
        assertThat(config.getLong("latency_base_ms")).isZero();
        assertThat(config.getString("fixed.idempotency_replay_header")).isEqualTo("X-MDB-Idempotent-Replay");

        var updated = given().contentType(ContentType.JSON)
                .body("{\"stream_charge_mode\": \"trailer\", \"idempotency_mode\": \"ignore\", \"balance_usd\": \"42.5\"}")
                .post("/admin/config").then().statusCode(200).extract().jsonPath();
        assertThat(updated.getString("stream_charge_mode")).isEqualTo("trailer");
        assertThat(updated.getString("idempotency_mode")).isEqualTo("ignore");
        assertThat(updated.getString("balance_usd")).isEqualTo("42.5");
    }
}
