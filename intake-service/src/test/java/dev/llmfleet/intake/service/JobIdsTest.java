package dev.llmfleet.intake.service;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JobIdsTest {

    @Test
    void idsAreDerivedScopedAndWellFormed() {
        String key = JobIds.forKey("default", "order-1");
        assertThat(key).matches("job_[0-9a-f]{32}").isEqualTo(JobIds.forKey("default", "order-1"))
                .isEqualTo("job_" + JobIds.sha256("default\u0000order-1").substring(0, 32))
                .isNotEqualTo(JobIds.forKey("other", "order-1"));
        String input = JobIds.forInput("default", "doc-summarize", "fleet:cache:v1:abc");
        assertThat(input).matches("job_[0-9a-f]{32}")
                .isNotEqualTo(JobIds.forInput("default", "support-chat", "fleet:cache:v1:abc"))
                .isNotEqualTo(JobIds.forInput("default", "doc-summarize", "fleet:cache:v1:abd"));
        assertThat(JobIds.wellFormed(input)).isTrue();
        assertThat(JobIds.wellFormed("job_../../etc")).isFalse();
        assertThat(JobIds.wellFormed(null)).isFalse();
    }
}
