package dev.llmfleet.common.pipeline;

import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.provider.ProviderException;

/** What a caller is told when the provider could not answer, after retries and fallbacks. */
final class ProviderErrors {
    private ProviderErrors() {
    }

    static FleetException toFleetException(ProviderException e) {
        return switch (e.status()) {
            case 402 -> new FleetException(402, "insufficient_balance", "provider_balance_depleted",
                    "The provider's prepaid balance is depleted; the fleet's operators must top it up.");
            case 429 -> new FleetException(429, "rate_limit_error", "rate_limited",
                    "The provider is rate limiting; retry after the Retry-After delay.", retryAfterSeconds(e));
            case 400 -> "cost_cap_exceeded".equals(e.code())
                    ? new FleetException(422, "invalid_request_error", "cost_cap_exceeded", "The provider refused: " + e.getMessage())
                    : new FleetException(502, "api_error", "provider_rejected_request", "The provider refused the request: " + e.getMessage());
            case 401, 403 -> new FleetException(502, "api_error", "provider_auth_failed",
                    "The provider refused the fleet's credentials; check MDB_API_KEY.");
            case ProviderException.NO_ANSWER -> new FleetException(504, "api_error", "provider_timeout",
                    "The provider did not answer: " + e.getMessage());
            default -> ProviderException.OVERLOADED.equals(e.code())
                    ? new FleetException(503, "api_error", ProviderException.OVERLOADED, e.getMessage(), retryAfterSeconds(e))
                    : new FleetException(502, "api_error", "provider_unavailable",
                    "The provider failed (" + e.status() + " " + e.code() + ") after retries and fallbacks: " + e.getMessage());
        };
    }

    private static Long retryAfterSeconds(ProviderException e) {
        return e.retryAfter() == null ? 1L : Math.max(1L, (e.retryAfter().toMillis() + 999) / 1000);
    }
}
