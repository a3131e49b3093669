package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.localstack.Fleet;
import dev.llmfleet.localstack.testing.SdkCheck;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The interactive lane end to end: intake's pipeline against the simulator over real Kafka and Redis,
 * each cost-cutting rule shown by what the provider actually charged.
 */
class InteractiveLaneTest {
    private static Fleet fleet;
    private static Simulator sim;
    @AutoClose
    private static TopicReader usage;
    private static String intake;

    @BeforeAll
    static void up() {
        fleet = FleetHarness.shared();
        sim = FleetHarness.simulator(fleet);
        intake = fleet.service(Fleet.INTAKE).url() + "/v1/chat/completions";
        usage = new TopicReader(fleet.kafkaBootstrapServers(), "llm.usage");
    }

    @BeforeEach
    void resetSimulator() {
        sim.reset();
    }

    private static String body(String model, String content, int maxTokens, String extra) {
        return "{\"model\":\"" + model + "\",\"temperature\":0,\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + Http.quote(content) + "}]" + extra + "}";
    }

    private static HttpResponse<String> complete(String body, String feature) {
        return Http.post(intake, body, "X-Fleet-Feature", feature);
    }

    private static BigDecimal charged(HttpResponse<String> response) {
        return new BigDecimal(response.headers().firstValue("X-MDB-Charged-USD").orElseThrow());
    }

    @Test
    void aCacheHitCostsNothingIsFasterAndANearDuplicateHitsToo() {
        sim.configure("{\"latency_base_ms\":150}");
        String prompt = "Summarise ticket " + UUID.randomUUID() + ": the parcel arrived late and the box was damaged.";
        long t0 = System.nanoTime();
        HttpResponse<String> miss = complete(body("openai/gpt-4o", prompt, 60, ""), "support-chat");
        long missNanos = System.nanoTime() - t0;
        assertThat(miss.statusCode()).as(miss.body()).isEqualTo(200);
        assertThat(miss.headers().firstValue("X-Fleet-Cache")).contains("miss");
        assertThat(charged(miss)).isPositive().isEqualByComparingTo(sim.charged());

        long t1 = System.nanoTime();
        HttpResponse<String> hit = complete(body("openai/gpt-4o", prompt, 60, ""), "support-chat");
        long hitNanos = System.nanoTime() - t1;
        assertThat(hit.headers().firstValue("X-Fleet-Cache")).contains("hit");
        assertThat(charged(hit)).isZero();
        assertThat(hitNanos).isLessThan(missNanos);
        assertThat(Http.json(hit).at("/choices/0/message/content").asText()).isEqualTo(Http.json(miss).at("/choices/0/message/content").asText());

        String nearDuplicate = "  " + prompt.replace(" ", "  ").replace(": ", ":\n") + "\n";
        HttpResponse<String> near = complete(body("openai/gpt-4o", nearDuplicate, 60, ""), "support-chat");
        assertThat(near.headers().firstValue("X-Fleet-Cache")).contains("hit");
        assertThat(sim.calls()).isEqualTo(1);

        String missId = miss.headers().firstValue("X-Fleet-Request-Id").orElseThrow();
        String hitId = hit.headers().firstValue("X-Fleet-Request-Id").orElseThrow();
        // a usage event's key is <request id>.<provider call number>; a cache hit made no call: .0
        missId = missId + ".1";
        hitId = hitId + ".0";
        Map<String, JsonNode> events = usage.await(Set.of(missId, hitId));
        assertThat(events.get(missId).get("cache_hit").asBoolean()).isFalse();
        assertThat(new BigDecimal(events.get(missId).get("charged_usd").asText())).isEqualByComparingTo(charged(miss));
        assertThat(events.get(missId).get("lane").asText()).isEqualTo("interactive");
        assertThat(events.get(missId).get("feature").asText()).isEqualTo("support-chat");
        assertThat(events.get(hitId).get("cache_hit").asBoolean()).isTrue();
        assertThat(new BigDecimal(events.get(hitId).get("charged_usd").asText())).isZero();
        assertThat(new BigDecimal(events.get(hitId).get("saved_usd").asText())).isEqualByComparingTo(charged(miss));
    }

    @Test
    void cacheControlNoCacheBypassesTheCache() {
        String prompt = "Bypass " + UUID.randomUUID();
        complete(body("openai/gpt-4o-mini", prompt, 20, ""), "support-chat");
        HttpResponse<String> fresh = Http.post(intake, body("openai/gpt-4o-mini", prompt, 20, ""), "Cache-Control", "no-cache");
        assertThat(fresh.headers().firstValue("X-Fleet-Cache")).contains("miss");
        assertThat(sim.calls()).isEqualTo(2);
    }

    @Test
    void easyTrafficIsRoutedToTheCheaperModel() {
        HttpResponse<String> response = complete(body("openai/gpt-4o", "Classify " + UUID.randomUUID() + ": refund not received", 16, ""), "ticket-classify");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Fleet-Model")).contains("openai/gpt-4o-mini");
        assertThat(sim.totals().at("/by_model/openai~1gpt-4o-mini/calls").asLong()).isEqualTo(1);
        assertThat(sim.totals().at("/by_model/openai~1gpt-4o/calls").asLong()).isZero();
    }

    @Test
    void aCappedRequestNeverCostsMoreThanItsCapAndOneThatCannotFitIsRefusedFree() {
        BigDecimal cap = new BigDecimal(FleetHarness.CAPPED_USD);
        HttpResponse<String> capped = complete(body("openai/gpt-4o", "Write a long essay about parcels " + UUID.randomUUID(), 400, ""),
                FleetHarness.CAPPED_FEATURE);
        assertThat(capped.statusCode()).as(capped.body()).isEqualTo(200);
        assertThat(charged(capped)).isPositive().isLessThanOrEqualTo(cap);
        assertThat(sim.charged()).isLessThanOrEqualTo(cap);

        long calls = sim.calls();
        HttpResponse<String> tooBig = complete(body("openai/gpt-4o", "parcel ".repeat(400), 10, ""), FleetHarness.CAPPED_FEATURE);
        assertThat(tooBig.statusCode()).isEqualTo(422);
        assertThat(Http.json(tooBig).at("/error/code").asText()).isEqualTo("cost_cap_exceeded");
        assertThat(sim.calls()).isEqualTo(calls);
    }

    @Test
    void everyPoisonLineOfTheMixedWorkloadIsRefusedWithA4xxAndCostsNothing() throws Exception {
        Path workload = Path.of(System.getProperty("workloads.dir", "../workloads"), "mixed-v1.jsonl");
        List<String> refused = new ArrayList<>();
        for (String line : Files.readAllLines(workload)) {
            JsonNode entry = Http.JSON.readTree(line);
            if (!entry.get("expect").asText().equals("reject")) {
                continue;
            }
            HttpResponse<String> response = complete(entry.get("request").toString(), entry.get("feature").asText());
            assertThat(response.statusCode()).as(entry.get("id").asText() + ": " + response.body()).isBetween(400, 499);
            JsonNode error = Http.json(response).get("error");
            assertThat(error.get("message").asText()).isNotBlank();
            assertThat(error.get("type").asText()).isNotBlank();
            assertThat(error.get("code").asText()).isNotBlank();
            refused.add(entry.get("id").asText());
        }
        assertThat(refused).hasSize(44);
        assertThat(sim.totals().get("requests").asLong()).isZero();
        assertThat(sim.charged()).isZero();
    }

    @Test
    void transientFailuresAreRetriedAndAnUnavailableModelFallsBack() {
        sim.configure("{\"error_500_rate\":0.3}");
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = complete(body("openai/gpt-4o-mini", "retry " + UUID.randomUUID(), 10, ""), "support-chat");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
        assertThat(sim.totals().get("requests").asLong()).isGreaterThan(20);
        assertThat(sim.calls()).isEqualTo(20);

        sim.configure("{\"error_500_rate\":0,\"unavailable_models\":[\"openai/gpt-4o\"]}");
        HttpResponse<String> fallback = complete(body("openai/gpt-4o", "fallback " + UUID.randomUUID(), 200, ""), "support-chat");
        assertThat(fallback.statusCode()).isEqualTo(200);
        assertThat(fallback.headers().firstValue("X-Fleet-Model")).contains("openai/gpt-4o-mini");
    }

    @Test
    void clientErrorsFromTheProviderAreNeverRetried() {
        sim.configure("{\"balance_usd\":0}");
        HttpResponse<String> response = complete(body("openai/gpt-4o-mini", "broke " + UUID.randomUUID(), 10, ""), "support-chat");
        assertThat(response.statusCode()).isEqualTo(402);
        assertThat(Http.json(response).at("/error/code").asText()).isEqualTo("provider_balance_depleted");
        assertThat(sim.totals().get("requests").asLong()).isEqualTo(1);
    }

    @Test
    void aStreamRelaysChunksAndRecordsTheChargeWhicheverWayTheProviderSendsIt() {
        for (String mode : List.of("header", "trailer", "event")) {
            sim.reset();
            sim.configure("{\"stream_charge_mode\":\"" + mode + "\"}");
            HttpResponse<String> stream = complete(body("openai/gpt-4o-mini", "stream " + mode + " " + UUID.randomUUID(), 30,
                    ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"), "support-chat");
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            List<String> data = stream.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
            assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
            assertThat(data).noneMatch(d -> d.contains("mdb.charge"));
            assertThat(data).anyMatch(d -> d.contains("\"usage\""));
            String id = stream.headers().firstValue("X-Fleet-Request-Id").orElseThrow() + ".1";
            JsonNode event = usage.await(Set.of(id)).get(id);
            assertThat(event.get("charge_source").asText()).as(mode).isEqualTo(mode);
            assertThat(new BigDecimal(event.get("charged_usd").asText())).as(mode).isPositive().isEqualByComparingTo(sim.charged());
        }
    }

    @Test
    void everyProviderCallIsAUsageEventOfItsOwnSoAPaidRetryIsNeverHiddenBehindAFailedAttempt() {
        sim.configure("{\"error_500_rate\":0.5}");
        Map<String, BigDecimal> answered = new java.util.HashMap<>();
        for (int i = 0; i < 24; i++) {
            HttpResponse<String> response = complete(body("openai/gpt-4o-mini", "flaky " + i + " " + UUID.randomUUID(), 20, ""), "support-chat");
            String id = response.headers().firstValue("X-Fleet-Request-Id").orElseThrow();
            answered.put(id, response.statusCode() == 200 ? charged(response) : BigDecimal.ZERO);
        }
        BigDecimal simCharged = sim.charged();
        assertThat(simCharged).isPositive();
        long deadline = System.currentTimeMillis() + 30_000;
        Map<String, JsonNode> events = Map.of();
        while (System.currentTimeMillis() < deadline) {
            events = usage.withKeyPrefix(answered.keySet().stream().map(id -> id + ".").toList());
            if (sum(events.values()).compareTo(simCharged) == 0) {
                break;
            }
        }
        // the ledger's input holds every paid call, whichever call of its request it was: exactly what the provider charged
        assertThat(sum(events.values())).isEqualByComparingTo(simCharged);
        assertThat(events.values()).anyMatch(e -> e.get("call_number").asInt() > 1 && new BigDecimal(e.get("charged_usd").asText()).signum() > 0);
        assertThat(events.values()).anyMatch(e -> !e.get("status").asText().equals("ok") && e.get("http_status").asInt() == 500);
        for (Map.Entry<String, BigDecimal> request : answered.entrySet()) {
            List<JsonNode> mine = events.entrySet().stream().filter(e -> e.getKey().startsWith(request.getKey() + "."))
                    .map(Map.Entry::getValue).toList();
            assertThat(mine).as(request.getKey()).isNotEmpty().allMatch(e -> e.get("request_id").asText().equals(request.getKey()));
            assertThat(mine.stream().map(e -> e.get("event_id").asText()))
                    .containsExactlyInAnyOrderElementsOf(mine.stream().map(e -> request.getKey() + "." + e.get("call_number").asInt()).toList());
            assertThat(sum(mine)).as("what %s was charged in all", request.getKey()).isEqualByComparingTo(request.getValue());
        }
    }

    private static BigDecimal sum(java.util.Collection<JsonNode> events) {
        return events.stream().map(e -> new BigDecimal(e.get("charged_usd").asText())).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    @Test
    void aStreamedRequestIsServedFromTheCacheAsAStream() {
        String prompt = "cached stream " + UUID.randomUUID();
        HttpResponse<String> plain = complete(body("openai/gpt-4o-mini", prompt, 30, ""), "support-chat");
        String answer = Http.json(plain).at("/choices/0/message/content").asText();
        HttpResponse<String> stream = complete(body("openai/gpt-4o-mini", prompt, 30, ",\"stream\":true"), "support-chat");
        assertThat(stream.headers().firstValue("X-Fleet-Cache")).contains("hit");
        StringBuilder text = new StringBuilder();
        stream.body().lines().filter(l -> l.startsWith("data: {")).forEach(l -> text.append(Http.json(l.substring(6)).at("/choices/0/delta/content").asText("")));
        assertThat(text.toString()).isEqualTo(answer);
        assertThat(sim.calls()).isEqualTo(1);
    }

    @Test
    void theOfficialOpenAiSdkStreamsAndNonStreamsThroughIntake() throws Exception {
        SdkCheck.Result check = SdkCheck.run(FleetHarness.home(), fleet.service(Fleet.INTAKE).url() + "/v1", fleet.apiKey());
        assertThat(check.passed()).as("sdk-check through intake failed:%n%s", check.output()).isTrue();
        assertThat(sim.calls()).isEqualTo(2);
    }

    @Test
    void modelsAreListedWithPrices() {
        JsonNode models = Http.json(Http.get(fleet.service(Fleet.INTAKE).url() + "/v1/models"));
        assertThat(models.get("object").asText()).isEqualTo("list");
        assertThat(models.get("data").findValuesAsText("id")).contains("openai/gpt-4o", "openai/gpt-4o-mini", "google/gemini-2.0-flash");
        assertThat(models.get("data").get(0).at("/pricing/input_usd_per_million").isNumber()).isTrue();
    }
}
