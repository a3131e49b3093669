package dev.llmfleet.intake.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.auth.ApiKey;
import dev.llmfleet.common.auth.Caller;
import dev.llmfleet.common.quota.QuotaGate;
import dev.llmfleet.intake.config.JobsConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Submits a batch of jobs: splits the body ({@link BatchBodies}), validates every line, counts the valid ones against
 * the key's requests per minute (the whole batch is refused, 429, when they do not fit), enqueues them a
 * bounded number at a time ({@code fleet.jobs.batch-concurrency}) and answers one result per line, in input order,
 * once every accepted job is in Kafka. A refused line never stops the others; once Kafka or the job store refused
 * one job, the lines not yet stored are refused the same way at once instead of each waiting out the timeout.
 */
@ApplicationScoped
public class BatchSubmitter {
    private static final Logger LOG = Logger.getLogger(BatchSubmitter.class);
    /** Backstop for one batch: every send is bounded by fleet.jobs.send-timeout long before this. */
    private static final Duration BATCH_TIMEOUT = Duration.ofMinutes(5);

    private final JobValidator validator;
    private final JobService jobs;
    private final JobsConfig config;
    private final BatchBodies bodies;
    private final QuotaGate quota;

    public BatchSubmitter(JobValidator validator, JobService jobs, JobsConfig config, ObjectMapper mapper, QuotaGate quota) {
        this.quota = quota;
        this.validator = validator;
        this.jobs = jobs;
        this.config = config;
        this.bodies = new BatchBodies(mapper);
    }

    /**
     * What became of one line of a batch.
     *
     * @param line    1-based: the element's position in a JSON array, or the line number in JSON Lines
     * @param outcome the submitted job, or null when {@code error} says why the line was refused
     */
    public record LineResult(int line, JobOutcome outcome, FleetException error) {
    }

    /**
     * Submits every job of {@code body} ({@code jsonArray}: a JSON array, else JSON Lines); {@code feature} is the
     * request's {@code X-Fleet-Feature}, or null. Blocks until every line is settled: splitting and tokenising
     * thousands of jobs is CPU work, so call it on a worker thread. Throws a {@link FleetException} only when the
     * body cannot be split into jobs.
     */
    public List<LineResult> submit(byte[] body, boolean jsonArray, String feature, Caller caller) {
        List<Slot> slots = validate(body, jsonArray, feature, caller.requireTenantKey());
        // the valid jobs count against the key's requests per minute, all or none: over the limit, nothing is enqueued
        quota.admitJobs(caller.quota(), (int) slots.stream().filter(slot -> slot.job() != null).count()).await().atMost(BATCH_TIMEOUT);
        return enqueue(slots).await().atMost(BATCH_TIMEOUT);
    }

    /** A line after validation: the job to enqueue, or why it was refused. */
    private record Slot(int index, int line, JobSubmission job, FleetException error) {
    }

    private record Indexed(int index, LineResult result) {
    }

    private List<Slot> validate(byte[] body, boolean jsonArray, String feature, ApiKey apiKey) {
        List<BatchBodies.BatchLine> lines = bodies.split(body, jsonArray, config.batchMaxLines());
        List<Slot> slots = new ArrayList<>(lines.size());
        for (BatchBodies.BatchLine line : lines) {
            int index = slots.size();
            if (line.error() != null) {
                slots.add(new Slot(index, line.line(), null, line.error()));
                continue;
            }
            try {
                slots.add(new Slot(index, line.line(), validator.validate(line.body(), feature, null, apiKey), null));
            } catch (RuntimeException e) {
                slots.add(new Slot(index, line.line(), null, asFleetException(e, line.line(), "validation")));
            }
        }
        return slots;
    }

    private Uni<List<LineResult>> enqueue(List<Slot> slots) {
        AtomicReference<FleetException> unavailable = new AtomicReference<>();
        return Multi.createFrom().iterable(slots)
                .onItem().transformToUni(slot -> result(slot, unavailable).map(result -> new Indexed(slot.index(), result)))
                .merge(config.batchConcurrency())
                .collect().asList()
                .map(indexed -> {
                    indexed.sort(Comparator.comparingInt(Indexed::index));
                    return indexed.stream().map(Indexed::result).toList();
                });
    }

    private Uni<LineResult> result(Slot slot, AtomicReference<FleetException> unavailable) {
        FleetException refusal = slot.error() != null ? slot.error() : unavailable.get();
        if (refusal != null) {
            return Uni.createFrom().item(new LineResult(slot.line(), null, refusal));
        }
        return jobs.submit(slot.job())
                .map(outcome -> new LineResult(slot.line(), outcome, null))
                .onFailure().recoverWithItem(failure -> {
                    FleetException e = asFleetException(failure, slot.line(), "submission");
                    if (JobService.UNAVAILABLE.contains(e.code())) {
                        unavailable.compareAndSet(null, e);
                    }
                    return new LineResult(slot.line(), null, e);
                });
    }

    /** A line's failure as the error its entry shows; anything but a {@link FleetException} is logged and answered 500. */
    private static FleetException asFleetException(Throwable failure, int line, String step) {
        if (failure instanceof FleetException e) {
            return e;
        }
        LOG.errorf(failure, "batch line %d failed %s unexpectedly", line, step);
        return FleetException.serverError(500, "internal_error", "Internal error.");
    }
}
