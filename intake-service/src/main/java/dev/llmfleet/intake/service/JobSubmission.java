package dev.llmfleet.intake.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.common.jobs.JobRequested;
import dev.llmfleet.common.jobs.Priority;

import java.time.Instant;

/**
 * A job that passed every free check and is ready to be stored and enqueued.
 *
 * @param keyId       the API key that submitted it
 * @param request     the caller's OpenAI chat body as validated, without the job fields
 * @param callbackUrl where the worker POSTs the result, or null
 */
public record JobSubmission(String id, String tenant, String keyId, String feature, Priority priority, String callbackUrl,
                            ObjectNode request) {

    /** The Kafka message of a first submission (attempt 0, to run at once). */
    public JobRequested requested(Instant now) {
        return new JobRequested(JobRequested.SCHEMA_VERSION, id, tenant, keyId, feature, priority, request, callbackUrl, 0, null, now);
    }
}
