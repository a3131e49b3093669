package dev.llmfleet.providersim.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Whether the simulator honours idempotency keys on completions (top-ups always honour them). */
public enum IdempotencyMode {
    @JsonProperty("honour") HONOUR,
    @JsonProperty("ignore") IGNORE
}
