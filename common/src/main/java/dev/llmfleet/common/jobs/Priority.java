package dev.llmfleet.common.jobs;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.llmfleet.common.messaging.Topics;

import java.util.Locale;
import java.util.Optional;

/** An async job's priority and the topic that carries it. */
public enum Priority {
    HIGH(Topics.JOBS_HIGH), NORMAL(Topics.JOBS_NORMAL), BULK(Topics.JOBS_BULK);

    private final String topic;

    Priority(String topic) {
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Priority> parse(String value) {
        for (Priority priority : values()) {
            if (priority.json().equals(value)) {
                return Optional.of(priority);
            }
        }
        return Optional.empty();
    }
}
