package dev.llmfleet.common.pipeline;

import dev.llmfleet.common.messaging.UsageRecorded;
import dev.llmfleet.common.provider.ProviderCalls;
import dev.llmfleet.common.provider.ProviderException;
import dev.llmfleet.common.quota.QuotaHold;
import dev.llmfleet.common.tracing.Traces;
import dev.llmfleet.common.usage.UsageRecorder;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * The usage of one run of the pipeline: one event per provider call, each with its own id
 * ({@code <run id>.<call number>}), so billing counts a redelivered event once and a paid retry always; one
 * event for a cache hit or replay ({@code <run id>.0}); and the request's outcome, metered once. Every
 * charge also goes to the run's {@link Spend}, and the run's end settles its {@link QuotaHold} with the run's spend.
 */
final class RunUsage {
    private final UsageRecorder usage;
    private final CompletionContext context;
    private final PreparedRequest prepared;
    private final long started;
    private final ProviderCalls calls;
    private volatile QuotaHold quota = QuotaHold.NONE;

    RunUsage(UsageRecorder usage, CompletionContext context, PreparedRequest prepared, long started) {
        this.usage = usage;
        this.context = context;
        this.prepared = prepared;
        this.started = started;
        this.calls = new ProviderCalls(this::failedCall);
    }

    /** The provider calls of this run, for the gateway; each failed one is recorded here. */
    ProviderCalls calls() {
        return calls;
    }

    /** What the run reserved of its key's limits and budgets before its provider call. */
    void holding(QuotaHold hold) {
        this.quota = hold;
    }

    /**
     * Settles the run's reservation (once; later calls do nothing) with everything the run was charged and the tokens its
     * answer used (0 when there is none). The answer never waits for it.
     */
    void endQuota(long tokensUsed) {
        quota.settle(context.spend().total(), tokensUsed).subscribe().with(ignored -> { }, failure -> { });
    }

    CompletionContext context() {
        return context;
    }

    PreparedRequest prepared() {
        return prepared;
    }

    long millisSinceStart() {
        return (System.nanoTime() - started) / 1_000_000;
    }

    private void failedCall(int number, String model, ProviderException failure) {
        BigDecimal charged = failure.chargedUsd() == null ? BigDecimal.ZERO : failure.chargedUsd();
        context.spend().add(charged);
        usage.record(event(number, model, prepared.promptTokens(), 0, charged, failure.balanceUsd(),
                failure.chargedUsd() == null ? "none" : "header", false, null, failure.code(), failure.httpStatus().orElse(UsageRecorded.NO_HTTP_STATUS)));
    }

    /** The latest provider call answered (a stream: ended); {@code status} is ok or how the stream ended. */
    void answered(String model, int promptTokens, int completionTokens, BigDecimal charged, BigDecimal balance, String chargeSource,
                  String status) {
        context.spend().add(charged);
        endQuota((long) promptTokens + completionTokens);
        usage.record(event(calls.made(), model, promptTokens, completionTokens, charged, balance, chargeSource, false, null, status, 200));
        usage.completed(context.lane(), context.feature(), model, status, millisSinceStart());
    }

    /** A stored answer served: a cache hit (recorded) or a replay of an idempotency key ({@code recorded} false for a job's own replay). */
    void reused(String source, String model, int promptTokens, int completionTokens, BigDecimal saved, boolean recorded) {
        boolean cacheHit = "cache".equals(source);
        if (recorded) {
            usage.record(event(0, model, promptTokens, completionTokens, BigDecimal.ZERO, null, "none", cacheHit, saved,
                    cacheHit ? "ok" : "replay", 200));
        }
        usage.completed(context.lane(), context.feature(), model, cacheHit ? "cache_hit" : "replay", millisSinceStart());
    }

    /** The request failed after its retries and fallbacks (each failed call was recorded as it happened). */
    void failed(String code) {
        usage.completed(context.lane(), context.feature(), calls.model(), code, millisSinceStart());
    }

    private UsageRecorded event(int callNumber, String model, int promptTokens, int completionTokens, BigDecimal charged,
                                BigDecimal balance, String chargeSource, boolean cacheHit, BigDecimal saved, String status, int httpStatus) {
        return new UsageRecorded(UsageRecorded.SCHEMA_VERSION, context.runId() + "." + callNumber, context.requestId(), context.jobId(),
                context.lane().json(), context.feature(), context.tenant(), prepared.modelAsked(), model, promptTokens, completionTokens,
                charged, balance, chargeSource, cacheHit, saved, status, httpStatus, millisSinceStart(), callNumber, Instant.now(), Traces.currentTraceId());
    }
}
