package dev.llmfleet.common.provider;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The retry budget's sliding window: ratio of requests plus a floor, one-second buckets, the fleet's totals after a sync. */
class RetryBudgetTest {
    private static final double RATIO = 0.2;
    private static final double FLOOR = 10; // 1 per second over 10 s

    @Test
    void extraCallsStayWithinTheRatioOfRequestsPlusTheFloor() {
        RetryBudget.ModelWindow window = new RetryBudget.ModelWindow(10);
        long now = 1_000;
        for (int i = 0; i < 100; i++) {
            window.add(now, 1, 0);
        }
        assertThat(allowed(window, now, 1_000)).isEqualTo(30);
    }

    @Test
    void countsOlderThanTheWindowNoLongerCount() {
        RetryBudget.ModelWindow window = new RetryBudget.ModelWindow(10);
        for (int i = 0; i < 100; i++) {
            window.add(1_000, 1, 0);
        }
        assertThat(allowed(window, 1_000, 1_000)).isEqualTo(30);
        assertThat(allowed(window, 1_005, 10)).as("the same window: spent").isZero();
        assertThat(allowed(window, 1_010, 1_000)).as("a window later only the floor is left").isEqualTo(10);
    }

    @Test
    void afterASyncTheFleetsCallsCount() {
        RetryBudget.ModelWindow window = new RetryBudget.ModelWindow(10);
        window.add(1_000, 10, 0);
        long[] unsynced = window.unsynced();
        // the fleet's buckets, this instance's 10 requests included: 1000 requests, 200 extra calls already made elsewhere
        window.synced(unsynced, 1_000, 200, 1_000);
        assertThat(window.unsynced()).containsExactly(0, 0);
        assertThat(allowed(window, 1_001, 1_000)).as("0.2 × 1000 + 10 − 200").isEqualTo(10);
    }

    @Test
    void aSyncThatFailsForLongFallsBackToTheInstancesOwnCounts() {
        RetryBudget.ModelWindow window = new RetryBudget.ModelWindow(10);
        window.add(1_000, 10, 0);
        window.synced(window.unsynced(), 10_000, 0, 1_000);
        window.syncFailed(1_005);
        assertThat(allowed(window, 1_005, 10_000)).as("fleet totals older than 2 s are not trusted: 0.2 × 10 + 10").isEqualTo(12);
    }

    private static int allowed(RetryBudget.ModelWindow window, long now, int asks) {
        int allowed = 0;
        for (int i = 0; i < asks; i++) {
            if (window.tryExtra(now, RATIO, FLOOR)) {
                allowed++;
            }
        }
        return allowed;
    }
}
