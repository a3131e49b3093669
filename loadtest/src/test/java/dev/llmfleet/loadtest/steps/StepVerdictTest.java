package dev.llmfleet.loadtest.steps;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StepVerdictTest {
    private static final StepVerdict.Limits LIMITS = new StepVerdict.Limits(0.01, 2000, 0.10);

    @Test
    void everyStageWithinTheLimitsIsSound() {
        StepVerdict.Verdict v = StepVerdict.judge(List.of(
                stage(1, 50, lane("interactive", 0, 300.0, "0.0010"), lane("async", 0.002, 40.0, "0.0004")),
                stage(2, 100, lane("interactive", 0.0099, 1999.0, "0.0011"), lane("async", 0, 45.0, "0.00044"))), LIMITS, 2);

        assertThat(v.exitCode()).isEqualTo(StepVerdict.EXIT_SOUND);
        assertThat(v.highestHeld()).isEqualTo(2);
        assertThat(v.highestHeldRate()).isEqualTo(100.0);
        assertThat(v.firstBroken()).isNull();
        assertThat(v.costCrept()).isFalse();
        assertThat(v.summary()).startsWith("sound: every stage held every limit, up to 100 req/s").contains("cost per request steady");
    }

    @Test
    void theFirstStageOverTheP99LimitEndsWhatHeldAndExitsFour() {
        StepVerdict.Verdict v = StepVerdict.judge(List.of(
                stage(1, 50, lane("interactive", 0, 300.0, "0.001")),
                stage(2, 100, lane("interactive", 0, 900.0, "0.001")),
                stage(3, 200, lane("interactive", 0.004, 2400.0, "0.001")),
                stage(4, 400, lane("interactive", 0.2, 9000.0, "0.001"))), LIMITS, 4);

        assertThat(v.exitCode()).isEqualTo(StepVerdict.EXIT_LIMIT_BROKEN);
        assertThat(v.highestHeld()).isEqualTo(2);
        assertThat(v.firstBroken()).isEqualTo(3);
        assertThat(v.firstBrokenRate()).isEqualTo(200.0);
        assertThat(v.firstBrokenBy()).extracting(StepVerdict.Breach::limit).containsExactly(StepVerdict.P99);
        assertThat(v.breaches()).extracting(StepVerdict.Breach::stage).containsExactly(3, 4, 4);
        assertThat(v.summary()).contains("held every limit up to stage 2 (100 req/s)", "stage 3 (200 req/s) broke: interactive p99 2400 ms > 2000 ms");
    }

    @Test
    void costCreepAloneExitsThreeAndIsJudgedPerLaneAgainstItsFirstStage() {
        StepVerdict.Verdict v = StepVerdict.judge(List.of(
                stage(1, 50, lane("interactive", 0, 100.0, "0.0010"), lane("async", 0, 20.0, "0.0004")),
                stage(2, 100, lane("interactive", 0, 100.0, "0.00109"), lane("async", 0, 20.0, "0.00046"))), LIMITS, 2);

        assertThat(v.exitCode()).isEqualTo(StepVerdict.EXIT_COST_CREEP);
        assertThat(v.costCrept()).isTrue();
        assertThat(v.breaches()).singleElement().satisfies(b -> {
            assertThat(b.lane()).isEqualTo("async");
            assertThat(b.limit()).isEqualTo(StepVerdict.COST_CREEP);
            assertThat(b.message()).contains("+15.00%", "$0.0004");
        });
        assertThat(v.highestHeld()).as("a stage whose cost crept did not hold every limit").isEqualTo(1);
        assertThat(v.summary()).contains("cost per request CREPT (stage 2 async)");
    }

    @Test
    void anErrorLimitOutranksCostCreepInTheExitCode() {
        StepVerdict.Verdict v = StepVerdict.judge(List.of(
                stage(1, 50, lane("interactive", 0, 100.0, "0.001")),
                stage(2, 100, lane("interactive", 0, 100.0, "0.002")),
                stage(3, 200, lane("interactive", 0.05, 100.0, "0.001"))), LIMITS, 3);

        assertThat(v.exitCode()).isEqualTo(StepVerdict.EXIT_LIMIT_BROKEN);
        assertThat(v.firstBroken()).isEqualTo(2);
        assertThat(v.costCrept()).isTrue();
    }

    @Test
    void aBrokenFirstStageHeldNothingAndAStoppedRunSaysSo() {
        StepVerdict.Verdict v = StepVerdict.judge(List.of(stage(1, 50, lane("interactive", 1.0, null, null))), LIMITS, 4);

        assertThat(v.highestHeld()).isNull();
        assertThat(v.firstBroken()).isEqualTo(1);
        assertThat(v.firstBrokenBy()).extracting(StepVerdict.Breach::limit).containsExactly(StepVerdict.ERROR_RATE);
        assertThat(v.stagesRun()).isEqualTo(1);
        assertThat(v.summary()).startsWith("no stage held every limit").contains("stopped after stage 1 of 4");
    }

    @Test
    void aLaneWithoutACostInItsFirstStageTakesItsFirstFigureAsTheBaseAndAFreeBaseFlagsAnyCost() {
        List<StepVerdict.Breach> breaches = StepVerdict.breaches(List.of(
                stage(1, 50, lane("async", 0, 10.0, null)),
                stage(2, 100, lane("async", 0, 10.0, "0")),
                stage(3, 200, lane("async", 0, 10.0, "0.0001"))), LIMITS);

        assertThat(breaches).singleElement().satisfies(b -> {
            assertThat(b.stage()).isEqualTo(3);
            assertThat(b.message()).contains("from $0");
        });
        assertThat(StepVerdict.brokeErrorsOrLatency(breaches, 3)).isFalse();
    }

    private static List<StepVerdict.Reading> stage(int stage, double rate, Object[]... lanes) {
        return java.util.Arrays.stream(lanes).map(l -> new StepVerdict.Reading(stage, rate, (String) l[0], (double) l[1], (Double) l[2],
                l[3] == null ? null : new BigDecimal((String) l[3]))).toList();
    }

    private static Object[] lane(String lane, double errorRate, Double p99, String cost) {
        return new Object[] {lane, errorRate, p99, cost};
    }
}
