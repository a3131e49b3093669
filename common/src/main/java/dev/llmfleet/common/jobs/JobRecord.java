package dev.llmfleet.common.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * A job's state as kept in Redis and answered by {@code GET /v1/jobs/{id}} (the result is kept apart and
 * joined in when read). Money is a decimal string so no JSON layer rounds it.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record JobRecord(String id, JobStatus status, Priority priority, String feature, String tenant, int attempts,
                        String model, String chargedUsd, String error, Instant createdAt, Instant finishedAt) {

    /** A job just accepted at intake, before Kafka acknowledged it. */
    public static JobRecord pending(String id, Priority priority, String feature, String tenant, Instant now) {
        return new JobRecord(id, JobStatus.PENDING, priority, feature, tenant, 0, null, null, null, now, null);
    }

    public static JobRecord queued(String id, Priority priority, String feature, String tenant, Instant now) {
        return new JobRecord(id, JobStatus.QUEUED, priority, feature, tenant, 0, null, null, null, now, null);
    }
}
