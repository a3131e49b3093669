package dev.llmfleet.e2e;

import dev.llmfleet.localstack.Fleet;
import dev.llmfleet.localstack.ServiceProcess;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request coalescing across intake replicas: a herd of identical cacheable requests spread over two intake instances
 * makes one provider call. The lease that elects the one caller is in the cache Redis both replicas share, so the
 * requests on the replica that did not call wait for the answer the other one stored and are served it as cache hits
 * charged $0, like the waiters beside the caller. A fleet of its own (on the run's Kafka and Redis) whose intakes wait up
 * to 10 s for the cache Redis: with the default 100 ms a loaded test machine makes lookups fail open, and each request
 * that timed out calls the provider itself (seen here: 30 calls for 40 requests at load average 20).
 */
class CoalescingAcrossReplicasTest {
    private static final int HERD = 40;
    private static final String FEATURE = "support-chat";
    /** Lookups that waited for an identical request in flight (on any instance) and were served its stored answer. */
    private static final Pattern COALESCED = Pattern.compile(
            "^(fleet_cache_requests_total)\\{[^}]*result=\"coalesced\"[^}]*} ([0-9.eE+-]+)(?: #.*)?$", Pattern.MULTILINE);

    @Test
    void aHerdSpreadOverTwoIntakeReplicasMakesOneProviderCallAndEveryOtherRequestIsAFreeHit() {
        ExecutorService clients = Executors.newFixedThreadPool(HERD);
        try (Fleet fleet = FleetHarness.start("coalescing-across-replicas",
                Map.of(Fleet.INTAKE, Map.of("FLEET_REDIS_CACHE_TIMEOUT", "10s")))) {
            Simulator sim = FleetHarness.simulator(fleet);
            ServiceProcess first = fleet.service(Fleet.INTAKE);
            ServiceProcess second = fleet.startReplica(Fleet.INTAKE, Map.of());
            Http.authorize(second.url(), fleet.apiKey());
            sim.configure(Simulator.NORMAL);
            for (ServiceProcess intake : List.of(first, second)) { // a cold replica's first request is slow; not part of the herd
                HttpResponse<String> warm = chat(intake, body("warm-up " + UUID.randomUUID()));
                assertThat(warm.statusCode()).as(warm.body()).isEqualTo(200);
            }
            // long enough that every request of the herd reaches its replica while the one provider call is in flight
            sim.configure("{\"latency_base_ms\":1500}");
            double firstCoalescedBefore = coalesced(first);
            double secondCoalescedBefore = coalesced(second);
            long callsBefore = sim.calls();

            String body = body("coalescing across replicas " + UUID.randomUUID());
            List<CompletableFuture<HttpResponse<String>>> sent = IntStream.range(0, HERD)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> chat(i % 2 == 0 ? first : second, body), clients))
                    .toList();
            List<HttpResponse<String>> answers = sent.stream().map(CompletableFuture::join).toList();

            assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).as(a.body()).isEqualTo(200));
            assertThat(sim.calls() - callsBefore).as("calls the provider received for the herd").isEqualTo(1);
            List<HttpResponse<String>> calls = answers.stream().filter(a -> !hit(a)).toList();
            assertThat(calls).as("answers that made a provider call (not served from the cache)").hasSize(1);
            assertThat(charged(calls.get(0))).isPositive();
            assertThat(answers.stream().filter(CoalescingAcrossReplicasTest::hit))
                    .allSatisfy(a -> assertThat(charged(a)).isZero());
            assertThat(answers.stream().map(a -> Http.json(a).at("/choices/0/message/content").asText()).distinct()).hasSize(1);
            assertThat(coalesced(first) - firstCoalescedBefore).as("requests on the first replica that waited for the caller").isPositive();
            assertThat(coalesced(second) - secondCoalescedBefore).as("requests on the second replica that waited for the caller").isPositive();
        } finally {
            clients.shutdownNow();
        }
    }

    private static String body(String prompt) {
        return "{\"model\":\"openai/gpt-4o-mini\",\"temperature\":0,\"max_tokens\":30,\"messages\":[{\"role\":\"user\",\"content\":"
                + Http.quote(prompt) + "}]}";
    }

    private static HttpResponse<String> chat(ServiceProcess intake, String body) {
        return Http.post(intake.url() + "/v1/chat/completions", body, "X-Fleet-Feature", FEATURE);
    }

    private static boolean hit(HttpResponse<String> answer) {
        return answer.headers().firstValue("X-Fleet-Cache").orElse("").equals("hit");
    }

    private static BigDecimal charged(HttpResponse<String> answer) {
        return new BigDecimal(answer.headers().firstValue("X-MDB-Charged-USD").orElseThrow());
    }

    private static double coalesced(ServiceProcess intake) {
        Double sum = Metrics.sum(intake, COALESCED);
        return sum == null ? 0 : sum;
    }
}
