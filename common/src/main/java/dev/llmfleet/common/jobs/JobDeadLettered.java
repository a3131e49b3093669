package dev.llmfleet.common.jobs;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * A job given up on (topic {@code llm.jobs.dlq}, key = job id, or the record's key for poison): the
 * original record as received, why, and how often it was tried.
 *
 * @param original the record's value exactly as consumed (it may not even parse)
 * @param reason   poison, unsupported_schema, invalid_request, attempts_exhausted, or the provider's error code
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JobDeadLettered(String schemaVersion, String jobId, String original, String reason, String error,
                              int attempts, String sourceTopic, Instant deadLetteredAt) {
    public static final String SCHEMA_VERSION = "1.0";
}
