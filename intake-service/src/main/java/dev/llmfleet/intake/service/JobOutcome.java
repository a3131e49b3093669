package dev.llmfleet.intake.service;

import dev.llmfleet.common.jobs.JobStatus;

/**
 * What a submission did.
 *
 * @param existing true when the id already named a live or finished job, which was left as it was
 *                 (nothing enqueued); false when the job was enqueued now (new, or resubmitted after it failed)
 */
public record JobOutcome(String id, JobStatus status, boolean existing) {
}
