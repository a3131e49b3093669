package dev.llmfleet.common.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * A job's state as kept in Redis and answered by {@code GET /v1/jobs/{id}} (the result is kept apart and
 * joined in when read). Money is a decimal string so no JSON layer rounds it.
 *
 * @param attempts   provider calls made for the job, over all its runs
 * @param chargedUsd what all its paid calls cost, over all its runs
 * @param run        how often a worker started it (1 for the first run); a run's usage events are numbered by it
 * @param owner      the worker instance running it now (or last)
 * @param leaseUntil while {@code running}: epoch milliseconds (Redis clock) until which no other worker may take it over
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record JobRecord(String id, JobStatus status, Priority priority, String feature, String tenant, int attempts,
                        String model, String chargedUsd, String error, Instant createdAt, Instant finishedAt,
                        int run, String owner, Long leaseUntil) {

    /** A job no worker has started yet. */
    public JobRecord(String id, JobStatus status, Priority priority, String feature, String tenant, int attempts,
                     String model, String chargedUsd, String error, Instant createdAt, Instant finishedAt) {
        this(id, status, priority, feature, tenant, attempts, model, chargedUsd, error, createdAt, finishedAt, 0, null, null);
    }

    /** A job just accepted at intake, before Kafka acknowledged it. */
    public static JobRecord pending(String id, Priority priority, String feature, String tenant, Instant now) {
        return new JobRecord(id, JobStatus.PENDING, priority, feature, tenant, 0, null, null, null, now, null);
    }

    public static JobRecord queued(String id, Priority priority, String feature, String tenant, Instant now) {
        return new JobRecord(id, JobStatus.QUEUED, priority, feature, tenant, 0, null, null, null, now, null);
    }
}
