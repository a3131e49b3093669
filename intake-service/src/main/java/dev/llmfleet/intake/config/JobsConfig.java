package dev.llmfleet.intake.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The async job API's settings at intake ({@code fleet.jobs.*}). */
@ConfigMapping(prefix = "fleet.jobs")
public interface JobsConfig {

    /** Accept callback URLs on loopback, private, link-local or unique-local addresses (local runs and tests only). */
    @WithDefault("false")
    boolean allowPrivateCallbacks();

    /** Most jobs in one {@code POST /v1/jobs/batch}; the body size is bounded by {@code quarkus.http.limits.max-body-size}. */
    @WithDefault("10000")
    int batchMaxLines();

    /** Jobs of one batch enqueued at the same time (Redis create + Kafka send in flight). */
    @WithDefault("64")
    int batchConcurrency();

    /** Longest callback URL accepted. */
    @WithDefault("2048")
    int maxCallbackUrlLength();
}
