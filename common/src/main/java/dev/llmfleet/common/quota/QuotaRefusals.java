package dev.llmfleet.common.quota;

import dev.llmfleet.common.api.FleetException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

import static dev.llmfleet.common.metrics.MetricNames.QUOTA_REFUSALS;
import static dev.llmfleet.common.metrics.MetricNames.TAG_REASON;

/**
 * What a caller over a limit or a budget is told, in OpenAI's words, and the count of each refusal by reason. A rate
 * limit is 429 {@code rate_limit_exceeded} with Retry-After; a spent budget is 429 {@code insufficient_quota} (OpenAI
 * answers 429 for it too) without one: waiting does not help before the month ends.
 */
@ApplicationScoped
public class QuotaRefusals {
    /** The {@code reason} tag of each refusal. */
    public enum Reason {
        REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE, CONCURRENT_REQUESTS, KEY_BUDGET, TENANT_BUDGET;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final String RATE_LIMIT_CODE = "rate_limit_exceeded";
    private static final String QUOTA_CODE = "insufficient_quota";

    private final MeterRegistry registry;

    public QuotaRefusals(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Over a per-minute or concurrency limit: try again after {@code wait} (at least a second). */
    FleetException rateLimited(Reason reason, String keyId, String limit, Duration wait) {
        count(reason);
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        return new FleetException(429, reason == Reason.TOKENS_PER_MINUTE ? "tokens" : "requests", RATE_LIMIT_CODE,
                "Rate limit reached for key " + keyId + " on " + limit + ". Try again in " + seconds + " s.", seconds);
    }

    /** A request that asks for more tokens than the key may use in a minute: no wait makes it fit. */
    FleetException tooLarge(String keyId, int tokensPerMinute, long tokens) {
        count(Reason.TOKENS_PER_MINUTE);
        return new FleetException(429, "tokens", RATE_LIMIT_CODE, "Request too large for key " + keyId + " on tokens per minute: limit "
                + tokensPerMinute + ", requested " + tokens + " (prompt plus max_tokens). Lower max_tokens or shorten the prompt.");
    }

    /** A batch of more jobs than the key may submit in a minute: no wait makes it fit. */
    FleetException tooManyRequests(String keyId, int requestsPerMinute, int requests) {
        count(Reason.REQUESTS_PER_MINUTE);
        return new FleetException(429, "requests", RATE_LIMIT_CODE, "Batch too large for key " + keyId + " on requests per minute: limit "
                + requestsPerMinute + ", the batch has " + requests + " jobs. Send it in smaller batches.");
    }

    /** A reservation that would take the key's or the tenant's month over its budget. */
    FleetException overBudget(Reason reason, String who, BigDecimal budgetUsd, BigDecimal committedUsd, BigDecimal requestUsd) {
        count(reason);
        return new FleetException(429, QUOTA_CODE, QUOTA_CODE, "You exceeded the monthly budget of " + who + ": $"
                + budgetUsd.stripTrailingZeros().toPlainString() + " (spent or reserved this month: $" + committedUsd.stripTrailingZeros().toPlainString()
                + "; this request may cost up to $" + requestUsd.stripTrailingZeros().toPlainString() + "). Nothing was charged.");
    }

    private void count(Reason reason) {
        Counter.builder(QUOTA_REFUSALS).description("Requests refused for a key's rate limit or a key's or tenant's monthly budget, by reason")
                .tag(TAG_REASON, reason.tag()).register(registry).increment();
    }
}
