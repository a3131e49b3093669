package dev.llmfleet.intake.service;

import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.jobs.JobRecord;
import dev.llmfleet.common.jobs.JobRequested;
import dev.llmfleet.common.jobs.JobStatus;
import dev.llmfleet.common.jobs.JobStore;
import dev.llmfleet.common.metrics.MetricNames;
import dev.llmfleet.intake.config.JobsConfig;
import dev.llmfleet.intake.messaging.JobRequestedPublisher;
import dev.llmfleet.intake.metrics.IntakeMetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Stores and enqueues validated jobs, reads and cancels them. A job is created {@code pending} (an atomic
 * create-if-absent, so a resubmission finds the first job instead of enqueuing a second; its Kafka message kept
 * beside it), sent to Kafka, and marked {@code queued} once the broker acknowledged it; only then is the caller
 * answered 202. A job whose send failed or timed out stays pending and the caller gets a 503: the same request
 * later re-publishes it, and so does {@link PendingJobSweeper} if nobody asks again, so nothing accepted is lost
 * and, as the id is the same, nothing runs twice.
 */
@ApplicationScoped
public class JobService {
    private static final Logger LOG = Logger.getLogger(JobService.class);
    /** A resubmission of a job in one of these states enqueues it again (the caller wants it done). */
    static final Set<JobStatus> RESUBMITTABLE = EnumSet.of(JobStatus.FAILED, JobStatus.DEAD_LETTERED, JobStatus.CANCELLED);
    /** Codes of a submission refused because the fleet cannot record or queue jobs right now (not the job's fault). */
    public static final Set<String> UNAVAILABLE = Set.of("queue_unavailable", "job_store_unavailable");

    private final JobStore store;
    private final JobRequestedPublisher publisher;
    private final JobsConfig config;
    private final Counter resubmitted;

    public JobService(JobStore store, JobRequestedPublisher publisher, JobsConfig config, MeterRegistry registry) {
        this.store = store;
        this.publisher = publisher;
        this.config = config;
        this.resubmitted = Counter.builder(IntakeMetricNames.JOBS_REPUBLISHED).tag(MetricNames.TAG_REASON, "resubmitted")
                .description("Pending jobs sent to Kafka again").register(registry);
    }

    /** Creates and enqueues {@code job}, or answers the job that already has its id. Fails with a {@link FleetException} only. */
    public Uni<JobOutcome> submit(JobSubmission job) {
        Instant now = Instant.now();
        JobRequested message = job.requested(now);
        return store.createPending(JobRecord.pending(job.id(), job.priority(), job.feature(), job.tenant(), now), message)
                .onFailure().transform(JobService::storeUnavailable)
                .chain(existing -> {
                    if (existing == null) {
                        return enqueue(message);
                    }
                    if (existing.status() == JobStatus.PENDING) {
                        return republish(job, now);
                    }
                    if (!RESUBMITTABLE.contains(existing.status())) {
                        return Uni.createFrom().item(new JobOutcome(existing.id(), existing.status(), true));
                    }
                    return resubmit(job, now);
                });
    }

    /**
     * A pending job asked for again: its send failed, timed out or never happened (intake died), or is in flight
     * right now. Sent again with the message kept when it was created; a duplicate in Kafka is harmless, as a
     * worker starts a job only by a compare-and-set on its status.
     */
    private Uni<JobOutcome> republish(JobSubmission job, Instant now) {
        return store.pendingMessage(job.id())
                .chain(kept -> kept != null ? Uni.createFrom().item(kept)
                        // its kept message is gone (it shares the record's TTL, so only by hand): keep this one instead
                        : store.holdPending(job.requested(now), now).replaceWith(job.requested(now)))
                .onFailure().transform(JobService::storeUnavailable)
                .invoke(() -> resubmitted.increment())
                .chain(this::enqueue);
    }

    /** Puts a failed, dead-lettered or cancelled job back in the queue; a concurrent resubmission wins at most once. */
    private Uni<JobOutcome> resubmit(JobSubmission job, Instant now) {
        JobRequested message = job.requested(now);
        Map<String, Object> patch = new HashMap<>();
        patch.put("status", JobStatus.PENDING.json());
        patch.put("error", null);
        patch.put("finished_at", null);
        patch.put("priority", job.priority().json());
        patch.put("feature", job.feature());
        return store.holdPending(message, now)
                .chain(() -> store.transition(job.id(), RESUBMITTABLE, patch))
                .onFailure().transform(JobService::storeUnavailable)
                .chain(change -> {
                    if (change.record() == null) {
                        // expired between the two reads: start afresh
                        return submit(job);
                    }
                    if (!change.applied()) {
                        return Uni.createFrom().item(new JobOutcome(job.id(), change.record().status(), true));
                    }
                    return enqueue(message);
                });
    }

    /**
     * Sends a pending job's message and marks it queued once Kafka acknowledged it; fails with a 503
     * ({@code queue_unavailable}) when Kafka did not take it in time, leaving it pending.
     */
    Uni<JobOutcome> enqueue(JobRequested message) {
        return publisher.publish(message)
                .ifNoItem().after(config.sendTimeout()).fail()
                .onFailure().transform(failure -> {
                    LOG.errorf("job %s could not be enqueued on %s, it stays pending: %s", message.jobId(), message.priority().topic(),
                            failure.toString());
                    return FleetException.serverError(503, "queue_unavailable",
                            "The job queue is unavailable; retry after Retry-After seconds with the same request (it names the same job, "
                                    + "which is kept pending and runs at most once).", config.queueRetryAfterSeconds());
                })
                .chain(() -> store.markQueued(message.jobId())
                        .map(change -> new JobOutcome(message.jobId(),
                                change.applied() || change.record() == null ? JobStatus.QUEUED : change.record().status(), false))
                        .onFailure().recoverWithItem(failure -> {
                            // Kafka has it, which is what the 202 promises; the sweeper will send a harmless duplicate
                            LOG.warnf("job %s is in Kafka but could not be marked queued: %s", message.jobId(), failure.toString());
                            return new JobOutcome(message.jobId(), JobStatus.QUEUED, false);
                        }));
    }

    /** {@code tenant}'s job and its answer, or null when the tenant has no such job (another tenant's job is none of its). */
    public Uni<JobDetails> find(String id, String tenant) {
        if (!JobIds.wellFormed(id)) {
            return Uni.createFrom().nullItem();
        }
        return Uni.combine().all().unis(store.get(id), store.getResult(id)).asTuple()
                .onFailure().transform(JobService::storeUnavailable)
                .map(both -> owned(both.getItem1(), tenant) ? new JobDetails(both.getItem1(), both.getItem2()) : null);
    }

    /**
     * Cancels {@code tenant}'s job that has not started: the change, with {@code record} null when the tenant has no
     * such job and {@code applied} false when it already started or finished.
     */
    public Uni<JobStore.Change> cancel(String id, String tenant) {
        if (!JobIds.wellFormed(id)) {
            return Uni.createFrom().item(new JobStore.Change(false, null));
        }
        Map<String, Object> patch = new HashMap<>();
        patch.put("status", JobStatus.CANCELLED.json());
        patch.put("finished_at", Instant.now().toString());
        // a job's tenant never changes, so checking it before the compare-and-set is enough
        return store.get(id)
                .chain(record -> owned(record, tenant)
                        ? store.transition(id, EnumSet.of(JobStatus.PENDING, JobStatus.QUEUED), patch)
                        : Uni.createFrom().item(new JobStore.Change(false, null)))
                .onFailure().transform(JobService::storeUnavailable);
    }

    private static boolean owned(JobRecord record, String tenant) {
        return record != null && tenant.equals(record.tenant());
    }

    private static Throwable storeUnavailable(Throwable failure) {
        if (failure instanceof FleetException) {
            return failure;
        }
        LOG.errorf("job store (Redis) failed: %s", failure.toString());
        return FleetException.serverError(503, "job_store_unavailable", "Job state is unavailable right now; retry shortly.", 1L);
    }
}
