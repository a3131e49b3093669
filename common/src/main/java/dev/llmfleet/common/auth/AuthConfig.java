package dev.llmfleet.common.auth;

import io.smallrye.config.ConfigMapping;

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

    /** Vert.x route paths every request to which needs a key ({@code /v1/*}); none: the service has no keyed API. */
    Optional<List<String>> protectedPaths();
}
