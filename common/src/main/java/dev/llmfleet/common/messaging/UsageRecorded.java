package dev.llmfleet.common.messaging;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A provider call, cache hit or replay happened (topic {@code llm.usage}, key = event id). Billing's
 * ledger counts each event id once (a redelivered event is a duplicate, a new call never is) and each
 * request id once as a request.
 *
 * @param schemaVersion   major.minor of this record; consumers reject an unknown major version
 * @param eventId         unique per provider call (or cache hit, or replay): {@code <run id>.<call number>}; the ledger's dedupe key
 * @param requestId       the request the call belongs to (an interactive request, or the job id)
 * @param jobId           the async job, or null on the interactive lane
 * @param lane            {@code interactive} or {@code async}
 * @param chargedUsd      what the provider charged (0 on a cache hit or a replay)
 * @param balanceUsd      the provider's balance after the call, null when it did not say
 * @param chargeSource    where the charge came from: header, trailer, event, estimated, none (cache, replay, failure)
 * @param savedUsd        on a cache hit or replay, what the first call cost (the money the reuse saved)
 * @param status          ok, or the error code of a failed call
 * @param httpStatus      the provider's HTTP status, {@link #NO_HTTP_STATUS} when the call got no HTTP answer (or none was made)
 * @param callNumber      which provider call of its run this was (1 = first, counting on across retries and fallback
 *                        models; 0 on a cache hit or replay); schema 1.1 named it {@code attempt}, still read
 * @param occurredAt      when the call ended
 * @param traceId         the OpenTelemetry trace of the request (32 hex digits), also carried in the record's
 *                        {@code traceparent} header; null when there was none (and in events before schema 1.3)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record UsageRecorded(String schemaVersion, String eventId, String requestId, String jobId, String lane, String feature,
                            String tenant, String modelRequested, String modelUsed, int promptTokens,
                            int completionTokens, BigDecimal chargedUsd, BigDecimal balanceUsd, String chargeSource,
                            boolean cacheHit, BigDecimal savedUsd, String status, int httpStatus, long latencyMs,
                            @JsonAlias("attempt") int callNumber, Instant occurredAt, String traceId) {
    public static final String SCHEMA_VERSION = "1.3";
    /** {@code http_status} of a call that got no HTTP answer: a timeout, a refused or dropped connection. */
    public static final int NO_HTTP_STATUS = 0;
}
