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

    /** How many extra calls retries and fallbacks may add, fleet-wide per model. */
    RetryBudget retryBudget();

    /** The circuit breaker of each model. */
    Breaker breaker();

    /** How long one call may take, scaled to what it asks for. */
    Timeouts timeout();

    /**
     * An interactive request's overall deadline: every call, backoff and fallback fits in it, and when it passes the
     * caller gets a 504 {@code deadline_exceeded} with Retry-After. (For a stream, until its first byte.)
     */
    @WithDefault("20s")
    Duration interactiveDeadline();

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

    /** A Finagle-style retry budget (see {@code RetryBudget}). */
    interface RetryBudget {
        /** Extra calls allowed per request over the window (0.2: at most 20 % more calls than requests). */
        @WithDefault("0.2")
        double ratio();

        /** Extra calls allowed per second regardless of traffic, so a quiet model can still retry. */
        @WithDefault("1")
        double minPerSecond();

        /** The sliding window the calls are counted over. */
        @WithDefault("10s")
        Duration window();
    }

    /** A model's breaker opens when {@code failure-ratio} of its last {@code request-volume-threshold} calls failed transiently. */
    interface Breaker {
        @WithDefault("20")
        int requestVolumeThreshold();

        @WithDefault("0.5")
        double failureRatio();

        /** How long an open breaker refuses calls before it lets a probe through. */
        @WithDefault("5s")
        Duration delay();

        /** Successful probes that close a half-open breaker. */
        @WithDefault("2")
        int successThreshold();
    }

    /** Per-call timeouts: the wait for the first byte, plus time per asked completion token for an answer sent whole. */
    interface Timeouts {
        /** Time to the status line and headers (a stream's first byte); then {@code idle-timeout} between chunks. */
        @WithDefault("10s")
        Duration firstByte();

        /** Added per {@code max_tokens} for a non-streamed answer, which arrives only when fully generated. */
        @WithDefault("25ms")
        Duration perCompletionToken();
    }
}
