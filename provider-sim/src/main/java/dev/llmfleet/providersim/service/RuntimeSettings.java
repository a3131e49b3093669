package dev.llmfleet.providersim.service;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.llmfleet.providersim.config.IdempotencyMode;
import dev.llmfleet.providersim.config.SimConfig;
import dev.llmfleet.providersim.config.StreamChargeMode;

import java.util.Set;
import java.util.TreeSet;

/**
 * The settings that {@code POST /admin/config} can change while the simulator runs. Immutable: an
 * update swaps the whole record, so a request always sees one consistent set.
 */
public record RuntimeSettings(
        long latencyBaseMs,
        long latencyPerTokenMs,
        @JsonProperty("error_429_rate") double error429Rate,
        @JsonProperty("error_429_retry_after_s") long error429RetryAfterS,
        @JsonProperty("error_500_rate") double error500Rate,
        @JsonProperty("error_502_rate") double error502Rate,
        @JsonProperty("error_503_rate") double error503Rate,
        double stallRate,
        long stallMs,
        double dropStreamRate,
        long topupDelayMs,
        Set<String> unavailableModels,
        String rejectedContent,
        boolean keysRevoked,
        int maxConcurrentRequests,
        int requestsPerMinute,
        StreamChargeMode streamChargeMode,
        IdempotencyMode idempotencyMode) {

    public RuntimeSettings {
        requireNonNegative("latency_base_ms", latencyBaseMs);
        requireNonNegative("latency_per_token_ms", latencyPerTokenMs);
        requireNonNegative("stall_ms", stallMs);
        requireNonNegative("topup_delay_ms", topupDelayMs);
        requireNonNegative("max_concurrent_requests", maxConcurrentRequests);
        requireNonNegative("requests_per_minute", requestsPerMinute);
        requireRate("error_429_rate", error429Rate);
        if (error429RetryAfterS < 1) {
            throw new IllegalArgumentException("error_429_retry_after_s must be >= 1");
        }
        requireRate("error_500_rate", error500Rate);
        requireRate("error_502_rate", error502Rate);
        requireRate("error_503_rate", error503Rate);
        requireRate("stall_rate", stallRate);
        requireRate("drop_stream_rate", dropStreamRate);
        if (error429Rate + error500Rate + error502Rate + error503Rate > 1.0 + 1e-9) {
            throw new IllegalArgumentException("error_429_rate + error_500_rate + error_502_rate + error_503_rate must not exceed 1");
        }
        if (streamChargeMode == null || idempotencyMode == null) {
            throw new IllegalArgumentException("stream_charge_mode and idempotency_mode are required");
        }
        // Sorted copy: stable JSON output, and nobody can mutate the set behind our back.
        unavailableModels = unavailableModels == null ? Set.of() : Set.copyOf(new TreeSet<>(unavailableModels));
    }

    public static RuntimeSettings from(SimConfig c) {
        return new RuntimeSettings(c.latencyBaseMs(), c.latencyPerTokenMs(), c.error429Rate(), c.error429RetryAfterS(), c.error500Rate(), c.error502Rate(),
                c.error503Rate(), c.stallRate(), c.stallMs(), c.dropStreamRate(), c.topupDelayMs(), c.unavailableModels().orElse(Set.of()),
                c.rejectedContent().filter(phrase -> !phrase.isBlank()).orElse(null), c.keysRevoked(),
                c.maxConcurrentRequests(), c.requestsPerMinute(), c.streamChargeMode(), c.idempotencyMode());
    }

    private static void requireNonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0");
        }
    }

    private static void requireRate(String name, double value) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1");
        }
    }
}
