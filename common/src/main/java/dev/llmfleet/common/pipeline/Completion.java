package dev.llmfleet.common.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.math.BigDecimal;

/**
 * The pipeline's answer. A plain answer has its {@code body}; a streamed one has {@code events} (the
 * OpenAI chunk payloads, without the closing {@code [DONE]}) and {@code settled}, which completes with
 * the charge once the stream has ended.
 *
 * @param chargedUsd what the call cost, when known before the body (null for a stream charged at its end)
 * @param balanceUsd the provider's balance after the call, when known before the body
 * @param source     how the answer was made: {@code provider}, {@code cache} or {@code replay}
 * @param replayedChargeUsd when this answer replays one already paid for (the fleet's or the provider's
 *                   idempotent replay), what that first call cost; null otherwise. A job's cost is
 *                   {@code chargedUsd} plus this, however often it had to be asked.
 */
public record Completion(String requestId, String modelUsed, String source, BigDecimal chargedUsd, BigDecimal balanceUsd,
                         JsonNode body, Multi<String> events, Uni<Charge> settled, BigDecimal replayedChargeUsd) {

    /** What a finished call cost and the balance it left (null when unknown). */
    public record Charge(BigDecimal chargedUsd, BigDecimal balanceUsd) {
    }

    /** What the answer cost in all: this call's charge plus a replayed first call's. */
    public BigDecimal totalCostUsd() {
        BigDecimal now = chargedUsd == null ? BigDecimal.ZERO : chargedUsd;
        return replayedChargeUsd == null ? now : now.add(replayedChargeUsd);
    }

    public boolean streamed() {
        return events != null;
    }
}
