package dev.llmfleet.common.pipeline;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;
import java.util.Optional;

/** The two ways a completion comes in: a caller waiting on the chat endpoint, or a job from the queue. */
public enum Lane {
    INTERACTIVE, ASYNC;

    /** The name in usage events, metric tags and the ledger: {@code interactive}, {@code async}. */
    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Lane> parse(String value) {
        for (Lane lane : values()) {
            if (lane.json().equals(value)) {
                return Optional.of(lane);
            }
        }
        return Optional.empty();
    }
}
