package dev.llmfleet.loadtest;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * One stage run against two targets: what the first ("through", e.g. intake) adds in latency over the
 * second ("baseline", e.g. the provider called directly) and what it saves in charged USD per request.
 */
public record StageComparison(int stage, String label, String through, String baseline,
                              Double throughP50Ms, Double baselineP50Ms, Double addedP50Ms,
                              Double throughP99Ms, Double baselineP99Ms, Double addedP99Ms,
                              BigDecimal throughUsdPerRequest, BigDecimal baselineUsdPerRequest, Double savingPercent,
                              double throughErrorRate, double baselineErrorRate,
                              double throughAchievedRate, double baselineAchievedRate) {

    public static StageComparison of(StageResult through, StageResult baseline) {
        Double saving = null;
        if (through.ok() > 0 && baseline.ok() > 0 && baseline.chargedUsdPerRequest().signum() > 0) {
            saving = BigDecimal.ONE.subtract(through.chargedUsdPerRequest().divide(baseline.chargedUsdPerRequest(), 10, RoundingMode.HALF_UP))
                    .doubleValue() * 100;
        }
        return new StageComparison(through.stage(), through.label(), through.target(), baseline.target(),
                through.latencyP50Ms(), baseline.latencyP50Ms(), minus(through.latencyP50Ms(), baseline.latencyP50Ms()),
                through.latencyP99Ms(), baseline.latencyP99Ms(), minus(through.latencyP99Ms(), baseline.latencyP99Ms()),
                through.chargedUsdPerRequest(), baseline.chargedUsdPerRequest(), saving,
                through.errorRate(), baseline.errorRate(), through.achievedRate(), baseline.achievedRate());
    }

    private static Double minus(Double a, Double b) {
        return a == null || b == null ? null : a - b;
    }
}
