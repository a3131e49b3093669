package dev.llmfleet.common.provider;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Where the paid provider (Model Database) is and the names of its undocumented headers. */
@ConfigMapping(prefix = "fleet.provider")
public interface ProviderConfig {
    /** Base URL ending in {@code /v1} ({@code MDB_BASE_URL}); the simulator locally, Model Database in production. */
    String baseUrl();

    /** API key ({@code MDB_API_KEY}); never logged. Absent only where no provider call is ever made (billing without top-ups). */
    Optional<String> apiKey();

    /** Header carrying the per-request cost cap (the provider does not publish its name). */
    @WithDefault("X-MDB-Max-Cost-USD")
    String costCapHeader();

    /** Header carrying the idempotency key derived from a job or a client's key. */
    @WithDefault("Idempotency-Key")
    String idempotencyHeader();

    /** Header by which the provider marks an idempotent replay (nothing charged now, charged on the first call). */
    @WithDefault("X-MDB-Idempotent-Replay")
    String idempotencyReplayHeader();

    /** How long a streamed answer may stay silent before the connection is dropped. */
    @WithDefault("30s")
    Duration idleTimeout();

    /** Connections kept open to the provider (HTTP/1.1 keep-alive pool). */
    @WithDefault("200")
    int maxConnections();

    /** Retry policy for transient failures (429, 5xx, timeouts). */
    Retry retry();

    /** Retries with exponential backoff and full jitter. */
    interface Retry {
        /** Attempts per model, the first call included. */
        @WithDefault("4")
        int maxAttempts();

        /** Upper bound of the first retry's random wait. */
        @WithDefault("100ms")
        Duration initialBackoff();

        /** Upper bound of any retry's random wait. */
        @WithDefault("5s")
        Duration maxBackoff();

        /** A Retry-After longer than this is not waited out in-line: the failure goes back to the caller. */
        @WithDefault("10s")
        Duration maxRetryAfter();
    }
}
