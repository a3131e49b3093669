package dev.llmfleet.loadtest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TargetTest {
    @Test
    void parsesNamedAndBareTargets() {
        Target intake = Target.parse("intake=http://127.0.0.1:8080/v1/");
        assertThat(intake.name()).isEqualTo("intake");
        assertThat(intake.completionsUri()).hasToString("http://127.0.0.1:8080/v1/chat/completions");

        Target bare = Target.parse("http://localhost:8090/v1");
        assertThat(bare.name()).isEqualTo("localhost:8090");
    }

    @Test
    void rejectsWhatIsNotAnHttpUrl() {
        assertThatThrownBy(() -> Target.parse("intake=localhost:8080")).hasMessageContaining("expected [name=]http");
    }
}
