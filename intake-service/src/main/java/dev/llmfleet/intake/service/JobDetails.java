package dev.llmfleet.intake.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.common.jobs.JobRecord;

/** A job's record joined with its stored answer (null until it succeeded). */
public record JobDetails(JobRecord record, JsonNode result) {
}
