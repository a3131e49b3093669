package dev.llmfleet.providersim.http;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@QuarkusTest
class IdempotencyTest extends SimTestSupport {

    private static final String REPLAY_HEADER = "X-MDB-Idempotent-Replay";

    private static Response withKey(String key, String body) {
        return api().header("Idempotency-Key", key).body(body).post("/v1/chat/completions");
    }

    @Test
    void honouredKeyReplaysTheFirstAnswerForFree() {
        String body = chat("openai/gpt-4o", "Once only", null, false);
        Response first = withKey("job-1", body);
        Response again = withKey("job-1", body);
        first.then().statusCode(200);
        again.then().statusCode(200);
        assertThat(again.jsonPath().getString("id")).isEqualTo(first.jsonPath().getString("id"));
        assertThat(again.header("X-MDB-Charged-USD")).isEqualTo("0");
        assertThat(usd(again.header("X-MDB-Balance-USD"))).isEqualByComparingTo(usd(first.header("X-MDB-Balance-USD")));
        // Only the replay says it is one.
        assertThat(first.header(REPLAY_HEADER)).isNull();
        assertThat(again.header(REPLAY_HEADER)).isEqualTo("true");

        var totals = totals();
        assertThat(totals.getLong("calls")).isEqualTo(1);
        assertThat(totals.getLong("replays")).isEqualTo(1);
        assertThat(totals.getLong("charged_repeats")).isZero();
        assertThat(usd(totals.getString("charged_usd"))).isEqualByComparingTo(usd(first.header("X-MDB-Charged-USD")));
        // A different key is a different call.
        Response other = withKey("job-2", body);
        assertThat(other.header("X-MDB-Charged-USD")).isNotEqualTo("0");
        assertThat(other.header(REPLAY_HEADER)).isNull();
    }

    @Test
    void streamedReplaySaysItIsAReplay() {
        Response first = withKey("job-6", chat("openai/gpt-4o-mini", "Stream me", null, true));
        first.then().statusCode(200).contentType("text/event-stream");
        assertThat(first.header(REPLAY_HEADER)).isNull();

        Response replay = withKey("job-6", chat("openai/gpt-4o-mini", "Stream me", null, true));
        replay.then().statusCode(200).contentType("text/event-stream");
        assertThat(replay.header(REPLAY_HEADER)).isEqualTo("true");
        assertThat(replay.header("X-MDB-Charged-USD")).isEqualTo("0");
        assertThat(sseData(replay.asString())).isEqualTo(sseData(first.asString()));

        // A JSON repeat of the streamed call is a replay too.
        Response json = withKey("job-6", chat("openai/gpt-4o-mini", "Stream me", null, false));
        json.then().statusCode(200);
        assertThat(json.header(REPLAY_HEADER)).isEqualTo("true");
        assertThat(totals().getLong("calls")).isEqualTo(1);
        assertThat(totals().getLong("replays")).isEqualTo(2);
    }

    @Test
    void repeatWhileTheFirstIsInFlightWaitsAndReplays() throws Exception {
        configure("{\"latency_base_ms\": 300}");
        String body = chat("openai/gpt-4o-mini", "In flight", null, false);
        CompletableFuture<Response> first = CompletableFuture.supplyAsync(() -> withKey("job-3", body));
        await().atMost(Duration.ofSeconds(5)).until(() -> totals().getLong("calls") == 1);
        Response repeat = withKey("job-3", body);
        Response original = first.get(10, TimeUnit.SECONDS);
        assertThat(repeat.statusCode()).isEqualTo(200);
        assertThat(repeat.jsonPath().getString("id")).isEqualTo(original.jsonPath().getString("id"));
        assertThat(repeat.header("X-MDB-Charged-USD")).isEqualTo("0");
        assertThat(repeat.header(REPLAY_HEADER)).isEqualTo("true");
        assertThat(original.header(REPLAY_HEADER)).isNull();
        assertThat(totals().getLong("calls")).isEqualTo(1);
        assertThat(totals().getLong("replays")).isEqualTo(1);
    }

    @Test
    void ignoredKeyChargesEveryCall() {
        configure("{\"idempotency_mode\": \"ignore\"}");
        String body = chat("openai/gpt-4o", "Twice", null, false);
        Response first = withKey("job-4", body);
        Response again = withKey("job-4", body);
        assertThat(again.jsonPath().getString("id")).isNotEqualTo(first.jsonPath().getString("id"));
        assertThat(again.header("X-MDB-Charged-USD")).isEqualTo(first.header("X-MDB-Charged-USD")).isNotEqualTo("0");
        assertThat(again.header(REPLAY_HEADER)).isNull();
        assertThat(totals().getLong("calls")).isEqualTo(2);
        assertThat(totals().getLong("replays")).isZero();
        // the second charge of one key is what a fault test counts as "charged twice"
        assertThat(totals().getLong("charged_repeats")).isEqualTo(1);
    }

    @Test
    void aFailedFirstAttemptIsNotReplayed() {
        configure("{\"error_502_rate\": 1.0}");
        String body = chat("openai/gpt-4o", "Retry me", null, false);
        withKey("job-5", body).then().statusCode(502);
        configure("{\"error_502_rate\": 0}");
        Response retry = withKey("job-5", body);
        retry.then().statusCode(200);
        assertThat(retry.header("X-MDB-Charged-USD")).isNotEqualTo("0");
        assertThat(retry.header(REPLAY_HEADER)).isNull();
    }
}
