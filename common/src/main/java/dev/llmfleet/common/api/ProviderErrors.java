package dev.llmfleet.common.api;

import dev.llmfleet.common.provider.ProviderException;

/**
 * The REST edge's one mapping of a provider failure (a domain type) to what a caller is told: an OpenAI-style error
 * with an HTTP status, and Retry-After (seconds) wherever trying again later can help.
 */
public final class ProviderErrors {
    private ProviderErrors() {
    }

    public static FleetException toFleetException(ProviderException e) {
        if (e instanceof ProviderException.Depleted) {
            return new FleetException(402, "insufficient_balance", "provider_balance_depleted",
                    "The provider's prepaid balance is depleted; the fleet's operators must top it up.");
        }
        if (e instanceof ProviderException.Throttled) {
            return new FleetException(429, "rate_limit_error", "rate_limited",
                    "The provider is rate limiting; retry after the Retry-After delay.", e.retryAfterSeconds());
        }
        if (e instanceof ProviderException.Rejected) {
            return "cost_cap_exceeded".equals(e.code())
                    ? FleetException.rejected(422, "cost_cap_exceeded", "The provider refused: " + e.getMessage())
                    : FleetException.rejected(400, "provider_rejected_request",
                    "The provider refused the request (" + e.httpStatus().getAsInt() + " " + e.code() + "): " + e.getMessage());
        }
        if (e instanceof ProviderException.KeyRefused) {
            return FleetException.serverError(502, "provider_auth_failed",
                    "The provider refused the fleet's credentials; its operators must check MDB_API_KEY.");
        }
        if (e instanceof ProviderException.Overloaded) {
            return FleetException.serverError(503, e.code(), ProviderException.Overloaded.BREAKER_OPEN.equals(e.code())
                    ? "Every model of this route is failing at the provider; try again after the Retry-After delay."
                    : e.getMessage(), e.retryAfterSeconds());
        }
        if (e instanceof ProviderException.DeadlineExceeded) {
            return FleetException.serverError(504, e.code(), "The fleet's deadline passed: " + e.getMessage()
                    + "; try again after the Retry-After delay.", e.retryAfterSeconds());
        }
        return e.httpStatus().isEmpty()
                ? FleetException.serverError(504, "provider_timeout", "The provider did not answer: " + e.getMessage(), e.retryAfterSeconds())
                : FleetException.serverError(502, "provider_unavailable", "The provider failed (" + e.httpStatus().getAsInt() + " " + e.code()
                + ") after retries and fallbacks: " + e.getMessage(), e.retryAfterSeconds());
    }
}
