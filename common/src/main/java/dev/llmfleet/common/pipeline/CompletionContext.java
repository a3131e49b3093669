package dev.llmfleet.common.pipeline;

import dev.llmfleet.common.provider.CallGate;
import dev.llmfleet.common.quota.Quota;

/**
 * Who asks and how: everything about a completion that is not in the OpenAI body.
 *
 * @param requestId      unique per request (the job id for a job); billing counts it once as a request
 * @param runId          unique per run of the pipeline for this request (the request id on the interactive lane,
 *                       {@code <job id>.<run>} for a job); its usage events are {@code <run id>.<call number>}
 * @param lane           which lane the request came in on
 * @param feature        the caller's feature tag (rules and metering)
 * @param tenant         who pays: the tenant of the caller's API key (of the key that submitted the job)
 * @param jobId          the async job, or null
 * @param idempotencyKey the caller's key (or the job's): a repeat replays the first answer, never a second call
 * @param bypassCache    the caller asked for a fresh answer ({@code Cache-Control: no-cache})
 * @param gate           wraps each provider call ({@link CallGate#OPEN}, or the async lane's concurrency limiter)
 * @param spend          filled in with what this run's provider calls were charged, whatever the outcome
 * @param quota          the caller's key's limits and budgets ({@link dev.llmfleet.common.quota.QuotaGate}), or null: not limited
 */
public record CompletionContext(String requestId, String runId, Lane lane, String feature, String tenant, String jobId,
                                String idempotencyKey, boolean bypassCache, CallGate gate, Spend spend,
                                Quota quota) {
}
