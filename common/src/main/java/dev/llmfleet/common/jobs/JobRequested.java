package dev.llmfleet.common.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * A job was accepted (topics {@code llm.jobs.high|normal|bulk}; {@code llm.jobs.retry} once it failed
 * transiently), key = job id.
 *
 * @param tenant      who pays: the tenant of the API key that submitted the job
 * @param keyId       the id of that API key (its limits and budget apply when the job runs); null in jobs older than keys
 * @param request     the OpenAI chat body, as validated at intake
 * @param attempt     times the job was sent back to the retry topic after a failed run, or a run that could not be
 *                    recorded (0 on first submission; a parked copy keeps it)
 * @param notBefore   a retry's earliest start; null to run at once
 * @param callbackUrl where to POST the result, or null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JobRequested(String schemaVersion, String jobId, String tenant, String keyId, String feature, Priority priority,
                           JsonNode request, String callbackUrl, int attempt, Instant notBefore, Instant submittedAt) {
    public static final String SCHEMA_VERSION = "1.0";

    /** The job again after a failed run, not before {@code at}. */
    public JobRequested retry(Instant at) {
        return new JobRequested(schemaVersion, jobId, tenant, keyId, feature, priority, request, callbackUrl, attempt + 1, at, submittedAt);
    }

    /** The same job put aside unrun (busy elsewhere, balance paused, not due yet), not before {@code at}. */
    public JobRequested parked(Instant at) {
        return new JobRequested(schemaVersion, jobId, tenant, keyId, feature, priority, request, callbackUrl, attempt, at, submittedAt);
    }
}
