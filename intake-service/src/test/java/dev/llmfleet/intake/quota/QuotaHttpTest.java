package dev.llmfleet.intake.quota;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.provider.ProviderReply;
import dev.llmfleet.common.quota.MonthlyBudget;
import dev.llmfleet.intake.TestKeys;
import dev.llmfleet.intake.redis.ProviderSimResource;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A key's limits and budgets end to end: keys and tenant budgets made through the admin API, requests through intake's
 * HTTP API to the real simulator. Under 200 concurrent requests a budget is overspent by at most one reservation,
 * every refusal is OpenAI's 429 {@code insufficient_quota} and reaches no provider; rate limits answer 429
 * {@code rate_limit_exceeded} with Retry-After, on job submissions too; a change to a key applies to its next request.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ProviderSimResource.class)
class QuotaHttpTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    /** In a refusal: "this request may cost up to $X", the request's reservation. */
    private static final Pattern RESERVATION = Pattern.compile("may cost up to \\$([0-9.]+)");

    @TestHTTPResource("/")
    URI base;
    @Inject
    ObjectMapper mapper;
    @Inject
    MonthlyBudget budgets;

    @BeforeEach
    void noDefaultKey() {
        RestAssured.requestSpecification = null;
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", TestKeys.bearer(TestKeys.ADMIN)).contentType(ContentType.JSON);
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", TestKeys.bearer(key));
    }

    /** A key made through the admin API with {@code settings}: its id and its key. */
    private static Map<String, String> key(String tenant, Map<String, Object> settings) {
        Map<String, Object> body = new HashMap<>(settings);
        body.put("tenant", tenant);
        body.put("name", "quota test");
        io.restassured.response.Response created = admin().body(body).post("/v1/admin/keys");
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        return Map.of("id", created.path("id"), "key", created.path("key"));
    }

    private static String newTenant() {
        return "quota-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A chat request nobody sent before (no cache can answer it), asking for {@code maxTokens} at most. */
    private CompletableFuture<HttpResponse<String>> chat(String key, int maxTokens, boolean stream) {
        String body = "{\"model\":\"openai/gpt-4o-mini\",\"max_tokens\":" + maxTokens + ",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"quota over http " + UUID.randomUUID() + "\"}]}";
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .header("Authorization", TestKeys.bearer(key)).header("Content-Type", "application/json")
                .header("X-Fleet-Feature", "support-chat").header("Cache-Control", "no-cache")
                .timeout(WAIT).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> chatNow(String key) {
        return chat(key, 20, false).join();
    }

    private JsonNode json(HttpResponse<String> response) {
        try {
            return mapper.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    private void assertRefused(HttpResponse<String> response, String code, boolean retryAfter) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
        JsonNode error = json(response).path("error");
        assertThat(error.path("code").asText()).as(response.body()).isEqualTo(code);
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.has("type")).isTrue();
        if (retryAfter) {
            assertThat(response.headers().firstValue("Retry-After")).as("Retry-After").hasValueSatisfying(
                    seconds -> assertThat(Long.parseLong(seconds)).isPositive());
        } else {
            assertThat(response.headers().firstValue("Retry-After")).isEmpty();
        }
    }

    /** What {@code n} concurrent chat requests of the keys (taken in turn) came to, and the simulator's side of it. */
    private record Burst(List<HttpResponse<String>> admitted, List<HttpResponse<String>> refused, long providerCalls,
                         BigDecimal providerCharged) {
        BigDecimal chargedToCallers() {
            return admitted.stream().map(r -> new BigDecimal(r.headers().firstValue(ProviderReply.CHARGED_HEADER).orElseThrow()))
                    .reduce(BigDecimal.ZERO, BigDecimal::add);
        }

        /** One request's reservation, as its refusals state it. */
        BigDecimal reservation() {
            Matcher m = RESERVATION.matcher(refused.get(0).body());
            assertThat(m.find()).as(refused.get(0).body()).isTrue();
            return new BigDecimal(m.group(1));
        }
    }

    private Burst burst(int n, String... keys) throws Exception {
        JsonNode before = simTotals();
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sent.add(chat(keys[i % keys.length], 20, false));
        }
        List<HttpResponse<String>> admitted = new ArrayList<>();
        List<HttpResponse<String>> refused = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> one : sent) {
            HttpResponse<String> response = one.get();
            (response.statusCode() == 200 ? admitted : refused).add(response);
        }
        JsonNode after = simTotals();
        return new Burst(admitted, refused, after.path("requests").asLong() - before.path("requests").asLong(),
                new BigDecimal(after.path("charged_usd").asText()).subtract(new BigDecimal(before.path("charged_usd").asText())));
    }

    private void assertWithinBudget(Burst burst, BigDecimal budget) {
        assertThat(burst.admitted()).as("some are answered").isNotEmpty();
        assertThat(burst.refused()).as("some are refused").isNotEmpty();
        burst.refused().forEach(refused -> assertRefused(refused, "insufficient_quota", false));
        assertThat(burst.providerCalls()).as("a refused request reaches no provider").isEqualTo(burst.admitted().size());
        assertThat(burst.providerCharged()).as("what the callers were told they were charged").isEqualByComparingTo(burst.chargedToCallers());
        assertThat(burst.providerCharged()).as("charged within the budget plus one reservation")
                .isLessThanOrEqualTo(budget.add(burst.reservation()));
    }

    @Test
    void twoHundredConcurrentRequestsSpendAKeysBudgetAndNoMore() throws Exception {
        // 20 prompt and 20 completion tokens of gpt-4o-mini are $0.000015: this budget is worth about 20 requests
        BigDecimal budget = new BigDecimal("0.0003");
        Map<String, String> key = key(newTenant(), Map.of("monthly_budget_usd", budget));
        Burst burst = burst(200, key.get("key"));
        assertWithinBudget(burst, budget);
        await().atMost(WAIT).untilAsserted(() -> {
            MonthlyBudget.Usage usage = budgets.keyUsage(key.get("id")).await().atMost(WAIT);
            assertThat(usage.reservedUsd()).isZero();
            assertThat(usage.spentUsd()).isEqualByComparingTo(burst.providerCharged());
        });
    }

    @Test
    void twoKeysShareTheirTenantsBudget() throws Exception {
        String tenant = newTenant();
        BigDecimal budget = new BigDecimal("0.00015");
        admin().body(Map.of("monthly_budget_usd", budget)).put("/v1/admin/tenants/" + tenant).then().statusCode(200);
        Map<String, String> first = key(tenant, Map.of());
        Map<String, String> second = key(tenant, Map.of());
        Burst burst = burst(100, first.get("key"), second.get("key"));
        assertWithinBudget(burst, budget);
        assertThat(json(burst.refused().get(0)).path("error").path("message").asText()).contains("tenant " + tenant);
        await().atMost(WAIT).untilAsserted(() -> {
            MonthlyBudget.Usage usage = budgets.tenantUsage(tenant).await().atMost(WAIT);
            assertThat(usage.reservedUsd()).isZero();
            assertThat(usage.spentUsd()).isEqualByComparingTo(burst.providerCharged());
        });
    }

    @Test
    void requestsPerMinuteAnswer429WithRetryAfter() throws Exception {
        String key = key(newTenant(), Map.of("requests_per_minute", 2)).get("key");
        long before = simRequests();
        assertThat(chatNow(key).statusCode()).isEqualTo(200);
        assertThat(chatNow(key).statusCode()).isEqualTo(200);
        assertRefused(chatNow(key), "rate_limit_exceeded", true);
        assertThat(simRequests()).isEqualTo(before + 2);
    }

    @Test
    void tokensPerMinuteAnswer429WithRetryAfter() throws Exception {
        // a request takes its prompt (some 30 tokens) plus max_tokens 100 of a minute's 150, and keeps at least 50 (the
        // simulator answers 20 tokens or more): the next one does not fit
        String key = key(newTenant(), Map.of("tokens_per_minute", 150)).get("key");
        long before = simRequests();
        assertThat(chat(key, 100, false).join().statusCode()).isEqualTo(200);
        HttpResponse<String> refused = chat(key, 100, false).join();
        assertRefused(refused, "rate_limit_exceeded", true);
        assertThat(json(refused).path("error").path("type").asText()).isEqualTo("tokens");
        assertThat(simRequests()).isEqualTo(before + 1);
    }

    @Test
    void concurrentRequestsAnswer429WithRetryAfter() throws Exception {
        String key = key(newTenant(), Map.of("max_concurrent", 1)).get("key");
        simConfig("{\"latency_base_ms\":3000}");
        try {
            CompletableFuture<HttpResponse<String>> slow = chat(key, 20, false);
            await().atMost(WAIT).until(() -> simTotals().path("in_flight").asLong() == 1);
            assertRefused(chatNow(key), "rate_limit_exceeded", true);
            assertThat(slow.get().statusCode()).isEqualTo(200);
        } finally {
            simConfig("{\"latency_base_ms\":0}");
        }
        await().atMost(WAIT).until(() -> chatNow(key).statusCode() == 200);
    }

    @Test
    void jobSubmissionsCountAgainstRequestsPerMinute() {
        String job = "{\"model\":\"openai/gpt-4o-mini\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"job %s\"}]}";
        String key = key(newTenant(), Map.of("requests_per_minute", 3)).get("key");
        byte[] batch = (job.formatted(UUID.randomUUID()) + "\n" + job.formatted(UUID.randomUUID()) + "\n").getBytes(StandardCharsets.UTF_8);
        as(key).contentType("application/x-ndjson").body(batch).post("/v1/jobs/batch").then().statusCode(202);
        as(key).contentType(ContentType.JSON).body(job.formatted(UUID.randomUUID())).post("/v1/jobs").then().statusCode(202);
        io.restassured.response.Response refused = as(key).contentType(ContentType.JSON).body(job.formatted(UUID.randomUUID())).post("/v1/jobs");
        assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(429);
        assertThat(refused.<String>path("error.code")).isEqualTo("rate_limit_exceeded");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isPositive();
        io.restassured.response.Response refusedBatch = as(key).contentType("application/x-ndjson").body(batch).post("/v1/jobs/batch");
        assertThat(refusedBatch.statusCode()).as(refusedBatch.asString()).isEqualTo(429);
        assertThat(refusedBatch.<String>path("error.code")).isEqualTo("rate_limit_exceeded");
        assertThat(Long.parseLong(refusedBatch.header("Retry-After"))).isPositive();

        // a batch bigger than a minute's worth never fits: refused without Retry-After
        String small = key(newTenant(), Map.of("requests_per_minute", 1)).get("key");
        io.restassured.response.Response tooBig = as(small).contentType("application/x-ndjson").body(batch).post("/v1/jobs/batch");
        assertThat(tooBig.statusCode()).as(tooBig.asString()).isEqualTo(429);
        assertThat(tooBig.<String>path("error.code")).isEqualTo("rate_limit_exceeded");
        assertThat(tooBig.header("Retry-After")).isNull();
    }

    @Test
    void aKeysChangedLimitsAndBudgetApplyFromItsNextRequest() {
        Map<String, String> key = key(newTenant(), Map.of("requests_per_minute", 1));
        assertThat(chatNow(key.get("key")).statusCode()).isEqualTo(200);
        assertRefused(chatNow(key.get("key")), "rate_limit_exceeded", true);

        admin().body("{\"requests_per_minute\":null}").patch("/v1/admin/keys/" + key.get("id")).then().statusCode(200);
        assertThat(chatNow(key.get("key")).statusCode()).isEqualTo(200);

        admin().body("{\"monthly_budget_usd\":0.000001}").patch("/v1/admin/keys/" + key.get("id")).then().statusCode(200);
        assertRefused(chatNow(key.get("key")), "insufficient_quota", false);

        admin().body("{\"monthly_budget_usd\":null}").patch("/v1/admin/keys/" + key.get("id")).then().statusCode(200);
        assertThat(chatNow(key.get("key")).statusCode()).isEqualTo(200);
    }

    private long simRequests() throws Exception {
        return simTotals().path("requests").asLong();
    }

    private JsonNode simTotals() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(ProviderSimResource.url() + "/admin/totals")).GET().build();
        return mapper.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    private void simConfig(String json) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(ProviderSimResource.url() + "/admin/config"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
        assertThat(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
}
