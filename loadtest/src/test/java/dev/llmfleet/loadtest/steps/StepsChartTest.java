package dev.llmfleet.loadtest.steps;

import dev.llmfleet.loadtest.ResponseFacts;
import dev.llmfleet.loadtest.Stage;
import dev.llmfleet.loadtest.StageRecorder;
import dev.llmfleet.loadtest.StageResult;
import org.junit.jupiter.api.Test;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StepsChartTest {
    private static final StepVerdict.Limits LIMITS = new StepVerdict.Limits(0.01, 2000, 0.10);

    @Test
    void panelsCarryOneValuePerStageAndLaneWithTheLimitsInRange() {
        StepsChart.Data data = StepsChart.data(report());

        assertThat(data.stages()).containsExactly("50 req/s", "100 req/s");
        assertThat(data.broken()).containsExactly(false, true);
        assertThat(data.panels()).hasSize(3);

        StepsChart.Panel latency = data.panels().get(0);
        assertThat(latency.series()).extracting(StepsChart.Series::name)
                .containsExactly("interactive p50", "interactive p95", "interactive p99", "async p50", "async p95", "async p99");
        assertThat(latency.series().get(2).values()).hasSize(2).allSatisfy(v -> assertThat(v).isCloseTo(100.0, org.assertj.core.data.Offset.offset(1.0)));
        assertThat(latency.limits()).singleElement().satisfies(l -> assertThat(l.value()).isEqualTo(2000));
        assertThat(latency.yMax()).as("the axis reaches the limit").isGreaterThanOrEqualTo(2000);

        StepsChart.Panel errors = data.panels().get(1);
        assertThat(errors.series().get(0).values()).containsExactly(0.0, 0.0);
        assertThat(errors.series().get(1).values()).containsExactly(0.0, 50.0);
        assertThat(errors.limits().get(0).value()).isEqualTo(1.0);
        assertThat(errors.yMax()).isGreaterThanOrEqualTo(50.0);

        StepsChart.Panel cost = data.panels().get(2);
        assertThat(cost.series()).extracting(StepsChart.Series::name)
                .containsExactly("interactive $/req (headers)", "interactive $/req (ledger)", "async $/req (ledger)");
        assertThat(cost.series().get(0).values()).containsExactly(0.001, 0.001);
        assertThat(cost.series().get(2).values()).as("a stage without a ledger figure has a gap").containsExactly(0.0004, null);
        assertThat(cost.limits()).extracting(StepsChart.Limit::label).containsExactly("interactive creep +10%", "async creep +10%");
        assertThat(cost.limits().get(0).value()).isCloseTo(0.0011, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(cost.limits().get(1).value()).isCloseTo(0.00044, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(cost.ticks()).first().isEqualTo(0.0);
        assertThat(cost.ticks().get(cost.ticks().size() - 1)).isEqualTo(cost.yMax());
    }

    @Test
    void axesUseRoundSteps() {
        assertThat(StepsChart.niceStep(0.37)).isEqualTo(0.5);
        assertThat(StepsChart.niceStep(440)).isEqualTo(500);
        assertThat(StepsChart.niceStep(2.2e-4)).isCloseTo(2.5e-4, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(StepsChart.niceStep(0)).isEqualTo(1);
        StepsChart.Panel panel = StepsChart.panel("p", List.of(new StepsChart.Series("s", java.util.Arrays.asList(3.0, null, 9.0), false)), List.of());
        assertThat(panel.yMax()).isEqualTo(10.0);
        assertThat(panel.ticks()).containsExactly(0.0, 2.0, 4.0, 6.0, 8.0, 10.0);
    }

    @Test
    void theSvgIsWellFormedAndShowsTheVerdictAndLimits() throws Exception {
        StepsReport report = report();
        String svg = StepsChart.svg(StepsChart.data(report));

        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(svg).startsWith("<svg").contains("max p99 2000 ms", "max 1.00%", "interactive creep +10%", "100 req/s ✗", "Verdict: ");
        assertThat(StepsChart.wrap("aaa bbb ccc dddd", 8)).containsExactly("aaa bbb", "ccc dddd");
    }

    /** Two stages, both lanes: the async lane fails half its submissions in stage 2 and has no ledger figure there. */
    static StepsReport report() {
        List<StepsReport.Step> steps = new ArrayList<>();
        List<List<StepVerdict.Reading>> readings = new ArrayList<>();
        double[] rates = {50, 100};
        for (int i = 0; i < 2; i++) {
            Stage stage = new Stage(rates[i], Duration.ofSeconds(1));
            StageResult interactive = result("interactive", i + 1, stage, 0);
            StageResult async = result("async", i + 1, stage, i == 0 ? 0 : 5);
            StepsReport.LedgerFigures ledgerInteractive = new StepsReport.LedgerFigures(new BigDecimal("0.01"), 10, 0, new BigDecimal("0.001"), 0.0, true, 1);
            StepsReport.LedgerFigures ledgerAsync = i == 0 ? new StepsReport.LedgerFigures(new BigDecimal("0.004"), 10, 0, new BigDecimal("0.0004"), 0.0, true, 1)
                    : new StepsReport.LedgerFigures(BigDecimal.ZERO, 0, 0, null, null, true, 1);
            List<StepsReport.LaneStep> lanes = List.of(
                    new StepsReport.LaneStep("interactive", 10, interactive, ledgerInteractive, null, interactive.chargedUsdPerRequest(), "headers"),
                    new StepsReport.LaneStep("async", 10, async, ledgerAsync, new StepsReport.AsyncFigures(10, 10, 0L, 3L, "kafka"),
                            ledgerAsync.costPerRequest(), "ledger"));
            steps.add(new StepsReport.Step(i + 1, rates[i], 1, "t" + i, lanes));
            readings.add(lanes.stream().map(l -> new StepVerdict.Reading(stage.ratePerSecond() == 50 ? 1 : 2, stage.ratePerSecond(), l.lane(),
                    l.requests().errorRate(), l.requests().latencyP99Ms(), l.costPerRequest())).toList());
        }
        StepsReport.Settings settings = new StepsReport.Settings("r1", "http://x", null, null, null, "both", "w.jsonl", 20, List.of(50.0, 100.0),
                1, false, LIMITS.maxErrorRate(), LIMITS.maxP99Ms(), LIMITS.maxCostCreep());
        return new StepsReport("steps", "2026-01-01T00:00:00Z", "2026-01-01T00:00:03Z", settings, steps,
                StepVerdict.judge(readings, LIMITS, 2), "x.svg", List.of());
    }

    private static StageResult result(String lane, int index, Stage stage, int errors) {
        StageRecorder recorder = new StageRecorder();
        for (int i = 0; i < 10; i++) {
            recorder.sent(0);
            if (i < errors) {
                recorder.answered(new ResponseFacts(503, null, null), 1_000_000L);
            } else {
                recorder.answered(new ResponseFacts(lane.equals("async") ? 202 : 200, lane.equals("async") ? null : new BigDecimal("0.001"),
                        lane.equals("async") ? null : "miss"), 100_000_000L);
            }
        }
        return recorder.result(lane, index, stage, 1_000_000_000L);
    }
}
