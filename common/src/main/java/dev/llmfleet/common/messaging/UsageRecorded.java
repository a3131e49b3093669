package dev.llmfleet.common.messaging;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A provider call or cache hit happened (topic {@code llm.usage}, key = request id). Billing's ledger
 * is built from these, once per request id.
 *
 * @param schemaVersion   major.minor of this record; consumers reject an unknown major version
 * @param jobId           the async job, or null on the interactive lane
 * @param lane            {@code interactive} or {@code async}
 * @param chargedUsd      what the provider charged (0 on a cache hit or a replay)
 * @param balanceUsd      the provider's balance after the call, null when it did not say
 * @param chargeSource    where the charge came from: header, trailer, event, estimated, none (cache, replay, failure)
 * @param savedUsd        on a cache hit or replay, what the first call cost (the money the reuse saved)
 * @param status          ok, or the error code of a failed call
 * @param attempt         provider calls made for this request (retries and fallbacks included)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record UsageRecorded(String schemaVersion, String requestId, String jobId, String lane, String feature,
                            String tenant, String modelRequested, String modelUsed, int promptTokens,
                            int completionTokens, BigDecimal chargedUsd, BigDecimal balanceUsd, String chargeSource,
                            boolean cacheHit, BigDecimal savedUsd, String status, int httpStatus, long latencyMs,
                            int attempt, Instant occurredAt) {
    public static final String SCHEMA_VERSION = "1.0";
}
