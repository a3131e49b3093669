package dev.llmfleet.providersim.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
class ChargingTest extends SimTestSupport {

    @Test
    void chargedCallFollowsThePriceBookAndTheBalanceDropsExactly() {
        Response r = complete(chat("openai/gpt-4o", "Explain caching in one paragraph.", 400, false));
        r.then().statusCode(200);
        JsonPath json = r.jsonPath();
        assertThat(json.getString("id")).startsWith("chatcmpl-");
        assertThat(json.getString("object")).isEqualTo("chat.completion");
        assertThat(json.getString("model")).isEqualTo("openai/gpt-4o");
        assertThat(json.getString("choices[0].message.role")).isEqualTo("assistant");
        assertThat(json.getString("choices[0].message.content")).isNotBlank();
        assertThat(json.getString("choices[0].finish_reason")).isEqualTo("stop");
        int prompt = json.getInt("usage.prompt_tokens");
        int completion = json.getInt("usage.completion_tokens");
        assertThat(completion).isBetween(20, 150);
        assertThat(json.getInt("usage.total_tokens")).isEqualTo(prompt + completion);

        Encoding o200k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
        int honestPrompt = 3 + 2 * 3 + o200k.countTokens("system") + o200k.countTokens("You are terse.")
                + o200k.countTokens("user") + o200k.countTokens("Explain caching in one paragraph.");
        assertThat(prompt).isEqualTo(honestPrompt);
        assertThat(o200k.countTokens(json.getString("choices[0].message.content"))).isEqualTo(completion);

        BigDecimal charged = usd(r.header("X-MDB-Charged-USD"));
        assertThat(charged).isEqualByComparingTo(expectedCharge("openai/gpt-4o", prompt, completion));
        assertThat(usd(r.header("X-MDB-Balance-USD"))).isEqualByComparingTo(START_BALANCE.subtract(charged));

        JsonPath totals = totals();
        assertThat(totals.getLong("calls")).isEqualTo(1);
        assertThat(totals.getLong("requests")).isEqualTo(1);
        assertThat(usd(totals.getString("charged_usd"))).isEqualByComparingTo(charged);
        assertThat(usd(totals.getString("balance_usd"))).isEqualByComparingTo(START_BALANCE.subtract(charged));
        assertThat(totals.getLong("prompt_tokens")).isEqualTo(prompt);
        assertThat(totals.getLong("completion_tokens")).isEqualTo(completion);
        assertThat(usd(totals.getString("by_model.'openai/gpt-4o'.charged_usd"))).isEqualByComparingTo(charged);
        assertThat(totals.getLong("by_model.'openai/gpt-4o'.calls")).isEqualTo(1);
    }

    @Test
    void sameRequestSameTextAndMaxTokensTruncates() {
        String body = chat("openai/gpt-4o-mini", "Deterministic please", 7, false);
        JsonPath first = complete(body).then().statusCode(200).extract().jsonPath();
        JsonPath second = complete(body).then().statusCode(200).extract().jsonPath();
        assertThat(second.getString("choices[0].message.content")).isEqualTo(first.getString("choices[0].message.content"));
        assertThat(first.getInt("usage.completion_tokens")).isEqualTo(7);
        assertThat(first.getString("choices[0].finish_reason")).isEqualTo("length");
    }

    @Test
    void depletedBalanceAnswers402UntilToppedUp() {
        given().contentType(ContentType.JSON).body("{\"balance_usd\": \"0.0001\"}").post("/admin/reset").then().statusCode(200);
        // The call that crosses zero still goes through (charged in full) ...
        Response crossing = complete(chat("openai/gpt-4o", "Spend it all", null, false));
        crossing.then().statusCode(200);
        BigDecimal afterCrossing = usd(crossing.header("X-MDB-Balance-USD"));
        assertThat(afterCrossing.signum()).isNegative();
        // ... and every call after it is refused without charge.
        Response refused = complete(chat("openai/gpt-4o", "Again", null, false));
        refused.then().statusCode(402);
        assertThat(refused.header("X-MDB-Charged-USD")).isEqualTo("0");
        assertThat(usd(refused.header("X-MDB-Balance-USD"))).isEqualByComparingTo(afterCrossing);
        assertThat(refused.jsonPath().getString("error.code")).isEqualTo("insufficient_quota");
        assertThat(refused.jsonPath().getString("error.type")).isEqualTo("insufficient_balance");

        JsonPath topup = api().header("Idempotency-Key", "topup-1").body("{\"amount_usd\": 25.0}")
                .post("/v1/credits/topup").then().statusCode(200).extract().jsonPath();
        assertThat(usd(topup.getString("balance_usd"))).isEqualByComparingTo(afterCrossing.add(new BigDecimal("25")));
        assertThat(usd(topup.getString("topped_up_usd"))).isEqualByComparingTo("25");
        assertThat(topup.getString("topup_id")).isNotBlank();
        // The same idempotency key never tops up twice.
        JsonPath repeat = api().header("Idempotency-Key", "topup-1").body("{\"amount_usd\": 25.0}")
                .post("/v1/credits/topup").then().statusCode(200).extract().jsonPath();
        assertThat(repeat.getString("topup_id")).isEqualTo(topup.getString("topup_id"));
        assertThat(usd(totals().getString("topped_up_usd"))).isEqualByComparingTo("25");

        complete(chat("openai/gpt-4o", "Works again", null, false)).then().statusCode(200);
        api().body("{\"amount_usd\": 0}").post("/v1/credits/topup").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"amount_usd\": 5}").post("/v1/credits/topup").then().statusCode(401);
        assertThat(totals().getLong("errors.'402'")).isEqualTo(1);
    }

    @Test
    void aTopupWhoseAnswerCameTooLateIsAppliedOnceAndItsRetryWithTheSameKeyReplaysIt() throws Exception {
        configure("{\"topup_delay_ms\": 5000}");
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + "/v1/credits/topup"))
                .header("Authorization", "Bearer " + API_KEY).header("Content-Type", "application/json")
                .header("Idempotency-Key", "late-1").timeout(java.time.Duration.ofMillis(1000))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"amount_usd\": 10}")).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(java.net.http.HttpTimeoutException.class);
        // the client never saw the answer, but the credit is there
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> usd(totals().getString("topped_up_usd")).compareTo(BigDecimal.TEN) == 0);

        configure("{\"topup_delay_ms\": 0}");
        JsonPath retry = api().header("Idempotency-Key", "late-1").body("{\"amount_usd\": 10}")
                .post("/v1/credits/topup").then().statusCode(200).extract().jsonPath();
        assertThat(usd(retry.getString("balance_usd"))).isEqualByComparingTo(START_BALANCE.add(new BigDecimal("10")));
        JsonPath totals = totals();
        assertThat(usd(totals.getString("topped_up_usd"))).as("credited once").isEqualByComparingTo("10");
        assertThat(usd(totals.getString("balance_usd"))).isEqualByComparingTo("110");
        assertThat(totals.getLong("topup_requests")).isEqualTo(2);
        // the idempotency of a top-up does not depend on the chat idempotency mode
        configure("{\"idempotency_mode\": \"ignore\"}");
        api().header("Idempotency-Key", "late-1").body("{\"amount_usd\": 10}").post("/v1/credits/topup").then().statusCode(200);
        assertThat(usd(totals().getString("topped_up_usd"))).isEqualByComparingTo("10");
    }

    @Test
    void costCapTruncatesTheAnswerAndNeverChargesMore() {
        String cap = "0.0001";
        Response r = api().header("X-MDB-Max-Cost-USD", cap).body(chat("openai/gpt-4o", "Write a long essay", null, false))
                .post("/v1/chat/completions");
        r.then().statusCode(200);
        JsonPath json = r.jsonPath();
        assertThat(json.getString("choices[0].finish_reason")).isEqualTo("length");
        int prompt = json.getInt("usage.prompt_tokens");
        int completion = json.getInt("usage.completion_tokens");
        BigDecimal charged = usd(r.header("X-MDB-Charged-USD"));
        assertThat(charged).isEqualByComparingTo(expectedCharge("openai/gpt-4o", prompt, completion)).isLessThanOrEqualTo(usd(cap));
        // One more token would have crossed the cap: truncation is as long as the cap allows.
        assertThat(expectedCharge("openai/gpt-4o", prompt, completion + 1)).isGreaterThan(usd(cap));
    }

    @Test
    void promptAloneOverTheCapIsRefusedWithoutCharge() {
        Response r = api().header("X-MDB-Max-Cost-USD", "0.00001").body(chat("openai/gpt-4o", "Too expensive already", null, false))
                .post("/v1/chat/completions");
        r.then().statusCode(400);
        assertThat(r.jsonPath().getString("error.code")).isEqualTo("cost_cap_exceeded");
        assertThat(r.header("X-MDB-Charged-USD")).isEqualTo("0");
        assertThat(usd(r.header("X-MDB-Balance-USD"))).isEqualByComparingTo(START_BALANCE);
        assertThat(totals().getLong("calls")).isZero();
    }

    @Test
    void authenticationModelAndValidationErrorsAreOpenAiShaped() {
        Response noKey = given().contentType(ContentType.JSON).body(chat("openai/gpt-4o", "hi", null, false)).post("/v1/chat/completions");
        noKey.then().statusCode(401);
        assertThat(noKey.jsonPath().getString("error.code")).isEqualTo("invalid_api_key");
        assertThat(noKey.header("X-MDB-Charged-USD")).isEqualTo("0");
        assertThat(noKey.header("X-MDB-Balance-USD")).isNotNull();

        Response unknown = complete(chat("nonexistent/model-x", "hi", null, false));
        unknown.then().statusCode(404);
        assertThat(unknown.jsonPath().getString("error.code")).isEqualTo("model_not_found");
        assertThat(unknown.jsonPath().getString("error.type")).isEqualTo("invalid_request_error");

        for (String bad : new String[]{
                "not json",
                "{\"model\":\"openai/gpt-4o\",\"messages\":[]}",
                "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}",
                "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":42}]}",
                "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"ten\"}",
                "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":-5}"}) {
            Response r = complete(bad);
            r.then().statusCode(400);
            assertThat(r.jsonPath().getString("error.message")).as(bad).isNotBlank();
            assertThat(r.header("X-MDB-Charged-USD")).isEqualTo("0");
        }
        assertThat(totals().getLong("calls")).isZero();
        assertThat(totals().getLong("errors.'400'")).isEqualTo(6);
    }

    @Test
    void modelListCarriesPricesAndContextWindows() throws Exception {
        String body = api().get("/v1/models").then().statusCode(200).extract().asString();
        JsonNode list = new ObjectMapper().readTree(body);
        assertThat(list.path("object").asText()).isEqualTo("list");
        Map<String, JsonNode> byId = new HashMap<>();
        list.path("data").forEach(m -> byId.put(m.path("id").asText(), m));
        assertThat(byId).containsKeys("openai/gpt-4o", "openai/gpt-4o-mini", "google/gemini-2.0-flash",
                "anthropic/claude-opus-4-8", "anthropic/claude-sonnet-4-5", "google/gemini-2.5-pro");
        JsonNode gpt4o = byId.get("openai/gpt-4o");
        assertThat(gpt4o.path("object").asText()).isEqualTo("model");
        assertThat(gpt4o.at("/pricing/input_usd_per_million").decimalValue()).isEqualByComparingTo("2.50");
        assertThat(gpt4o.at("/pricing/output_usd_per_million").decimalValue()).isEqualByComparingTo("10.00");
        assertThat(gpt4o.path("context_window").asInt()).isEqualTo(128000);
        assertThat(byId.get("anthropic/claude-opus-4-8").path("owned_by").asText()).isEqualTo("anthropic");
        api().get("/v1/models/google/gemini-2.0-flash").then().statusCode(200);
        api().get("/v1/models/nope/nothing").then().statusCode(404);
    }
}
