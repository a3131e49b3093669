package dev.llmfleet.worker.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.jobs.JobCompleted;
import dev.llmfleet.common.jobs.JobDeadLettered;
import dev.llmfleet.common.jobs.JobRecord;
import dev.llmfleet.common.jobs.JobRequested;
import dev.llmfleet.common.jobs.JobStatus;
import dev.llmfleet.common.jobs.JobStore;
import dev.llmfleet.common.pipeline.Completion;
import dev.llmfleet.common.pipeline.CompletionContext;
import dev.llmfleet.common.pipeline.CompletionPipeline;
import dev.llmfleet.common.pipeline.Spend;
import dev.llmfleet.common.provider.Backoff;
import dev.llmfleet.common.provider.CallGate;
import dev.llmfleet.common.provider.ProviderException;
import dev.llmfleet.worker.config.WorkerConfig;
import dev.llmfleet.worker.messaging.JobPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one consumed job record to an outcome, and never fails: a success stores the result and
 * answers it for {@code llm.results}; a transient failure goes to the retry topic with a not-before
 * time; a bad request, a poison record or exhausted attempts go to the dead-letter topic. A job that
 * already finished (a redelivery after a crash or a rebalance) is skipped without a provider call.
 */
@ApplicationScoped
public class JobRunner {
    private static final Logger LOG = Logger.getLogger(JobRunner.class);
    private static final String SUPPORTED_MAJOR = "1.";

    private final CompletionPipeline pipeline;
    private final JobStore jobs;
    private final ConcurrencyLimiter limiter;
    private final JobPublisher publisher;
    private final CallbackSender callbacks;
    private final BalanceGate balance;
    private final WorkerConfig config;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final Backoff retryBackoff;
    private final AtomicInteger inProgress = new AtomicInteger();

    public JobRunner(CompletionPipeline pipeline, JobStore jobs, ConcurrencyLimiter limiter, JobPublisher publisher,
                     CallbackSender callbacks, BalanceGate balance, WorkerConfig config, ObjectMapper mapper, MeterRegistry registry) {
        this.pipeline = pipeline;
        this.jobs = jobs;
        this.limiter = limiter;
        this.publisher = publisher;
        this.callbacks = callbacks;
        this.balance = balance;
        this.config = config;
        this.mapper = mapper;
        this.registry = registry;
        this.retryBackoff = new Backoff(config.retryInitialBackoff(), config.retryMaxBackoff());
        registry.gauge("fleet.worker.jobs.in.progress", inProgress);
    }

    /** Runs the record {@code raw} consumed from {@code topic}; answers the result to publish, if the job ended. */
    public Uni<Optional<JobCompleted>> run(String raw, String key, String topic) {
        return Uni.createFrom().deferred(() -> {
            inProgress.incrementAndGet();
            return runRecord(raw, key, topic);
        }).onTermination().invoke(inProgress::decrementAndGet);
    }

    private Uni<Optional<JobCompleted>> runRecord(String raw, String key, String topic) {
        JobRequested job;
        try {
            job = mapper.readValue(raw, JobRequested.class);
        } catch (JsonProcessingException | RuntimeException e) {
            return poison(raw, key, topic, "poison", "unreadable job record: " + e.getClass().getSimpleName());
        }
        if (job.schemaVersion() == null || !job.schemaVersion().startsWith(SUPPORTED_MAJOR) || job.jobId() == null
                || job.request() == null || !job.request().isObject() || job.priority() == null) {
            return poison(raw, key, topic, "unsupported_schema", "schema version " + job.schemaVersion() + " or required fields missing");
        }
        Duration wait = job.notBefore() == null ? Duration.ZERO : Duration.between(Instant.now(), job.notBefore());
        Uni<Void> due = Backoff.sleep(wait);
        return due.chain(() -> start(job)).chain(started -> started == null
                ? Uni.createFrom().item(Optional.<JobCompleted>empty())
                : execute(job, started));
    }

    /** Marks the job running (counting the attempt); null when it must not run (finished, cancelled). */
    private Uni<JobRecord> start(JobRequested job) {
        Map<String, Object> patch = Map.of("status", JobStatus.RUNNING.json());
        return jobs.transition(job.jobId(), JobStore.runnable(), patch, true).chain(change -> {
            if (change.record() == null) {
                // the Redis record expired or was lost: the Kafka record is the truth, so re-create it
                return jobs.create(JobRecord.queued(job.jobId(), job.priority(), job.feature(), job.tenant(), job.submittedAt()))
                        .chain(ignored -> jobs.transition(job.jobId(), JobStore.runnable(), patch, true))
                        .map(retried -> retried.applied() ? retried.record() : null);
            }
            if (!change.applied()) {
                registry.counter("fleet.jobs.skipped", "status", change.record().status().json()).increment();
            }
            return Uni.createFrom().item(change.applied() ? change.record() : null);
        });
    }

    private Uni<Optional<JobCompleted>> execute(JobRequested job, JobRecord started) {
        ObjectNode body = job.request().deepCopy();
        body.remove("stream");
        body.remove("stream_options");
        // each run's usage events are <job id>.<run>.<attempt>: a run never reuses an earlier run's event ids
        CompletionContext context = new CompletionContext(job.jobId(), job.jobId() + "." + started.attempts(), CompletionContext.ASYNC,
                job.feature(), job.tenant(), job.jobId(), job.jobId(), false, limitedBy(job), new Spend());
        return pipeline.complete(body, context)
                .chain(completion -> succeed(job, started, completion))
                .onFailure().recoverWithUni(failure -> fail(job, started, failure));
    }

    /** Each provider call of the job takes a slot of the limiter at the job's priority, and gives it back when answered. */
    private CallGate limitedBy(JobRequested job) {
        return call -> limiter.acquire(job.priority()).chain(permit -> call.get()
                .onTermination().invoke((reply, failure, cancelled) -> limiter.release(permit, signal(failure))));
    }

    private static ConcurrencyLimiter.Signal signal(Throwable failure) {
        if (failure == null) {
            return ConcurrencyLimiter.Signal.OK;
        }
        if (failure instanceof ProviderException e && (e.status() == 429 || "fleet_overloaded".equals(e.code()))) {
            return ConcurrencyLimiter.Signal.THROTTLED;
        }
        return ConcurrencyLimiter.Signal.OTHER;
    }

    private Uni<Optional<JobCompleted>> succeed(JobRequested job, JobRecord started, Completion completion) {
        Instant now = Instant.now();
        String charged = completion.totalCostUsd().toPlainString();
        Map<String, Object> patch = new HashMap<>();
        patch.put("status", JobStatus.SUCCEEDED.json());
        patch.put("model", completion.modelUsed());
        patch.put("charged_usd", charged);
        patch.put("error", null);
        patch.put("finished_at", now.toString());
        JobCompleted result = new JobCompleted(JobCompleted.SCHEMA_VERSION, job.jobId(), JobStatus.SUCCEEDED, job.feature(),
                completion.modelUsed(), charged, completion.body(), null, started.attempts(), now);
        return jobs.putResult(job.jobId(), completion.body()).chain(() -> end(job, patch, "succeeded", result));
    }

    /** The job's end: its final state in Redis, counted, and its callback sent. */
    private Uni<Optional<JobCompleted>> end(JobRequested job, Map<String, Object> patch, String outcome, JobCompleted result) {
        return jobs.transition(job.jobId(), EnumSet.of(JobStatus.RUNNING), patch, false)
                .map(change -> {
                    registry.counter("fleet.jobs.completed", "priority", job.priority().json(), "outcome", outcome).increment();
                    if (job.callbackUrl() != null) {
                        callbacks.send(job.callbackUrl(), result);
                    }
                    return Optional.of(result);
                });
    }

    private Uni<Optional<JobCompleted>> fail(JobRequested job, JobRecord started, Throwable failure) {
        FleetException error = failure instanceof FleetException e ? e
                : new FleetException(500, "api_error", "internal_error", String.valueOf(failure.getMessage()));
        if (!(failure instanceof FleetException)) {
            LOG.errorf(failure, "job %s failed unexpectedly", job.jobId());
        }
        if (error.status() == 402) {
            // a spent balance is not the job's fault: pause the lane, wait for a top-up without using up its attempts
            balance.onDepleted();
            return requeue(job, job.retry(Instant.now().plus(config.balancePause())), error, "paused");
        }
        boolean transient_ = error.status() == 429 || error.status() >= 500;
        if (transient_ && started.attempts() < config.maxAttempts()) {
            Duration backoff = retryBackoff.delay(started.attempts(), error.retryAfterSeconds() == null ? null
                    : Duration.ofSeconds(error.retryAfterSeconds()));
            return requeue(job, job.retry(Instant.now().plus(backoff)), error, "retried");
        }
        String reason = transient_ ? "attempts_exhausted" : error.code();
        return deadLetter(job, started, error, reason);
    }

    private Uni<Optional<JobCompleted>> requeue(JobRequested job, JobRequested retry, FleetException error, String outcome) {
        Map<String, Object> patch = new HashMap<>();
        patch.put("status", JobStatus.QUEUED.json());
        patch.put("error", error.code() + ": " + error.getMessage());
        return publisher.retry(retry)
                .chain(() -> jobs.transition(job.jobId(), EnumSet.of(JobStatus.RUNNING), patch, false))
                .map(change -> {
                    registry.counter("fleet.jobs.completed", "priority", job.priority().json(), "outcome", outcome).increment();
                    return Optional.empty();
                });
    }

    private Uni<Optional<JobCompleted>> deadLetter(JobRequested job, JobRecord started, FleetException error, String reason) {
        Instant now = Instant.now();
        String message = error.code() + ": " + error.getMessage();
        String original;
        try {
            original = mapper.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            original = job.jobId();
        }
        Map<String, Object> patch = new HashMap<>();
        patch.put("status", JobStatus.DEAD_LETTERED.json());
        patch.put("error", message);
        patch.put("finished_at", now.toString());
        JobCompleted result = new JobCompleted(JobCompleted.SCHEMA_VERSION, job.jobId(), JobStatus.DEAD_LETTERED, job.feature(),
                null, null, null, message, started.attempts(), now);
        return publisher.deadLetter(new JobDeadLettered(JobDeadLettered.SCHEMA_VERSION, job.jobId(), original, reason, message,
                        started.attempts(), job.priority().topic(), now), job.jobId())
                .chain(() -> end(job, patch, "dead_lettered", result));
    }

    /** A record that cannot be run at all: straight to the dead-letter topic, never a crash or a stall. */
    private Uni<Optional<JobCompleted>> poison(String raw, String key, String topic, String reason, String detail) {
        LOG.warnf("dead-lettering record %s from %s: %s", key, topic, detail);
        registry.counter("fleet.jobs.completed", "priority", "unknown", "outcome", "poison").increment();
        return publisher.deadLetter(new JobDeadLettered(JobDeadLettered.SCHEMA_VERSION, key, raw, reason, detail, 0, topic, Instant.now()),
                key == null ? "poison" : key).replaceWith(Optional.empty());
    }
}
