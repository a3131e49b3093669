package dev.llmfleet.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkloadTest {
    private static final List<String> LINES = List.of(
            "{\"id\":\"a1\",\"lane\":\"async\",\"feature\":\"product-enrich\",\"request\":{\"model\":\"m\",\"messages\":[]},\"expect\":\"ok\"}",
            "{\"id\":\"i1\",\"lane\":\"interactive\",\"feature\":\"support-chat\",\"request\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]},\"expect\":\"ok\"}",
            "{\"id\":\"i2\",\"lane\":\"interactive\",\"feature\":\"support-chat\",\"request\":{\"model\":\"m\",\"stream\":true},\"expect\":\"reject\"}",
            "",
            "{\"id\":\"i3\",\"lane\":\"interactive\",\"feature\":\"support-chat\",\"request\":{\"model\":\"m\",\"stream\":true},\"expect\":\"ok\"}");

    @TempDir
    Path dir;

    @Test
    void keepsTheLaneAskedForAndSkipsRejectsByDefault() throws IOException {
        Path file = write(LINES);

        Workload interactive = Workload.load(file, Workload.Lane.INTERACTIVE, false);

        assertThat(interactive.size()).isEqualTo(2);
        assertThat(interactive.get(0).id()).isEqualTo("i1");
        assertThat(interactive.get(0).feature()).isEqualTo("support-chat");
        assertThat(new String(interactive.get(0).body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(interactive.get(1).id()).isEqualTo("i3");
        assertThat(interactive.get(1).stream()).isTrue();
    }

    @Test
    void includesRejectsAndOtherLanesWhenAsked() throws IOException {
        Path file = write(LINES);

        assertThat(Workload.load(file, Workload.Lane.INTERACTIVE, true).size()).isEqualTo(3);
        assertThat(Workload.load(file, Workload.Lane.ASYNC, false).size()).isEqualTo(1);
        assertThat(Workload.load(file, Workload.Lane.ALL, false).size()).isEqualTo(3);
        assertThat(Workload.load(file, Workload.Lane.ALL, true).size()).isEqualTo(4);
    }

    @Test
    void replaysFromTheTopWhenExhausted() throws IOException {
        Workload interactive = Workload.load(write(LINES), Workload.Lane.INTERACTIVE, false);

        assertThat(List.of(interactive.get(2).id(), interactive.get(3).id(), interactive.get(5).id())).containsExactly("i1", "i3", "i3");
    }

    @Test
    void aMarkedCopyChangesEveryPromptButNothingElse() throws IOException {
        Workload interactive = Workload.load(write(LINES), Workload.Lane.INTERACTIVE, false);

        Workload marked = interactive.marked("warm-up");

        assertThat(new String(marked.get(0).body(), StandardCharsets.UTF_8))
                .isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"warm-up 1: hi\"}]}");
        assertThat(marked.get(0).feature()).isEqualTo("support-chat");
        assertThat(new String(marked.get(1).body(), StandardCharsets.UTF_8)).as("no messages: left as is")
                .isEqualTo("{\"model\":\"m\",\"stream\":true}");
    }

    @Test
    void failsOnAnEmptySelectionOrABadLine() throws IOException {
        Path asyncOnly = write(List.of(LINES.get(0)));
        assertThatThrownBy(() -> Workload.load(asyncOnly, Workload.Lane.INTERACTIVE, false)).hasMessageContaining("no lines");

        Path broken = write(List.of("{\"id\":\"x\",\"lane\":\"async\"}"));
        assertThatThrownBy(() -> Workload.load(broken, Workload.Lane.ALL, false)).hasMessageContaining(":1: no 'request'");
    }

    private Path write(List<String> lines) throws IOException {
        return Files.write(Files.createTempFile(dir, "workload", ".jsonl"), lines);
    }
}
