package dev.llmfleet.loadtest;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StageTest {
    @Test
    void parsesAListOfStagesInAnyUnit() {
        List<Stage> stages = Stage.parseAll("200x30s, 500x2m,12.5x750ms");

        assertThat(stages).containsExactly(new Stage(200, Duration.ofSeconds(30)), new Stage(500, Duration.ofMinutes(2)),
                new Stage(12.5, Duration.ofMillis(750)));
        assertThat(stages).extracting(Stage::label).containsExactly("200x30s", "500x2m", "12.5x750ms");
    }

    @Test
    void schedulesOneRequestPerIntervalWithinTheDuration() {
        Stage stage = Stage.parse("200x30s");

        assertThat(stage.plannedRequests()).isEqualTo(6000);
        assertThat(stage.dueOffsetNanos(0)).isZero();
        assertThat(stage.dueOffsetNanos(1)).isEqualTo(5_000_000);
        assertThat(stage.dueOffsetNanos(200)).isEqualTo(1_000_000_000);
        assertThat(Stage.parse("3x1s").plannedRequests()).isEqualTo(3);
    }

    @Test
    void rejectsWhatIsNotAStage() {
        assertThatThrownBy(() -> Stage.parseAll("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Stage.parse("200")).hasMessageContaining("RATExDURATION");
        assertThatThrownBy(() -> Stage.parse("200x30h")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Stage.parse("0x30s")).hasMessageContaining("positive");
        assertThatThrownBy(() -> Stage.parse("10x0s")).hasMessageContaining("positive");
    }
}
