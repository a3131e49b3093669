package dev.llmfleet.worker.service;

/**
 * One worker's share of the provider's concurrency budget: what the interactive lane's load and its reserve leave of
 * the budget, split evenly among the live workers, so together they never take more than the fleet may have in flight.
 * The remainder of the split goes one call each to the workers ranked first, so the whole room is used.
 */
final class WorkerShare {
    private WorkerShare() {
    }

    /**
     * Provider calls the worker of {@code rank} (0-based, among {@code workers} live ones) may have in flight: 0 when
     * nothing is left for the async lane, otherwise at least 1.
     */
    static int calls(int budget, int interactive, int reserve, int workers, int rank) {
        int free = budget - interactive - reserve;
        if (free <= 0) {
            return 0;
        }
        int live = Math.max(1, workers);
        int share = free / live + (rank < free % live ? 1 : 0);
        return Math.max(1, share);
    }
}
