package dev.llmfleet.common.provider;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Where the paid provider (Model Database) is and the names of its undocumented headers. */
@ConfigMapping(prefix = "fleet.provider")
public interface ProviderConfig {
    /** Base URL ending in {@code /v1} ({@code MDB_BASE_URL}); the simulator locally, Model Database in production. */
    String baseUrl();

    /** API key ({@code MDB_API_KEY}); never logged. */
    @WithDefault("")
    String apiKey();

    /** Header carrying the per-request cost cap (the provider does not publish its name). */
    @WithDefault("X-MDB-Max-Cost-USD")
    String costCapHeader();

    /** Header carrying the idempotency key derived from a job or a client's key. */
    @WithDefault("Idempotency-Key")
    String idempotencyHeader();

    /** How long one provider call may take before it counts as a timeout. */
    @WithDefault("60s")
    Duration timeout();
}
