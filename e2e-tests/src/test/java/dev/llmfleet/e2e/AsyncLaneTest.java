package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.llmfleet.localstack.Fleet;
import dev.llmfleet.localstack.ServiceProcess;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The async lane end to end: jobs in through intake, through Kafka to the worker, to the simulator and
 * back, with faults, a worker killed mid-run, poison records and callbacks.
 */
class AsyncLaneTest {
    private static Fleet fleet;
    private static Simulator sim;
    private static Jobs jobs;
    private static ServiceProcess worker;
    @AutoClose
    private static TopicReader results;

    @BeforeAll
    static void up() {
        fleet = FleetHarness.shared();
        sim = FleetHarness.simulator(fleet);
        jobs = new Jobs(fleet.service(Fleet.INTAKE).url());
        worker = fleet.service(Fleet.WORKER);
        results = new TopicReader(fleet.kafkaBootstrapServers(), "llm.results");
    }

    /** Earlier tests' jobs (other modules share the broker) must be done before the simulator is reset. */
    @BeforeEach
    void quiet() {
        Worker.awaitIdle(worker);
        sim.reset();
    }

    private static ObjectNode job(String feature, String priority, String model, String content, int maxTokens) {
        ObjectNode body = Http.JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens).put("temperature", 0)
                .put("feature", feature).put("priority", priority);
        body.putArray("messages").addObject().put("role", "user").put("content", content);
        return body;
    }

    private static BigDecimal sumCharged(Map<String, JsonNode> finished) {
        return finished.values().stream().map(Jobs::charged).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    @Test
    void everyOkLineOfTheMixedWorkloadFinishesAsAJobAndEveryPoisonLineIsRefusedAtIntake() throws IOException {
        Path workload = Path.of(System.getProperty("workloads.dir", "../workloads"), "mixed-v1.jsonl");
        String run = UUID.randomUUID().toString();
        List<ObjectNode> bodies = new ArrayList<>();
        List<Boolean> poison = new ArrayList<>();
        for (String line : Files.readAllLines(workload)) {
            JsonNode entry = Http.JSON.readTree(line);
            ObjectNode body = entry.get("request").deepCopy();
            body.put("feature", entry.get("feature").asText()).put("priority", entry.get("priority").asText());
            // a fresh key per run: this run's jobs are new even though Redis outlives runs
            body.put("idempotency_key", run + ":" + entry.get("id").asText());
            bodies.add(body);
            poison.add(entry.get("expect").asText().equals("reject"));
        }
        List<JsonNode> outcomes = jobs.submit(bodies, 1000);
        assertThat(outcomes).hasSize(bodies.size());
        Set<String> accepted = new LinkedHashSet<>();
        for (int i = 0; i < outcomes.size(); i++) {
            JsonNode outcome = outcomes.get(i);
            if (poison.get(i)) {
                assertThat(outcome.has("error")).as("line %d must be refused: %s", i, outcome).isTrue();
                assertThat(outcome.at("/error/code").asText()).isNotBlank();
            } else {
                assertThat(outcome.has("id")).as("line %d must be accepted: %s", i, outcome).isTrue();
                accepted.add(outcome.get("id").asText());
            }
        }
        assertThat(accepted).hasSize(9956);
        Map<String, JsonNode> finished = results.await(accepted, Duration.ofMinutes(8));
        assertThat(finished.values()).allSatisfy(result -> assertThat(result.get("status").asText()).isEqualTo("succeeded"));
        assertThat(sumCharged(finished)).isEqualByComparingTo(sim.charged());
    }

    @Test
    void withInjected500sAnd429sEveryJobSucceedsAndProviderCallsStayUnder1_2xTheJobs() {
        sim.configure("{\"error_500_rate\":0.05,\"error_429_rate\":0.02}");
        List<ObjectNode> bodies = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            bodies.add(job("doc-summarize", i % 3 == 0 ? "high" : "bulk", "openai/gpt-4o-mini", "Summarise note " + UUID.randomUUID(), 40));
        }
        Set<String> ids = Jobs.ids(jobs.submit(bodies, 200));
        Map<String, JsonNode> finished = jobs.awaitFinished(ids, 300_000);
        assertThat(finished.values()).allSatisfy(job -> assertThat(job.get("status").asText()).isEqualTo("succeeded"));
        long providerCalls = sim.totals().get("requests").asLong();
        assertThat(providerCalls).isGreaterThan(ids.size()).isLessThan((long) (ids.size() * 1.2));
        assertThat(sumCharged(finished)).isEqualByComparingTo(sim.charged());
    }

    @Test
    void aWorkerKilledMidRunLosesNoJobAndWithIdempotencyHonouredChargesNoJobTwice() {
        sim.configure("{\"latency_base_ms\":150,\"idempotency_mode\":\"honour\"}");
        List<ObjectNode> bodies = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            bodies.add(job("search-index", "normal", "openai/gpt-4o-mini", "Keywords for " + UUID.randomUUID(), 30));
        }
        Set<String> ids = Jobs.ids(jobs.submit(bodies, 300));
        sim.awaitCalls(150, 60_000);
        assertThat(Worker.busy(worker)).as("jobs in flight at the kill").isPositive();
        worker.kill();
        worker.start(Duration.ofSeconds(90));

        Map<String, JsonNode> finished = jobs.awaitFinished(ids, 300_000);
        assertThat(finished.values()).allSatisfy(job -> assertThat(job.get("status").asText()).isEqualTo("succeeded"));
        assertThat(sumCharged(finished)).isEqualByComparingTo(sim.charged());
        assertThat(sim.totals().get("calls").asLong()).isEqualTo(ids.size());
    }

    @Test
    void aPoisonRecordGoesToTheDeadLetterTopicAndTheLaneKeepsWorking() throws Exception {
        String key = "poison-" + UUID.randomUUID();
        try (KafkaCompanion kafka = new KafkaCompanion(fleet.kafkaBootstrapServers());
             TopicReader dlq = new TopicReader(fleet.kafkaBootstrapServers(), "llm.jobs.dlq")) {
            kafka.produceStrings().fromRecords(
                    KafkaCompanion.record("llm.jobs.normal", key, "{not json at all"),
                    KafkaCompanion.record("llm.jobs.high", key + "-v9", "{\"schema_version\":\"9.0\",\"job_id\":\"x\"}"))
                    .awaitCompletion(Duration.ofSeconds(10));
            Map<String, JsonNode> dead = dlq.await(Set.of(key, key + "-v9"));
            assertThat(dead.get(key).get("reason").asText()).isEqualTo("poison");
            assertThat(dead.get(key).get("original").asText()).isEqualTo("{not json at all");
            assertThat(dead.get(key + "-v9").get("reason").asText()).isEqualTo("unsupported_schema");
        }
        Set<String> ids = Jobs.ids(jobs.submit(List.of(job("default", "normal", "openai/gpt-4o-mini", "after poison " + UUID.randomUUID(), 10)), 10));
        assertThat(jobs.awaitFinished(ids, 60_000).values()).allSatisfy(job -> assertThat(job.get("status").asText()).isEqualTo("succeeded"));
    }

    @Test
    void aFinishedJobIsPostedToItsCallbackAndPublishedOnResults() throws Exception {
        CompletableFuture<String> received = new CompletableFuture<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/done", exchange -> {
            received.complete(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            ObjectNode body = job("default", "high", "openai/gpt-4o-mini", "callback " + UUID.randomUUID(), 10);
            body.put("callback_url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/done");
            String id = Jobs.ids(jobs.submit(List.of(body), 10)).iterator().next();
            JsonNode posted = Http.json(received.get(60, TimeUnit.SECONDS));
            assertThat(posted.get("job_id").asText()).isEqualTo(id);
            assertThat(posted.get("status").asText()).isEqualTo("succeeded");
            assertThat(posted.at("/result/choices/0/message/content").asText()).isNotBlank();
            assertThat(results.await(Set.of(id)).get(id).get("status").asText()).isEqualTo("succeeded");
            JsonNode job = jobs.get(id);
            assertThat(job.get("attempts").asInt()).isEqualTo(1);
            assertThat(job.get("model").asText()).isEqualTo("openai/gpt-4o-mini");
            assertThat(job.at("/result/choices/0/message/content").asText()).isEqualTo(posted.at("/result/choices/0/message/content").asText());
        } finally {
            receiver.stop(0);
        }
    }
}
