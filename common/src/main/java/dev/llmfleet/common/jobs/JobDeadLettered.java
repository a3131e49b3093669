package dev.llmfleet.common.jobs;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * A job given up on (topic {@code llm.jobs.dlq}, key = job id, or the record's key for poison): the
 * original record as received, why, and how often it was tried.
 *
 * @param original a poison record's value exactly as consumed (it may not even parse); otherwise the job's
 *                 {@link JobRequested}, re-encoded
 * @param reason   poison, unsupported_schema, attempts_exhausted, provider_rejected_request (the provider refused the
 *                 request itself), or the code of the fleet's own refusal before any call (e.g. cost_cap_exceeded)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JobDeadLettered(String schemaVersion, String jobId, String original, String reason, String error,
                              int attempts, String sourceTopic, Instant deadLetteredAt) {
    public static final String SCHEMA_VERSION = "1.0";
}
