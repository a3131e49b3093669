package dev.llmfleet.common.messaging;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A provider call attempt, cache hit or replay happened (topic {@code llm.usage}, key = event id). Billing's
 * ledger counts each event id once (a redelivered event is a duplicate, a new attempt never is) and each
 * request id once as a request.
 *
 * @param schemaVersion   major.minor of this record; consumers reject an unknown major version
 * @param eventId         unique per provider call attempt (or cache hit, or replay); the ledger's dedupe key
 * @param requestId       the request the attempt belongs to (an interactive request, or the job id)
 * @param jobId           the async job, or null on the interactive lane
 * @param lane            {@code interactive} or {@code async}
 * @param chargedUsd      what the provider charged (0 on a cache hit or a replay)
 * @param balanceUsd      the provider's balance after the call, null when it did not say
 * @param chargeSource    where the charge came from: header, trailer, event, estimated, none (cache, replay, failure)
 * @param savedUsd        on a cache hit or replay, what the first call cost (the money the reuse saved)
 * @param status          ok, or the error code of a failed call
 * @param attempt         the number of this provider call within its request (1 = first; 0 on a cache hit or replay)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record UsageRecorded(String schemaVersion, String eventId, String requestId, String jobId, String lane, String feature,
                            String tenant, String modelRequested, String modelUsed, int promptTokens,
                            int completionTokens, BigDecimal chargedUsd, BigDecimal balanceUsd, String chargeSource,
                            boolean cacheHit, BigDecimal savedUsd, String status, int httpStatus, long latencyMs,
                            int attempt, Instant occurredAt) {
    public static final String SCHEMA_VERSION = "1.1";
}
