package dev.llmfleet.providersim.http;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;

/** Shared helpers: every test starts from a reset simulator with its start-up settings and $100. */
abstract class SimTestSupport {

    static final String API_KEY = "mdb_test_key";
    static final BigDecimal START_BALANCE = new BigDecimal("100");
    /** Same as the price book in application.properties. */
    static final Map<String, BigDecimal[]> PRICES = Map.of(
            "openai/gpt-4o", new BigDecimal[]{new BigDecimal("2.50"), new BigDecimal("10.00")},
            "openai/gpt-4o-mini", new BigDecimal[]{new BigDecimal("0.15"), new BigDecimal("0.60")});

    @BeforeEach
    void resetSimulator() {
        given().contentType(ContentType.JSON).body("{\"balance_usd\": 100, \"restore_config\": true}")
                .post("/admin/reset").then().statusCode(200);
    }

    static RequestSpecification api() {
        return given().header("Authorization", "Bearer " + API_KEY).contentType(ContentType.JSON);
    }

    static String chat(String model, String prompt, Integer maxTokens, boolean stream) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"content\":\"" + prompt + "\"}]"
                + (maxTokens == null ? "" : ",\"max_tokens\":" + maxTokens)
                + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "") + "}";
    }

    static Response complete(String body) {
        return api().body(body).post("/v1/chat/completions");
    }

    static void configure(String json) {
        given().contentType(ContentType.JSON).body(json).post("/admin/config").then().statusCode(200);
    }

    static JsonPath totals() {
        return given().get("/admin/totals").then().statusCode(200).extract().jsonPath();
    }

    static BigDecimal usd(String value) {
        return new BigDecimal(value);
    }

    /** The price-book formula, computed independently of the simulator's code. */
    static BigDecimal expectedCharge(String model, long promptTokens, long completionTokens) {
        BigDecimal[] p = PRICES.get(model);
        return p[0].multiply(BigDecimal.valueOf(promptTokens)).add(p[1].multiply(BigDecimal.valueOf(completionTokens)))
                .divide(BigDecimal.valueOf(1_000_000), 8, RoundingMode.HALF_UP);
    }

    /** The JSON payloads of an SSE body, in order ("[DONE]" included as is). */
    static List<String> sseData(String body) {
        List<String> data = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            if (!event.isBlank()) {
                if (!event.startsWith("data: ")) {
                    throw new AssertionError("not an SSE data event: " + event);
                }
                data.add(event.substring("data: ".length()));
            }
        }
        return data;
    }
}
