package dev.llmfleet.loadtest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * One stage's figures against one target. Latencies (ms, from the scheduled send time, so a slow
 * target cannot hide its queueing) cover successful answers; errors count non-2xx answers and
 * transport failures by status or kind; charged USD is the sum of the {@code X-MDB-Charged-USD}
 * values seen (0 on cache hits) and the per-request figure divides it by the successful answers. For streamed
 * answers ({@code streams} of them) the time to first token runs from the scheduled send time to the first body chunk.
 */
public record StageResult(String target, int stage, String label, double targetRate, double durationSeconds,
                          long sent, long completed, long ok, long errors, double errorRate, Map<String, Long> errorsByStatus,
                          Double latencyP50Ms, Double latencyP90Ms, Double latencyP95Ms, Double latencyP99Ms, Double latencyMaxMs,
                          long streams, Double ttftP50Ms, Double ttftP99Ms,
                          double achievedRate, double maxSendLagMs,
                          BigDecimal chargedUsd, BigDecimal chargedUsdPerRequest, long okWithoutCharge,
                          long cacheHits, long cacheMisses, Double cacheHitRatio) {

    static BigDecimal perRequest(BigDecimal total, long requests) {
        return requests == 0 ? BigDecimal.ZERO : total.divide(BigDecimal.valueOf(requests), 10, RoundingMode.HALF_UP).stripTrailingZeros();
    }
}
