package dev.llmfleet.common.jobs;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * Where an async job is in its life; the JSON names are DESIGN.md's. {@code PENDING}: stored, its Kafka send not yet
 * acknowledged (intake re-publishes it until it is, see {@code JobStore.markQueued}).
 */
public enum JobStatus {
    PENDING, QUEUED, RUNNING, SUCCEEDED, FAILED, DEAD_LETTERED, CANCELLED;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
