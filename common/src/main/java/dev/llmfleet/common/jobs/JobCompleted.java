package dev.llmfleet.common.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/** A job finished, well or not (topic {@code llm.results}, key = job id; also the callback's body). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JobCompleted(String schemaVersion, String jobId, JobStatus status, String feature, String model,
                           String chargedUsd, JsonNode result, String error, int attempts, Instant finishedAt) {
    public static final String SCHEMA_VERSION = "1.0";

    /**
     * The result of {@code record}, a job a run ended (succeeded, with its answer {@code result}, or dead-lettered with
     * its error), as the run published it.
     */
    public static JobCompleted of(JobRecord record, JsonNode result) {
        if (record.status() == JobStatus.SUCCEEDED) {
            return new JobCompleted(SCHEMA_VERSION, record.id(), record.status(), record.feature(), record.model(), record.chargedUsd(),
                    result, null, record.attempts(), record.finishedAt());
        }
        return new JobCompleted(SCHEMA_VERSION, record.id(), record.status(), record.feature(), null, null, null, record.error(),
                record.attempts(), record.finishedAt());
    }
}
