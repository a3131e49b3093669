package dev.llmfleet.worker.service;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class WorkerShareTest {

    @Test
    void theLiveWorkersSplitWhatInteractiveTrafficAndTheReserveLeaveAndTogetherUseAllOfIt() {
        assertThat(WorkerShare.calls(10, 0, 2, 1, 0)).as("alone: all of it").isEqualTo(8);
        assertThat(WorkerShare.calls(10, 0, 2, 2, 0)).isEqualTo(4);
        assertThat(WorkerShare.calls(10, 0, 2, 2, 1)).isEqualTo(4);
        assertThat(IntStream.range(0, 3).map(rank -> WorkerShare.calls(10, 0, 2, 3, rank)).toArray())
                .as("the remainder goes to the first ranks").containsExactly(3, 3, 2);
        assertThat(WorkerShare.calls(40, 13, 2, 4, 3)).as("interactive load draws first").isEqualTo(6);
    }

    @Test
    void nothingLeftIsZeroAndAPositiveRoomNeverRoundsDownToZero() {
        assertThat(WorkerShare.calls(10, 8, 2, 2, 0)).isZero();
        assertThat(WorkerShare.calls(10, 12, 2, 2, 0)).as("interactive over the budget").isZero();
        assertThat(WorkerShare.calls(10, 7, 2, 3, 2)).as("one call left, three workers").isEqualTo(1);
    }
}
