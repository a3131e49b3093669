package dev.llmfleet.worker.service;

import dev.llmfleet.common.jobs.Priority;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static dev.llmfleet.common.jobs.Priority.BULK;
import static dev.llmfleet.common.jobs.Priority.HIGH;
import static dev.llmfleet.common.jobs.Priority.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;

class WeightedRoundRobinTest {
    private final WeightedRoundRobin turns = new WeightedRoundRobin(TestConfig.worker(Map.of()).weights());

    @Test
    void tenTurnsGoSixThreeOneAndSmoothly() {
        List<Priority> order = new ArrayList<>();
        Map<Priority, Integer> served = new EnumMap<>(Priority.class);
        for (int i = 0; i < 10; i++) {
            Priority next = turns.next(priority -> true);
            order.add(next);
            served.merge(next, 1, Integer::sum);
        }
        assertThat(served).containsEntry(HIGH, 6).containsEntry(NORMAL, 3).containsEntry(BULK, 1);
        assertThat(order).as("no priority takes more than two turns in a row")
                .containsExactly(HIGH, NORMAL, HIGH, HIGH, NORMAL, HIGH, BULK, HIGH, NORMAL, HIGH);
    }

    @Test
    void onlyPrioritiesWithWorkTakeTurns() {
        for (int i = 0; i < 5; i++) {
            assertThat(turns.next(priority -> priority == BULK)).isEqualTo(BULK);
        }
        assertThat(turns.next(priority -> false)).isNull();
    }
}
