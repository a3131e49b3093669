package dev.llmfleet.loadtest;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CostCreepTest {
    @Test
    void flagsOnlyStagesAboveTheThreshold() {
        List<StageResult> stages = List.of(stage(1, "0.0010", 100), stage(2, "0.00109", 100), stage(3, "0.00115", 100), stage(4, "0.0005", 100));

        List<CostCreep.Warning> warnings = CostCreep.detect(stages, 0.10);

        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).stage()).isEqualTo(3);
        assertThat(warnings.get(0).increase()).isCloseTo(0.15, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(warnings.get(0).message()).contains("COST CREEP [intake] stage 3", "+15.0%", "$0.00115", "$0.0010");
    }

    @Test
    void aFreeFirstStageFlagsAnyLaterCost() {
        List<CostCreep.Warning> warnings = CostCreep.detect(List.of(stage(1, "0", 100), stage(2, "0", 100), stage(3, "0.0001", 100)), 0.10);

        assertThat(warnings).extracting(CostCreep.Warning::stage).containsExactly(3);
        assertThat(warnings.get(0).message()).contains("from $0");
    }

    @Test
    void ignoresStagesWithoutSuccessfulAnswersAndSingleStages() {
        assertThat(CostCreep.detect(List.of(stage(1, "0.001", 100)), 0.10)).isEmpty();
        assertThat(CostCreep.detect(List.of(stage(1, "0", 0), stage(2, "0.01", 100)), 0.10)).isEmpty();
        assertThat(CostCreep.detect(List.of(stage(1, "0.001", 100), stage(2, "0", 0)), 0.10)).isEmpty();
    }

    @Test
    void comparisonGivesAddedLatencyAndSaving() {
        StageResult intake = stage(1, "0.00025", 100);
        StageResult direct = new StageResult("direct", 1, "200x30s", 200, 30, 100, 100, 100, 0, 0, Map.of(),
                1.0, 2.0, 3.0, 4.0, 9.0, 0, null, null, 200, 0, new BigDecimal("0.1"), new BigDecimal("0.001"), 0, 0, 0, null);

        StageComparison c = StageComparison.of(intake, direct);

        assertThat(c.addedP50Ms()).isEqualTo(2.0);
        assertThat(c.addedP99Ms()).isEqualTo(6.0);
        assertThat(c.savingPercent()).isCloseTo(75.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    private static StageResult stage(int index, String perRequest, long ok) {
        BigDecimal cost = new BigDecimal(perRequest);
        return new StageResult("intake", index, "200x30s", 200, 30, ok, ok, ok, 0, 0, Map.of(),
                3.0, 5.0, 8.0, 10.0, 20.0, 0, null, null, 200, 0, cost.multiply(BigDecimal.valueOf(ok)), cost, 0, 0, 0, null);
    }
}
