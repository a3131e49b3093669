package dev.llmfleet.loadtest;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/** Flags stages whose charged USD per request rose above the first stage's by more than a threshold. */
public final class CostCreep {
    /**
     * One flagged stage.
     *
     * @param increase the rise over the first stage as a fraction (0.25 = 25 %), or null when the first stage cost nothing
     */
    public record Warning(String target, int stage, String label, BigDecimal baselinePerRequest, BigDecimal perRequest, Double increase) {
        public String message() {
            String rise = increase == null ? "from $0" : String.format("+%.1f%%", increase * 100);
            return String.format("COST CREEP [%s] stage %d (%s): $%s per request vs $%s in stage 1 (%s)",
                    target, stage, label, perRequest.toPlainString(), baselinePerRequest.toPlainString(), rise);
        }
    }

    private CostCreep() {
    }

    /**
     * Compares every later stage of one target with its first. A stage with no successful answer has
     * no cost per request and is never flagged (its errors show up as the error rate instead).
     *
     * @param threshold the tolerated rise as a fraction (0.10 = 10 %)
     */
    public static List<Warning> detect(List<StageResult> stagesOfOneTarget, double threshold) {
        List<Warning> warnings = new ArrayList<>();
        if (stagesOfOneTarget.size() < 2 || stagesOfOneTarget.get(0).ok() == 0) {
            return warnings;
        }
        StageResult first = stagesOfOneTarget.get(0);
        BigDecimal base = first.chargedUsdPerRequest();
        for (StageResult stage : stagesOfOneTarget.subList(1, stagesOfOneTarget.size())) {
            BigDecimal cost = stage.chargedUsdPerRequest();
            if (stage.ok() > 0 && crept(base, cost, threshold)) {
                warnings.add(new Warning(stage.target(), stage.stage(), stage.label(), base, cost, increase(base, cost)));
            }
        }
        return warnings;
    }

    /** Whether {@code cost} rose above {@code base} by more than {@code threshold} (a fraction); from a free base, any cost did. */
    public static boolean crept(BigDecimal base, BigDecimal cost, double threshold) {
        if (base.signum() == 0) {
            return cost.signum() > 0;
        }
        return increase(base, cost) > threshold;
    }

    /** The rise of {@code cost} over {@code base} as a fraction (0.25 = 25 %), or null when the base is 0. */
    public static Double increase(BigDecimal base, BigDecimal cost) {
        return base.signum() == 0 ? null : cost.subtract(base).divide(base, 10, RoundingMode.HALF_UP).doubleValue();
    }
}
