package dev.llmfleet.loadtest;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class StageRecorderTest {
    private static final Stage STAGE = new Stage(10, Duration.ofSeconds(1));

    @Test
    void summarisesLatencyErrorsCostAndCache() {
        StageRecorder recorder = new StageRecorder();
        for (int i = 1; i <= 8; i++) {
            recorder.sent(0);
        }
        recorder.sent(3_000_000);
        recorder.sent(0);
        for (int i = 1; i <= 6; i++) {
            recorder.answered(new ResponseFacts(200, new BigDecimal("0.001"), "miss"), i * 10_000_000L);
        }
        recorder.answered(new ResponseFacts(200, BigDecimal.ZERO, "hit"), 1_000_000L);
        recorder.answered(new ResponseFacts(200, BigDecimal.ZERO, "hit"), 1_000_000L);
        recorder.answered(new ResponseFacts(500, BigDecimal.ZERO, null), 2_000_000L);
        recorder.failed("timeout");

        StageResult result = recorder.result("intake", 1, STAGE, 2_000_000_000L);

        assertThat(result.sent()).isEqualTo(10);
        assertThat(result.completed()).isEqualTo(10);
        assertThat(result.ok()).isEqualTo(8);
        assertThat(result.errors()).isEqualTo(2);
        assertThat(result.errorRate()).isEqualTo(0.2);
        assertThat(result.errorsByStatus()).containsEntry("500", 1L).containsEntry("timeout", 1L);
        assertThat(result.latencyP50Ms()).isCloseTo(20.0, org.assertj.core.data.Offset.offset(0.1));
        assertThat(result.latencyMaxMs()).isCloseTo(60.0, org.assertj.core.data.Offset.offset(0.1));
        assertThat(result.achievedRate()).isEqualTo(4.0);
        assertThat(result.maxSendLagMs()).isEqualTo(3.0);
        assertThat(result.chargedUsd()).isEqualByComparingTo("0.006");
        assertThat(result.chargedUsdPerRequest()).isEqualByComparingTo("0.00075");
        assertThat(result.cacheHitRatio()).isEqualTo(0.25);
        assertThat(result.label()).isEqualTo("10x1s");
    }

    @Test
    void countsUnansweredRequestsAsUnfinishedAndIgnoresLateAnswers() {
        StageRecorder recorder = new StageRecorder();
        recorder.sent(0);
        recorder.sent(0);
        recorder.answered(new ResponseFacts(200, new BigDecimal("0.002"), null), 1_000_000L);

        assertThat(recorder.close()).isEqualTo(1);
        recorder.answered(new ResponseFacts(200, new BigDecimal("0.002"), null), 1_000_000L);
        StageResult result = recorder.result("direct", 2, STAGE, 1_000_000_000L);

        assertThat(result.ok()).isEqualTo(1);
        assertThat(result.errorsByStatus()).containsExactlyEntriesOf(java.util.Map.of("unfinished", 1L));
        assertThat(result.chargedUsd()).isEqualByComparingTo("0.002");
        assertThat(result.cacheHitRatio()).as("the provider sends no cache header").isNull();
    }

    @Test
    void anEmptyStageHasNoLatencyAndNoCost() {
        StageResult result = new StageRecorder().result("t", 1, STAGE, 1_000_000_000L);

        assertThat(result.latencyP50Ms()).isNull();
        assertThat(result.chargedUsdPerRequest()).isEqualByComparingTo("0");
        assertThat(result.errorRate()).isZero();
    }

    @Test
    void givesP95AndTheTimeToFirstTokenOfStreamsOnly() {
        StageRecorder recorder = new StageRecorder();
        for (int i = 1; i <= 100; i++) {
            recorder.sent(0);
            recorder.answered(new ResponseFacts(200, new BigDecimal("0.001"), "miss"), i * 1_000_000L, i <= 10 ? i * 100_000L : -1);
        }

        StageResult result = recorder.result("interactive", 1, STAGE, 1_000_000_000L);

        assertThat(result.latencyP95Ms()).isCloseTo(95.0, org.assertj.core.data.Offset.offset(0.1));
        assertThat(result.streams()).isEqualTo(10);
        assertThat(result.ttftP50Ms()).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.01));
        assertThat(result.ttftP99Ms()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(new StageRecorder().result("t", 1, STAGE, 1).ttftP50Ms()).as("no streams, no time to first token").isNull();
    }

    @Test
    void progressShowsTheStageSoFar() {
        StageRecorder recorder = new StageRecorder();
        for (int i = 0; i < 4; i++) {
            recorder.sent(0);
        }
        recorder.answered(new ResponseFacts(200, new BigDecimal("0.003"), "miss"), 5_000_000L);
        recorder.answered(new ResponseFacts(200, BigDecimal.ZERO, "hit"), 1_000_000L);
        recorder.answered(new ResponseFacts(429, null, null), 1_000_000L);

        StageRecorder.Progress p = recorder.progress();

        assertThat(p.sent()).isEqualTo(4);
        assertThat(p.ok()).isEqualTo(2);
        assertThat(p.errors()).isEqualTo(1);
        assertThat(p.latencyP99Ms()).isCloseTo(5.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(p.chargedPerRequest()).isEqualByComparingTo("0.0015");
        assertThat(new StageRecorder().progress().latencyP99Ms()).isNull();
    }
}
