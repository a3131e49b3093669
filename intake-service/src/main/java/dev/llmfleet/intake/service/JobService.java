package dev.llmfleet.intake.service;

import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.jobs.JobRecord;
import dev.llmfleet.common.jobs.JobStatus;
import dev.llmfleet.common.jobs.JobStore;
import dev.llmfleet.intake.messaging.JobRequestedPublisher;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Stores and enqueues validated jobs, reads and cancels them. The Redis record is created first (an atomic
 * create-if-absent, so a resubmission finds the first job instead of enqueuing a second), then the job is sent
 * to Kafka and the caller answered only once the broker acknowledged it. A job whose send failed is marked
 * {@code failed} ({@code enqueue_failed}) and the caller gets a 503 to retry, which re-enqueues it.
 */
@ApplicationScoped
public class JobService {
    private static final Logger LOG = Logger.getLogger(JobService.class);
    /** A resubmission of a job in one of these states enqueues it again (the caller wants it done). */
    static final Set<JobStatus> RESUBMITTABLE = EnumSet.of(JobStatus.FAILED, JobStatus.DEAD_LETTERED, JobStatus.CANCELLED);

    private final JobStore store;
    private final JobRequestedPublisher publisher;

    public JobService(JobStore store, JobRequestedPublisher publisher) {
        this.store = store;
        this.publisher = publisher;
    }

    /** Creates and enqueues {@code job}, or answers the job that already has its id. Fails with a {@link FleetException} only. */
    public Uni<JobOutcome> submit(JobSubmission job) {
        Instant now = Instant.now();
        return store.create(JobRecord.queued(job.id(), job.priority(), job.feature(), job.tenant(), now))
                .onFailure().transform(JobService::storeUnavailable)
                .chain(existing -> {
                    if (existing == null) {
                        return enqueue(job, now);
                    }
                    if (!RESUBMITTABLE.contains(existing.status())) {
                        return Uni.createFrom().item(new JobOutcome(existing.id(), existing.status(), true));
                    }
                    return resubmit(job, now);
                });
    }

    /** Puts a failed, dead-lettered or cancelled job back in the queue; a concurrent resubmission wins at most once. */
    private Uni<JobOutcome> resubmit(JobSubmission job, Instant now) {
        Map<String, Object> patch = new HashMap<>();
        patch.put("status", JobStatus.QUEUED.json());
        patch.put("error", null);
        patch.put("finished_at", null);
        patch.put("priority", job.priority().json());
        patch.put("feature", job.feature());
        return store.transition(job.id(), RESUBMITTABLE, patch, false)
                .onFailure().transform(JobService::storeUnavailable)
                .chain(change -> {
                    if (change.record() == null) {
                        // expired between the two reads: start afresh
                        return submit(job);
                    }
                    if (!change.applied()) {
                        return Uni.createFrom().item(new JobOutcome(job.id(), change.record().status(), true));
                    }
                    return enqueue(job, now);
                });
    }

    private Uni<JobOutcome> enqueue(JobSubmission job, Instant now) {
        return publisher.publish(job.requested(now))
                .replaceWith(new JobOutcome(job.id(), JobStatus.QUEUED, false))
                .onFailure().recoverWithUni(failure -> {
                    LOG.errorf("job %s could not be enqueued on %s: %s", job.id(), job.priority().topic(), failure.toString());
                    Map<String, Object> patch = new HashMap<>();
                    patch.put("status", JobStatus.FAILED.json());
                    patch.put("error", "enqueue_failed");
                    patch.put("finished_at", Instant.now().toString());
                    return store.transition(job.id(), EnumSet.of(JobStatus.QUEUED), patch, false)
                            .onFailure().invoke(e -> LOG.errorf("job %s stays queued but is not in Kafka: %s", job.id(), e.toString()))
                            .onFailure().recoverWithNull()
                            .chain(ignored -> Uni.createFrom().failure(new FleetException(503, "api_error", "enqueue_failed",
                                    "The job could not be queued; retry shortly (the same request resumes the same job).", 1L)));
                });
    }

    /** The job and its answer, or null when there is no such job. */
    public Uni<JobDetails> find(String id) {
        if (!JobIds.wellFormed(id)) {
            return Uni.createFrom().nullItem();
        }
        return Uni.combine().all().unis(store.get(id), store.getResult(id)).asTuple()
                .onFailure().transform(JobService::storeUnavailable)
                .map(both -> both.getItem1() == null ? null : new JobDetails(both.getItem1(), both.getItem2()));
    }

    /**
     * Cancels a job that has not started: the change, with {@code record} null when there is no such job and
     * {@code applied} false when it already started or finished.
     */
    public Uni<JobStore.Change> cancel(String id) {
        if (!JobIds.wellFormed(id)) {
            return Uni.createFrom().item(new JobStore.Change(false, null));
        }
        Map<String, Object> patch = new HashMap<>();
        patch.put("status", JobStatus.CANCELLED.json());
        patch.put("finished_at", Instant.now().toString());
        return store.transition(id, EnumSet.of(JobStatus.QUEUED), patch, false)
                .onFailure().transform(JobService::storeUnavailable);
    }

    private static Throwable storeUnavailable(Throwable failure) {
        if (failure instanceof FleetException) {
            return failure;
        }
        LOG.errorf("job store (Redis) failed: %s", failure.toString());
        return new FleetException(503, "api_error", "job_store_unavailable", "Job state is unavailable right now; retry shortly.", 1L);
    }
}
