package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.jobs.JobRecord;
import dev.llmfleet.common.jobs.JobRequested;
import dev.llmfleet.common.jobs.JobStore;
import dev.llmfleet.common.jobs.Priority;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;

/** Jobs as intake leaves them when it dies between storing a job and sending it to Kafka. */
final class PendingJobs {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PendingJobs() {
    }

    /** Creates job {@code id} as pending, its message kept and indexed, exactly as a submission does, and sends nothing. */
    static void strand(JobStore store, String id, String prompt) {
        Instant now = Instant.now();
        try {
            JobRequested message = new JobRequested(JobRequested.SCHEMA_VERSION, id, "default", null, "stranded", Priority.NORMAL,
                    MAPPER.readTree(JobsResourceTest.job(prompt, "")), null, 0, null, now);
            JobRecord created = store.createPending(JobRecord.pending(id, Priority.NORMAL, "stranded", "default", now), message)
                    .await().atMost(Duration.ofSeconds(30));
            if (created != null) {
                throw new IllegalStateException("job " + id + " already existed");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
