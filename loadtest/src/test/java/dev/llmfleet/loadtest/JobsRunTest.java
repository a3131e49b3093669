package dev.llmfleet.loadtest;

import dev.llmfleet.loadtest.jobs.Monitor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class JobsRunTest {
    private static Monitor.Tick tick(double t, long finished) {
        return new Monitor.Tick(t, 0, null, finished, finished, 0, 0, 0, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void steadyRateIsTheSlopeBetweenTenAndNinetyPercent() {
        // 100 jobs/s from t=10 s on, all 1000 done at t=20 s
        List<Monitor.Tick> series = List.of(tick(5, 0), tick(10, 0), tick(12, 200), tick(14, 400), tick(16, 600), tick(18, 800));
        assertThat(JobsRun.steadyRate(series, 1000, 20.0)).isCloseTo(100.0, within(1e-9));
    }

    @Test
    void noSteadyRateBeforeNinetyPercent() {
        assertThat(JobsRun.steadyRate(List.of(tick(2, 100), tick(4, 500)), 1000, null)).isNull();
        assertThat(JobsRun.steadyRate(List.of(), 0, null)).isNull();
    }
}
