package dev.llmfleet.worker.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.auth.ApiKeyStore;
import dev.llmfleet.common.jobs.JobCompleted;
import dev.llmfleet.common.jobs.JobDeadLettered;
import dev.llmfleet.common.jobs.JobRecord;
import dev.llmfleet.common.jobs.JobRequested;
import dev.llmfleet.common.jobs.JobStatus;
import dev.llmfleet.common.jobs.JobStore;
import dev.llmfleet.common.pipeline.Completion;
import dev.llmfleet.common.pipeline.CompletionContext;
import dev.llmfleet.common.pipeline.CompletionPipeline;
import dev.llmfleet.common.pipeline.Lane;
import dev.llmfleet.common.pipeline.Spend;
import dev.llmfleet.common.provider.Backoff;
import dev.llmfleet.common.provider.CallGate;
import dev.llmfleet.common.provider.ProviderException;
import dev.llmfleet.common.quota.Quota;
import dev.llmfleet.worker.config.WorkerConfig;
import dev.llmfleet.worker.messaging.JobPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.llmfleet.common.metrics.MetricNames.TAG_OUTCOME;
import static dev.llmfleet.common.metrics.MetricNames.TAG_REASON;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.JOBS_ANNOUNCED_AGAIN;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.JOBS_COMPLETED;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.JOBS_IN_PROGRESS;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.JOBS_PARKED;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.JOBS_SKIPPED;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.JOBS_SUPERSEDED;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.TAG_PRIORITY;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.TAG_STATUS;

/**
 * Runs one consumed job record to an outcome: a success stores the result and answers it for {@code llm.results}; a
 * transient failure goes to the retry topic with a not-before time; a bad request or exhausted attempts go to the
 * dead-letter topic. A run holds the job under a lease ({@link JobLeases}): a job another worker is running is put
 * aside until that lease expires, never dropped, and a run's end (result, counters, callback) happens only if the run
 * still held the job. Work that cannot go on now — the balance pauses the lane, the record is due much later, Redis or
 * Kafka failed on the way — is put back on the retry topic instead of being held with its offset uncommitted. A job's
 * attempts are the provider calls made for it, and its charge is the sum over all its runs. The answer fails only when
 * even the retry topic cannot take the record (then the consumer nacks it).
 */
@ApplicationScoped
public class JobRunner {
    private static final Logger LOG = Logger.getLogger(JobRunner.class);
    private static final String SUPPORTED_MAJOR = "1.";

    private final CompletionPipeline pipeline;
    private final ApiKeyStore keys;
    private final JobStore jobs;
    private final JobLeases leases;
    private final ConcurrencyLimiter limiter;
    private final JobPublisher publisher;
    private final CallbackSender callbacks;
    private final AsyncLaneGate balance;
    private final WorkerConfig config;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final Backoff retryBackoff;
    private final AtomicInteger inProgress = new AtomicInteger();

    public JobRunner(CompletionPipeline pipeline, ApiKeyStore keys, JobStore jobs, JobLeases leases, ConcurrencyLimiter limiter,
                     JobPublisher publisher, CallbackSender callbacks, AsyncLaneGate balance, WorkerConfig config, ObjectMapper mapper,
                     MeterRegistry registry) {
        this.pipeline = pipeline;
        this.keys = keys;
        this.jobs = jobs;
        this.leases = leases;
        this.limiter = limiter;
        this.publisher = publisher;
        this.callbacks = callbacks;
        this.balance = balance;
        this.config = config;
        this.mapper = mapper;
        this.registry = registry;
        this.retryBackoff = new Backoff(config.retryInitialBackoff(), config.retryMaxBackoff());
        registry.gauge(JOBS_IN_PROGRESS, inProgress);
    }

    /** Runs the record {@code raw} consumed from {@code topic}; answers the result to publish, if the job ended. */
    public Uni<Optional<JobCompleted>> run(String raw, String key, String topic) {
        if (leases.draining()) {
            // shutting down: neither run nor acknowledge it; the partition's next owner gets the record again
            return Uni.createFrom().nothing();
        }
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
        if (wait.compareTo(config.maxHold()) > 0) {
            return Backoff.sleep(config.maxHold()).chain(() -> park(job, job.notBefore(), "not_due"));
        }
        return Backoff.sleep(wait).chain(() -> admit(job));
    }

    /** Starts a run of the job unless the lane is paused or this instance already runs it. */
    private Uni<Optional<JobCompleted>> admit(JobRequested job) {
        if (limiter.paused()) {
            return park(job, Instant.now().plus(config.balancePause()), "paused");
        }
        if (!leases.claim(job.jobId())) {
            return park(job, Instant.now().plus(leases.lease()), "busy");
        }
        return start(job).onItemOrFailure().transformToUni((change, failure) -> {
            if (failure != null) {
                return unrecorded(job, "start", failure);
            }
            JobRecord current = change.record();
            if (change.applied()) {
                leases.started(job.jobId(), current.run());
                return execute(job, current);
            }
            if (current.status() == JobStatus.RUNNING) {
                // another worker's run holds it: look again when its lease expires (this record may be the job's only one)
                return park(job, current.leaseUntil() == null ? Instant.now().plus(leases.lease())
                        : Instant.ofEpochMilli(current.leaseUntil()), "busy");
            }
            return JobStore.FINAL.contains(current.status()) ? announceAgain(job, current) : skipped(current);
        }).onTermination().invoke(() -> leases.release(job.jobId()));
    }

    /**
     * A job that already ended comes again: usually a copy (redelivered, or parked while another run held it), skipped;
     * but if its result never reached Kafka (its worker died, or Redis answered too late, between the end and the
     * publication) the result is made from the record and published now, and the callback sent, once more.
     */
    private Uni<Optional<JobCompleted>> announceAgain(JobRequested job, JobRecord ended) {
        return jobs.unannounced(job.jobId()).chain(unannounced -> {
            if (!unannounced) {
                return skipped(ended);
            }
            Uni<JsonNode> body = ended.status() == JobStatus.SUCCEEDED ? jobs.getResult(job.jobId()) : Uni.createFrom().nullItem();
            return body.map(result -> {
                LOG.infof("job %s ended (%s) without its result published: publishing it now", job.jobId(), ended.status().json());
                registry.counter(JOBS_ANNOUNCED_AGAIN, TAG_STATUS, ended.status().json()).increment();
                return announce(job, JobCompleted.of(ended, result));
            });
        }).onFailure().recoverWithUni(failure -> unrecorded(job, "announcement", failure));
    }

    /** A copy of a job that needs nothing more: counted and acknowledged. */
    private Uni<Optional<JobCompleted>> skipped(JobRecord current) {
        registry.counter(JOBS_SKIPPED, TAG_STATUS, current.status().json()).increment();
        return Uni.createFrom().item(Optional.empty());
    }

    /** The job's result is on Kafka: its end is no longer to be announced (best effort: a repeat costs a duplicate). */
    public Uni<Void> announced(String jobId) {
        return jobs.announced(jobId).onFailure().invoke(e -> LOG.debugf("job %s: announcement not recorded (%s)", jobId, e.toString()))
                .onFailure().recoverWithNull();
    }

    /** The start transition under this instance's lease (the Redis record re-created when it expired or was lost). */
    private Uni<JobStore.Change> start(JobRequested job) {
        return jobs.start(job.jobId(), leases.owner(), leases.lease(), true).chain(change -> change.record() != null
                ? Uni.createFrom().item(change)
                // the Kafka record is the truth: re-create the job as queued and start that
                : jobs.create(JobRecord.queued(job.jobId(), job.priority(), job.feature(), job.tenant(), job.submittedAt()))
                        .chain(ignored -> jobs.start(job.jobId(), leases.owner(), leases.lease(), true)));
    }

    private Uni<Optional<JobCompleted>> execute(JobRequested job, JobRecord started) {
        ObjectNode body = job.request().deepCopy();
        body.remove("stream");
        body.remove("stream_options");
        Run run = new Run(started);
        return quota(job).chain(quota -> {
                    // each run's usage events are <job id>.<run>.<call>: a run never reuses an earlier run's event ids
                    CompletionContext context = new CompletionContext(job.jobId(), job.jobId() + "." + started.run(), Lane.ASYNC,
                            job.feature(), job.tenant(), job.jobId(), job.jobId(), false, limitedBy(job, run), run.spend, quota);
                    return pipeline.complete(body, context);
                })
                .onItemOrFailure().transformToUni((completion, failure) -> failure == null
                        ? succeed(job, run, completion)
                        : fail(job, run, failure))
                .onFailure().recoverWithUni(failure -> unrecorded(job, "end", failure));
    }

    /**
     * The budgets the job runs under: those of the key that submitted it and of its tenant, as they are now (a key's
     * budget changed since submission applies). A key revoked since fails the job (401 {@code invalid_api_key}, nothing
     * charged): revoking a stolen key stops what it queued too. A job older than keys has no key and no quota.
     */
    private Uni<Quota> quota(JobRequested job) {
        if (job.keyId() == null) {
            return Uni.createFrom().nullItem();
        }
        return keys.findById(job.keyId())
                .onFailure().transform(failure -> FleetException.serverError(503, "quota_unavailable",
                        "The API key of job " + job.jobId() + " could not be looked up (state Redis): " + failure))
                .map(caller -> {
                    if (caller == null) {
                        throw FleetException.rejected(401, "invalid_api_key", "The API key " + job.keyId()
                                + " that submitted job " + job.jobId() + " was revoked before the job ran; nothing was charged.");
                    }
                    return caller.quota();
                });
    }

    /** One run of a job: the record as it started, the provider calls it has made and what they were charged. */
    private static final class Run {
        final JobRecord started;
        final AtomicInteger calls = new AtomicInteger();
        final Spend spend = new Spend();

        Run(JobRecord started) {
            this.started = started;
        }

        /** Provider calls of the job over all its runs, this one's so far included. */
        int attempts() {
            return started.attempts() + calls.get();
        }

        /** What the job has cost over all its runs, with {@code paid} for this one. */
        BigDecimal charged(BigDecimal paid) {
            return (started.chargedUsd() == null ? BigDecimal.ZERO : new BigDecimal(started.chargedUsd())).add(paid);
        }
    }

    /**
     * Each provider call of the job takes a slot of the limiter at the job's priority, and gives it back when answered.
     * A call counts as an attempt once made, unless it was refused for the fleet's own account (a depleted balance, a
     * refused key: a pause costs none) or never left (the bulkhead).
     */
    private CallGate limitedBy(JobRequested job, Run run) {
        return call -> limiter.acquire(job.priority()).chain(permit -> call.get()
                .onTermination().invoke((reply, failure, cancelled) -> {
                    limiter.release(permit, signal(failure));
                    if (reply != null) {
                        balance.onKeyAccepted();
                    }
                    if (!(failure instanceof ProviderException e && (!e.callMade() || e instanceof ProviderException.Depleted
                            || e instanceof ProviderException.KeyRefused))) {
                        run.calls.incrementAndGet();
                    }
                }));
    }

    private static ConcurrencyLimiter.Signal signal(Throwable failure) {
        if (failure == null) {
            return ConcurrencyLimiter.Signal.OK;
        }
        if (failure instanceof ProviderException.Throttled || failure instanceof ProviderException.Overloaded) {
            return ConcurrencyLimiter.Signal.THROTTLED;
        }
        return ConcurrencyLimiter.Signal.OTHER;
    }

    private Uni<Optional<JobCompleted>> succeed(JobRequested job, Run run, Completion completion) {
        Instant now = Instant.now();
        String charged = run.charged(completion.totalCostUsd()).toPlainString();
        Map<String, Object> patch = new HashMap<>();
        patch.put("status", JobStatus.SUCCEEDED.json());
        patch.put("model", completion.modelUsed());
        patch.put("charged_usd", charged);
        patch.put("error", null);
        patch.put("finished_at", now.toString());
        return finish(job, run, patch, completion.body()).map(ended -> ended(job, ended, "succeeded", completion.body()));
    }

    /** The run's end in Redis (with the result, if any): the ended record, or null when this run no longer held the job. */
    private Uni<JobRecord> finish(JobRequested job, Run run, Map<String, Object> patch, JsonNode result) {
        return jobs.finish(job.jobId(), leases.owner(), run.started.run(), patch, run.calls.get(), result).map(change -> {
            if (!change.applied()) {
                LOG.warnf("job %s run %d ended after another run took it over (now %s): its end is dropped", job.jobId(),
                        run.started.run(), change.record() == null ? "gone" : change.record().status().json());
                registry.counter(JOBS_SUPERSEDED).increment();
                return null;
            }
            return change.record();
        });
    }

    /** A job's end that applied is counted, called back and published; one that did not is another run's to report. */
    private Optional<JobCompleted> ended(JobRequested job, JobRecord ended, String outcome, JsonNode body) {
        if (ended == null) {
            return Optional.empty();
        }
        registry.counter(JOBS_COMPLETED, TAG_PRIORITY, job.priority().json(), TAG_OUTCOME, outcome).increment();
        return announce(job, JobCompleted.of(ended, body));
    }

    /** Calls the job's callback, if any, with {@code result}, and answers it for {@code llm.results}. */
    private Optional<JobCompleted> announce(JobRequested job, JobCompleted result) {
        if (job.callbackUrl() != null) {
            callbacks.send(job.callbackUrl(), result);
        }
        return Optional.of(result);
    }

    private Uni<Optional<JobCompleted>> fail(JobRequested job, Run run, Throwable failure) {
        // whatever this run's calls were charged before it failed (a paid attempt is never lost from the job's cost)
        BigDecimal paid = run.spend.total();
        if (failure instanceof ConcurrencyLimiter.Paused) {
            // the balance paused the lane before this run's call: put the job back unrun, costing no attempt
            return requeue(job, run, paid, job.parked(Instant.now().plus(config.balancePause())), "paused: " + failure.getMessage(), "paused");
        }
        if (!(failure instanceof ProviderException || failure instanceof FleetException)) {
            LOG.errorf(failure, "job %s failed unexpectedly", job.jobId());
        }
        if (failure instanceof ProviderException.Depleted) {
            // a spent balance is not the job's fault: pause the lane, wait for a top-up without using up its attempts
            balance.onDepleted();
            return requeue(job, run, paid, job.parked(Instant.now().plus(config.balancePause())), describe(failure), "paused");
        }
        if (failure instanceof ProviderException.KeyRefused) {
            // nor is a refused key: the backlog waits for an operator instead of being sent to be refused
            balance.onKeyRefused();
            return requeue(job, run, paid, job.parked(Instant.now().plus(config.balancePause())), describe(failure), "paused");
        }
        if (transientFailure(failure)) {
            if (run.attempts() < config.maxAttempts()) {
                Duration retryAfter = failure instanceof ProviderException e ? e.retryAfter() : null;
                Duration backoff = retryBackoff.delay(Math.max(1, run.attempts()), retryAfter);
                return requeue(job, run, paid, job.retry(Instant.now().plus(backoff)), describe(failure), "retried");
            }
            return deadLetter(job, run, paid, describe(failure), "attempts_exhausted");
        }
        // final: the provider rejected the request itself, or the fleet refused it before any call
        return deadLetter(job, run, paid, describe(failure), failure instanceof ProviderException e ? "provider_rejected_request"
                : ((FleetException) failure).code());
    }

    /**
     * Whether another run may succeed: any provider failure but a rejection (throttled, transient, overloaded), and a
     * refusal of the fleet's own (a 5xx: its state Redis unavailable, a bad answer); never the caller's mistake.
     */
    private static boolean transientFailure(Throwable failure) {
        if (failure instanceof ProviderException) {
            return !(failure instanceof ProviderException.Rejected);
        }
        return !(failure instanceof FleetException e && e.clientError());
    }

    /** What the job record says about a failure: its code and message (a rejection: the provider's own words). */
    private static String describe(Throwable failure) {
        if (failure instanceof ProviderException e) {
            return e.code() + ": " + (e instanceof ProviderException.Rejected ? "the provider rejected the request (" + e.httpStatus().getAsInt() + "): " : "")
                    + e.getMessage();
        }
        if (failure instanceof FleetException e) {
            return e.code() + ": " + e.getMessage();
        }
        return "internal_error: " + failure;
    }

    /**
     * Puts the job on the retry topic, then back to queued in Redis. Once the broker has the record the consumed one may
     * be acknowledged: if Redis fails now, the job stays running under this instance, which reclaims it when it returns.
     */
    private Uni<Optional<JobCompleted>> requeue(JobRequested job, Run run, BigDecimal paid, JobRequested next, String error,
                                                String outcome) {
        Map<String, Object> patch = new HashMap<>();
        patch.put("status", JobStatus.QUEUED.json());
        patch.put("error", error);
        patch.put("charged_usd", run.charged(paid).toPlainString());
        return publisher.retry(next)
                .chain(() -> finish(job, run, patch, null).map(Objects::nonNull)
                        .onFailure().invoke(e -> LOG.warnf("job %s is on the retry topic; its record stays running: %s", job.jobId(), e.toString()))
                        .onFailure().recoverWithItem(false))
                .map(applied -> {
                    if (applied) {
                        registry.counter(JOBS_COMPLETED, TAG_PRIORITY, job.priority().json(), TAG_OUTCOME, outcome).increment();
                    }
                    return Optional.empty();
                });
    }

    private Uni<Optional<JobCompleted>> deadLetter(JobRequested job, Run run, BigDecimal paid, String message, String reason) {
        Instant now = Instant.now();
        String original;
        try {
            original = mapper.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            original = job.jobId();
        }
        Map<String, Object> patch = new HashMap<>();
        patch.put("status", JobStatus.DEAD_LETTERED.json());
        patch.put("error", message);
        patch.put("charged_usd", run.charged(paid).toPlainString());
        patch.put("finished_at", now.toString());
        return publisher.deadLetter(new JobDeadLettered(JobDeadLettered.SCHEMA_VERSION, job.jobId(), original, reason, message,
                        run.attempts(), job.priority().topic(), now), job.jobId())
                .chain(() -> finish(job, run, patch, null))
                .map(ended -> ended(job, ended, "dead_lettered", null));
    }

    /** Puts the job aside unrun until {@code at}: the record is acknowledged once the retry topic has it again. */
    private Uni<Optional<JobCompleted>> park(JobRequested job, Instant at, String reason) {
        return publisher.retry(job.parked(at)).map(ignored -> {
            registry.counter(JOBS_PARKED, TAG_REASON, reason).increment();
            return Optional.empty();
        });
    }

    /**
     * Redis (or Kafka) failed while a run started or ended: the job goes back on the retry topic with a backoff, costing
     * no attempt; a repeated call is free (the same idempotency key), and a stale lease of this instance is reclaimed.
     */
    private Uni<Optional<JobCompleted>> unrecorded(JobRequested job, String step, Throwable failure) {
        LOG.warnf("job %s: its %s could not be recorded, retrying later: %s", job.jobId(), step, failure.toString());
        Instant at = Instant.now().plus(retryBackoff.delay(job.attempt() + 1, null));
        return publisher.retry(job.retry(at)).map(ignored -> {
            registry.counter(JOBS_PARKED, TAG_REASON, "unrecorded").increment();
            return Optional.empty();
        });
    }

    /** A record that cannot be run at all: straight to the dead-letter topic, never a crash or a stall. */
    private Uni<Optional<JobCompleted>> poison(String raw, String key, String topic, String reason, String detail) {
        LOG.warnf("dead-lettering record %s from %s: %s", key, topic, detail);
        registry.counter(JOBS_COMPLETED, TAG_PRIORITY, "unknown", TAG_OUTCOME, "poison").increment();
        return publisher.deadLetter(new JobDeadLettered(JobDeadLettered.SCHEMA_VERSION, key, raw, reason, detail, 0, topic, Instant.now()),
                key == null ? "poison" : key).replaceWith(Optional.empty());
    }
}
