package dev.llmfleet.worker.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.billing.BalanceLevel;
import dev.llmfleet.common.billing.BalanceStateChanged;
import dev.llmfleet.common.cache.AnswerKeys;
import dev.llmfleet.common.pipeline.Lane;
import dev.llmfleet.common.cache.AnswerStore;
import dev.llmfleet.common.cache.StoredAnswer;
import dev.llmfleet.common.jobs.JobCompleted;
import dev.llmfleet.common.jobs.JobRecord;
import dev.llmfleet.common.jobs.JobRequested;
import dev.llmfleet.common.jobs.JobStatus;
import dev.llmfleet.common.jobs.JobStore;
import dev.llmfleet.common.jobs.Priority;
import dev.llmfleet.common.pipeline.RequestPreparer;
import dev.llmfleet.common.provider.Backoff;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.restassured.RestAssured;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.mutiny.core.Vertx;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The async lane under routine failure, on real Kafka and Redis ({@link WorkerStack}): leases keep a job from running
 * twice at once, a run that lost its job reports nothing, a Redis outage mid-run does not stop the consumer, and a
 * balance pause longer than the commit strategy's max age costs no attempt and leaves no channel failed.
 */
@QuarkusTest
@WithTestResource(WorkerStack.class)
class JobLeaseAndFaultTest {
    private static final String KEY_PREFIX = "fleet:job:v1:";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Inject
    JobStore jobs;
    @Inject
    JobRunner runner;
    @Inject
    JobLeases leases;
    @Inject
    ConcurrencyLimiter limiter;
    @Inject
    MeterRegistry registry;
    @Inject
    RedisDataSource redis;
    @Inject
    ObjectMapper mapper;
    @Inject
    Vertx vertx;
    @Inject
    AnswerStore answers;
    @Inject
    RequestPreparer preparer;
    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Test
    void anotherWorkersLiveLeaseIsRespectedAndTheJobTakenOverOnlyOnceItExpired() throws Exception {
        String id = newJob();
        JobStore.Change other = jobs.start(id, "another-worker", Duration.ofSeconds(20), false).await().atMost(WAIT);
        assertThat(other.applied()).isTrue();
        double parked = counter("fleet.jobs.parked", "reason", "busy");

        publish(WorkerStack.JOBS_NORMAL, id, requested(id));
        await().atMost(WAIT).until(() -> counter("fleet.jobs.parked", "reason", "busy") > parked);
        JobRecord during = record(id);
        assertThat(during.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(during.owner()).as("the live lease is respected: put aside, not run").isEqualTo("another-worker");
        assertThat(during.run()).isEqualTo(1);
        assertThat(during.attempts()).isZero();

        await().atMost(WAIT).until(() -> record(id).status() == JobStatus.DEAD_LETTERED);
        JobRecord after = record(id);
        assertThat(after.owner()).as("taken over once the lease expired").isEqualTo(leases.owner());
        assertThat(after.run()).isEqualTo(2);
        assertThat(after.attempts()).as("one provider call made").isEqualTo(1);
    }

    @Test
    void aRunWhoseJobWasTakenOverPublishesNoResultAndCountsNothing() throws Exception {
        String id = newJob();
        ConcurrencyLimiter.Permit slot = limiter.acquire(Priority.HIGH).await().atMost(WAIT);
        CompletableFuture<Optional<JobCompleted>> answer = runner.run(requested(id), id, "test").subscribeAsCompletionStage();
        await().atMost(WAIT).until(() -> limiter.waiting(Priority.NORMAL) == 1);
        JobRecord started = record(id);
        assertThat(started.owner()).isEqualTo(leases.owner());

        // another worker takes the job over, as it may once this run's lease has expired
        ObjectNode taken = (ObjectNode) mapper.readTree(redis.value(String.class).get(KEY_PREFIX + id));
        taken.put("owner", "another-worker").put("run", started.run() + 1);
        redis.value(String.class).set(KEY_PREFIX + id, taken.toString());
        double deadLettered = counter("fleet.jobs.completed", "priority", "normal", "outcome", "dead_lettered");

        limiter.release(slot, ConcurrencyLimiter.Signal.OTHER);
        assertThat(answer.get(WAIT.toSeconds(), TimeUnit.SECONDS)).as("no result for llm.results").isEmpty();
        assertThat(counter("fleet.jobs.completed", "priority", "normal", "outcome", "dead_lettered")).isEqualTo(deadLettered);
        JobRecord after = record(id);
        assertThat(after.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(after.owner()).isEqualTo("another-worker");
        assertThat(after.attempts()).isZero();
    }

    @Test
    void anEndRepeatedAfterItsAnswerWasLostAnswersAppliedAndChangesNothing() {
        String id = newJob();
        JobRecord started = jobs.start(id, leases.owner(), Duration.ofSeconds(20), false).await().atMost(WAIT).record();
        Map<String, Object> end = new HashMap<>(Map.of("status", JobStatus.SUCCEEDED.json(), "charged_usd", "0.001"));
        assertThat(jobs.finish(id, leases.owner(), started.run(), end, 1, null).await().atMost(WAIT).applied()).isTrue();

        // the same end again, as a retry sends it when Redis applied the first but its answer timed out
        JobStore.Change repeated = jobs.finish(id, leases.owner(), started.run(), end, 1, null).await().atMost(WAIT);
        assertThat(repeated.applied()).as("an end this run already made").isTrue();
        assertThat(repeated.record().attempts()).as("the repeat adds no calls").isEqualTo(1);
        Map<String, Object> other = new HashMap<>(Map.of("status", JobStatus.DEAD_LETTERED.json()));
        assertThat(jobs.finish(id, leases.owner(), started.run(), other, 1, null).await().atMost(WAIT).applied())
                .as("a different end of an ended run").isFalse();
        assertThat(jobs.finish(id, "another-worker", started.run(), end, 1, null).await().atMost(WAIT).applied())
                .as("another owner's end").isFalse();
    }

    @Test
    void aJobThatEndedWithoutItsResultPublishedIsAnnouncedWhenItsRecordComesAgainAndOnlyThen() throws Exception {
        String id = newJob();
        // another worker's run ended the job in Redis and died before the result reached Kafka
        JobRecord started = jobs.start(id, "crashed-worker", Duration.ofSeconds(20), false).await().atMost(WAIT).record();
        JsonNode answer = mapper.readTree("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"done\"}}]}");
        Map<String, Object> end = new HashMap<>(Map.of("status", JobStatus.SUCCEEDED.json(), "model", "google/gemini-2.0-flash",
                "charged_usd", "0.00042", "finished_at", Instant.now().toString()));
        assertThat(jobs.finish(id, "crashed-worker", started.run(), end, 1, answer).await().atMost(WAIT).applied()).isTrue();
        assertThat(jobs.unannounced(id).await().atMost(WAIT)).isTrue();

        try (ConsumerTask<String, String> results = companion.consumeStrings().fromTopics(WorkerStack.RESULTS)) {
            publish(WorkerStack.JOBS_NORMAL, id, requested(id)); // its record again, not committed by the dead worker
            List<JsonNode> announced = awaitResults(results, id, 1);
            JsonNode result = announced.get(0);
            assertThat(result.path("status").asText()).isEqualTo("succeeded");
            assertThat(result.path("result")).isEqualTo(answer);
            assertThat(result.path("charged_usd").asText()).isEqualTo("0.00042");
            assertThat(result.path("attempts").asInt()).as("no provider call made again").isEqualTo(1);
            await().atMost(WAIT).until(() -> !jobs.unannounced(id).await().atMost(WAIT));

            // once on Kafka, a further copy of the record is skipped
            double skipped = counter("fleet.jobs.skipped", "status", "succeeded");
            publish(WorkerStack.JOBS_NORMAL, id, requested(id));
            await().atMost(WAIT).until(() -> counter("fleet.jobs.skipped", "status", "succeeded") > skipped);
            assertThat(awaitResults(results, id, 1)).as("announced once").hasSize(1);
        }
        assertThat(record(id).attempts()).isEqualTo(1);
    }

    @Test
    void aJobWhoseEarlierRunDiedAfterCachingItsAnswerButBeforeKeepingItsReplayStillCostsWhatThatRunPaid() throws Exception {
        String id = newJob();
        String raw = requested(id, 0.0);
        JobRequested job = mapper.readValue(raw, JobRequested.class);
        // the dead run's provider call was charged, its answer reached the cache, and it died before the replay copy
        JsonNode completion = mapper.readTree("{\"id\":\"chatcmpl-dead-run\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"paid once\"},\"finish_reason\":\"stop\"}]}");
        String cacheKey = AnswerKeys.cache(job.tenant(), preparer.prepare(job.request(), job.feature()).request());
        answers.put(cacheKey, new StoredAnswer(completion, "google/gemini-2.0-flash", 12, 3, new BigDecimal("0.00042"),
                AnswerKeys.idempotency(job.tenant(), Lane.ASYNC, id)), Duration.ofMinutes(5)).await().atMost(WAIT);

        Optional<JobCompleted> ended = runner.run(raw, id, "test").await().atMost(WAIT);
        assertThat(ended).isPresent();
        assertThat(ended.get().status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(new BigDecimal(ended.get().chargedUsd())).as("the first run's charge stays the job's, not a free cache hit")
                .isEqualByComparingTo("0.00042");
        assertThat(record(id).attempts()).as("no provider call made again").isZero();
    }

    @Test
    void aWaitUnderAMillisecondOnTheEventLoopEndsAtOnce() {
        // a record's not-before a fraction of a millisecond away once it is read: Vert.x refuses a timer under 1 ms,
        // and the refusal nacked the record to the dead-letter topic, with no result
        for (Duration wait : List.of(Duration.ofNanos(400_000), Duration.ofMillis(5))) {
            CompletableFuture<Void> slept = new CompletableFuture<>();
            vertx.runOnContext(() -> Backoff.sleep(wait).subscribe().with(slept::complete, slept::completeExceptionally));
            assertThat(slept).as("a wait of %s on the event loop", wait).succeedsWithin(WAIT);
        }
    }

    @Test
    void redisStoppedMidRunDoesNotStopTheConsumerAndTheJobFinishesOnceItIsBack() throws Exception {
        String first = newJob();
        ConcurrencyLimiter.Permit slot = limiter.acquire(Priority.HIGH).await().atMost(WAIT);
        double unrecorded = counter("fleet.jobs.parked", "reason", "unrecorded");
        publish(WorkerStack.JOBS_NORMAL, first, requested(first));
        await().atMost(WAIT).until(() -> limiter.waiting(Priority.NORMAL) == 1);
        assertThat(record(first).status()).isEqualTo(JobStatus.RUNNING);

        WorkerStack.stopRedis();
        try {
            limiter.release(slot, ConcurrencyLimiter.Signal.OTHER);
            await().atMost(WAIT).until(() -> counter("fleet.jobs.parked", "reason", "unrecorded") > unrecorded);
        } finally {
            WorkerStack.startRedis();
        }
        String second = UUID.randomUUID().toString();
        publish(WorkerStack.JOBS_NORMAL, second, requested(second));

        await().atMost(WAIT).until(() -> finished(first) && finished(second));
        assertLive();
    }

    @Test
    void aBalancePauseLongerThanTheCommitMaxAgeCostsNoAttemptAndFailsNoChannel() throws Exception {
        balance(BalanceLevel.CRITICAL, 0.0);
        await().atMost(WAIT).until(() -> asyncShare() == 0.0);
        List<String> ids = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                publish(WorkerStack.JOBS_NORMAL, id, requested(id));
            }
            // the pause outlasts the max age a record may stay unacknowledged; that is not a timing assertion
            Thread.sleep(WorkerStack.MAX_AGE_MS * 3);
            assertLive();
        } finally {
            balance(BalanceLevel.OK, 1.0);
        }
        await().atMost(WAIT).until(() -> ids.stream().allMatch(this::finished));
        for (String id : ids) {
            assertThat(record(id).attempts()).as("only the provider call made counts, not the waits of the pause").isEqualTo(1);
        }
        assertLive();
    }

    private String newJob() {
        String id = UUID.randomUUID().toString();
        jobs.create(JobRecord.queued(id, Priority.NORMAL, "default", "default", Instant.now())).await().atMost(WAIT);
        return id;
    }

    private String requested(String id) throws Exception {
        return requested(id, null);
    }

    /** A job record; at temperature 0 its answer is cacheable. */
    private String requested(String id, Double temperature) throws Exception {
        ObjectNode body = mapper.createObjectNode().put("model", "google/gemini-2.0-flash").put("max_tokens", 8);
        if (temperature != null) {
            body.put("temperature", temperature);
        }
        body.putArray("messages").addObject().put("role", "user").put("content", "lease test " + id);
        return mapper.writeValueAsString(new JobRequested(JobRequested.SCHEMA_VERSION, id, "default", null, "default", Priority.NORMAL,
                body, null, 0, null, Instant.now()));
    }

    private JobRecord record(String id) {
        return jobs.get(id).await().atMost(WAIT);
    }

    /** The job reached its final state here: dead-lettered after its one failing provider call. */
    private boolean finished(String id) {
        try {
            JobRecord record = record(id);
            return record != null && record.status() == JobStatus.DEAD_LETTERED;
        } catch (RuntimeException e) {
            return false; // Redis still coming back
        }
    }

    private void balance(BalanceLevel level, double share) throws Exception {
        publish(WorkerStack.BILLING_STATE, BalanceStateChanged.KEY, mapper.writeValueAsString(new BalanceStateChanged(
                BalanceStateChanged.SCHEMA_VERSION, "1.00", 1.0, 1.0, level, share, Instant.now(), Instant.now())));
    }

    private double asyncShare() {
        Gauge gauge = registry.find("fleet.worker.async.share").gauge();
        return gauge == null ? -1 : gauge.value();
    }

    private double counter(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    /** No channel failed (a record held past the max age, or a failed stream, turns liveness DOWN). */
    private static void assertLive() {
        RestAssured.when().get("/q/health/live").then().statusCode(200);
    }

    /** The results of job {@code id} read once {@code count} of them are, and a moment later, so a duplicate shows too. */
    private List<JsonNode> awaitResults(ConsumerTask<String, String> results, String id, int count) {
        await().atMost(WAIT).until(() -> resultsOf(results, id).size() >= count);
        KafkaCompanion.sleep(Duration.ofSeconds(2));
        return resultsOf(results, id);
    }

    private List<JsonNode> resultsOf(ConsumerTask<String, String> results, String id) {
        return results.stream().filter(r -> id.equals(r.key())).map(r -> {
            try {
                return mapper.readTree(r.value());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
    }

    private void publish(String topic, String key, String value) {
        companion.produceStrings().fromRecords(KafkaCompanion.record(topic, key, value)).awaitCompletion(Duration.ofSeconds(30));
    }
}
