package dev.llmfleet.providersim.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@QuarkusTest
class StreamingTest extends SimTestSupport {

    private static final String MODEL = "openai/gpt-4o-mini";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL root;

    @Inject
    Vertx vertx;

    /** Checks the OpenAI chunk sequence and returns the usage chunk (parsed with Jackson: GPath is slow per chunk). */
    private static JsonNode assertOpenAiChunks(List<String> data, int expectedEventsAfterUsage) {
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        JsonNode first = json(data.get(0));
        assertThat(first.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        String id = first.path("id").asText();

        int usageAt = data.size() - 2 - expectedEventsAfterUsage;
        JsonNode usage = json(data.get(usageAt));
        assertThat(usage.path("choices").isArray() && usage.path("choices").isEmpty()).isTrue();
        assertThat(json(data.get(usageAt - 1)).at("/choices/0/finish_reason").asText()).isIn("stop", "length");

        StringBuilder content = new StringBuilder();
        for (String chunk : data.subList(1, usageAt - 1)) {
            JsonNode node = json(chunk);
            assertThat(node.path("id").asText()).isEqualTo(id);
            assertThat(node.at("/choices/0/finish_reason").isNull()).isTrue();
            content.append(node.at("/choices/0/delta/content").asText());
        }
        assertThat(usageAt - 2).as("one chunk per completion token").isEqualTo(usage.at("/usage/completion_tokens").asInt());
        assertThat(content.toString()).isNotBlank();
        return usage;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static BigDecimal chargeOf(JsonNode usage) {
        return expectedCharge(MODEL, usage.at("/usage/prompt_tokens").asLong(), usage.at("/usage/completion_tokens").asLong());
    }

    @Test
    void headerModeSendsTheChargeUpFront() {
        Response r = complete(chat(MODEL, "Stream to me", 40, true));
        r.then().statusCode(200).contentType("text/event-stream");
        JsonNode usage = assertOpenAiChunks(sseData(r.asString()), 0);
        BigDecimal charged = usd(r.header("X-MDB-Charged-USD"));
        assertThat(charged).isEqualByComparingTo(chargeOf(usage));
        assertThat(usd(r.header("X-MDB-Balance-USD"))).isEqualByComparingTo(START_BALANCE.subtract(charged));
        assertThat(usd(totals().getString("charged_usd"))).isEqualByComparingTo(charged);
    }

    @Test
    void eventModeSendsTheChargeAsALastEvent() {
        configure("{\"stream_charge_mode\": \"event\"}");
        Response r = complete(chat(MODEL, "Stream to me", null, true));
        r.then().statusCode(200);
        assertThat(r.header("X-MDB-Charged-USD")).isNull();
        assertThat(usd(r.header("X-MDB-Balance-USD"))).isEqualByComparingTo(START_BALANCE);
        List<String> data = sseData(r.asString());
        JsonNode usage = assertOpenAiChunks(data, 1);
        JsonNode charge = json(data.get(data.size() - 2));
        assertThat(charge.path("object").asText()).isEqualTo("mdb.charge");
        assertThat(usd(charge.path("charged_usd").asText())).isEqualByComparingTo(chargeOf(usage));
        assertThat(usd(charge.path("balance_usd").asText())).isEqualByComparingTo(START_BALANCE.subtract(chargeOf(usage)));
    }

    @Test
    void trailerModeSendsTheChargeAfterTheBody() throws Exception {
        configure("{\"stream_charge_mode\": \"trailer\", \"latency_per_token_ms\": 2}");
        HttpClient client = vertx.createHttpClient();
        try {
            StreamResult result = stream(client);
            assertThat(result.response.statusCode()).isEqualTo(200);
            assertThat(result.response.getHeader("X-MDB-Charged-USD")).isNull();
            assertThat(result.response.getHeader("Trailer")).contains("X-MDB-Charged-USD");
            JsonNode usage = assertOpenAiChunks(sseData(result.body.toString()), 0);
            MultiMap trailers = result.response.trailers();
            assertThat(usd(trailers.get("X-MDB-Charged-USD"))).isEqualByComparingTo(chargeOf(usage));
            assertThat(usd(trailers.get("X-MDB-Balance-USD"))).isEqualByComparingTo(START_BALANCE.subtract(chargeOf(usage)));
        } finally {
            client.close();
        }
    }

    @Test
    void droppedStreamIsChargedInFull() throws Exception {
        configure("{\"drop_stream_rate\": 1.0}");
        HttpClient client = vertx.createHttpClient();
        try {
            assertThatThrownBy(() -> stream(client)).isInstanceOf(ExecutionException.class);
        } finally {
            client.close();
        }
        // the dropped call is over: nothing stays in flight
        await().atMost(Duration.ofSeconds(10)).until(() -> totals().getLong("in_flight") == 0);
        JsonPath totals = totals();
        assertThat(totals.getLong("calls")).isEqualTo(1);
        assertThat(usd(totals.getString("charged_usd"))).isPositive();
        assertThat(usd(totals.getString("charged_usd")))
                .isEqualByComparingTo(expectedCharge(MODEL, totals.getLong("prompt_tokens"), totals.getLong("completion_tokens")));
    }

    private record StreamResult(HttpClientResponse response, Buffer body) {
    }

    private StreamResult stream(HttpClient client) throws Exception {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(root.getHost()).setPort(root.getPort())
                .setURI("/v1/chat/completions").putHeader("Authorization", "Bearer " + API_KEY)
                .putHeader("Content-Type", "application/json");
        return client.request(options)
                .compose(request -> request.send(chat(MODEL, "Stream with trailers", null, true)))
                .compose(response -> response.body().map(body -> new StreamResult(response, body)))
                .toCompletionStage().toCompletableFuture().get(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
    }
}
