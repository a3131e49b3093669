package dev.llmfleet.worker.service;

import dev.llmfleet.common.jobs.Priority;
import dev.llmfleet.worker.config.WorkerConfig;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Smooth weighted round robin over the priorities (nginx's): among those that have work, each turn goes to the one
 * furthest behind its weight, so high goes first and bulk is never starved to zero, with no long runs of one priority.
 * It holds no lock: its caller serialises the calls.
 */
final class WeightedRoundRobin {
    private final Map<Priority, Integer> weights = new EnumMap<>(Priority.class);
    private final Map<Priority, Integer> current = new EnumMap<>(Priority.class);

    WeightedRoundRobin(WorkerConfig.Weights config) {
        weights.put(Priority.HIGH, config.high());
        weights.put(Priority.NORMAL, config.normal());
        weights.put(Priority.BULK, config.bulk());
        for (Priority priority : Priority.values()) {
            current.put(priority, 0);
        }
    }

    /** The priority whose turn it is among the {@code ready} ones; null when none is. */
    Priority next(Predicate<Priority> ready) {
        Priority best = null;
        int total = 0;
        for (Priority priority : Priority.values()) {
            if (!ready.test(priority)) {
                continue;
            }
            int weight = weights.get(priority);
            total += weight;
            current.put(priority, current.get(priority) + weight);
            if (best == null || current.get(priority) > current.get(best)) {
                best = priority;
            }
        }
        if (best != null) {
            current.put(best, current.get(best) - total);
        }
        return best;
    }
}
