package dev.llmfleet.common.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

import java.util.List;
import java.util.Optional;

/** API keys: the server secret their hashes are keyed with, and the operator's admin key (both secrets, from the environment). */
@ConfigMapping(prefix = "fleet.auth")
public interface AuthConfig {
    /** Shortest admin key or key secret accepted: anything shorter is guessable. */
    int MIN_SECRET_LENGTH = 32;

    /** HMAC-SHA256 secret the stored key hashes are keyed with (FLEET_KEY_SECRET); changing it invalidates every key. */
    Optional<String> keySecret();

    /** The operator's key for the admin API and the whole of billing (FLEET_ADMIN_KEY); none: no admin access at all. */
    Optional<String> adminKey();

    /**
     * While the state Redis cannot be asked, a key this replica confirmed within this long is still accepted, so the
     * interactive lane outlives a Redis outage as it did before keys; 0 refuses every key then (503).
     */
    @WithDefault("5m")
    Duration outageGrace();

    /** Vert.x route paths every request to which needs a key ({@code /v1/*}); none: the service has no keyed API. */
    Optional<List<String>> protectedPaths();
}
