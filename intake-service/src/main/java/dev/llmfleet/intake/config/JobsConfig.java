package dev.llmfleet.intake.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The async job API's settings at intake ({@code fleet.jobs.*}). */
@ConfigMapping(prefix = "fleet.jobs")
public interface JobsConfig {

    /** Accept callback URLs on loopback, private, link-local or unique-local addresses (local runs and tests only). */
    @WithDefault("false")
    boolean allowPrivateCallbacks();

    /** Most jobs in one {@code POST /v1/jobs/batch}; the body size is bounded by {@code quarkus.http.limits.max-body-size}. */
    @WithDefault("10000")
    int batchMaxLines();

    /**
     * Most bytes of batch bodies received or processed at once by this instance: a batch that would take it over is
     * refused with 503 {@code server_busy} before its body is read (one without a Content-Length counts as
     * {@code quarkus.http.limits.max-body-size}).
     */
    @WithDefault("64M")
    MemorySize batchBytesInFlight();

    /** Jobs of one batch enqueued at the same time (Redis create + Kafka send in flight). */
    @WithDefault("64")
    int batchConcurrency();

    /** Longest callback URL accepted. */
    @WithDefault("2048")
    int maxCallbackUrlLength();

    /**
     * Longest wait for Kafka to acknowledge a job before the submission answers 503 (the producer's own
     * {@code delivery.timeout.ms} and {@code max.block.ms} bound one send; this bounds the wait behind others).
     */
    @WithDefault("12s")
    Duration sendTimeout();

    /** Seconds a 503 asks the caller to wait while Kafka does not take jobs ({@code Retry-After}). */
    @WithDefault("5")
    long queueRetryAfterSeconds();

    /** The re-publishing of jobs left {@code pending} ({@code fleet.jobs.pending.*}). */
    Pending pending();

    interface Pending {
        /** A job pending this long (a crash between store and send, a Kafka outage) is sent to Kafka again. */
        @WithDefault("30s")
        Duration republishAfter();

        /** How often each intake instance looks for such jobs (a second or more: the scheduler checks once a second). */
        @WithDefault("5s")
        Duration sweepEvery();

        /** Most jobs one sweep re-publishes (the rest wait for the next). */
        @WithDefault("500")
        int sweepBatch();
    }
}
