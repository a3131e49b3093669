package dev.llmfleet.loadtest.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobSourceTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void uniqueJobsAreDistinctChatBodiesWithFeatureAndPriority() throws Exception {
        JobSource source = JobSource.unique("run1", new JobSource.Generated("openai/gpt-4o-mini", 60, "bulk-bench", "bulk"));
        Set<String> prompts = new HashSet<>();
        for (int i = 0; i < 5000; i++) {
            JsonNode job = MAPPER.readTree(source.job(i));
            prompts.add(job.at("/messages/0/content").asText());
            if (i == 0) {
                assertThat(job.get("model").asText()).isEqualTo("openai/gpt-4o-mini");
                assertThat(job.get("max_tokens").asInt()).isEqualTo(60);
                assertThat(job.get("feature").asText()).isEqualTo("bulk-bench");
                assertThat(job.get("priority").asText()).isEqualTo("bulk");
                assertThat(job.at("/messages/0/content").asText()).contains("run1").contains("item 0");
            }
        }
        assertThat(prompts).hasSize(5000);
        assertThat(JobSource.unique("run2", new JobSource.Generated("m/x", 1, "f", "bulk")).prompt(0)).isNotEqualTo(source.prompt(0));
    }

    @Test
    void batchIsJsonLines() throws Exception {
        JobSource source = JobSource.unique("r", new JobSource.Generated("m/x", 10, "f", "normal"));
        String[] lines = new String(source.batch(10, 13)).split("\n");
        assertThat(lines).hasSize(3);
        assertThat(MAPPER.readTree(lines[2]).at("/messages/0/content").asText()).contains("item 12");
    }

    @Test
    void workloadLinesOfTheLaneBecomeTaggedJobs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("w.jsonl");
        Files.writeString(file, """
                {"id":"1","lane":"async","feature":"doc-summarize","priority":"normal","request":{"model":"openai/gpt-4o","messages":[{"role":"user","content":"Sum A"}],"stream":true},"expect":"ok"}
                {"id":"2","lane":"interactive","feature":"support-chat","priority":"high","request":{"model":"openai/gpt-4o","messages":[{"role":"user","content":"Hi"}]},"expect":"ok"}
                {"id":"3","lane":"async","feature":"search-index","priority":"bulk","request":{"model":"nonexistent/x","messages":[{"role":"user","content":"bad"}]},"expect":"reject"}
                """);
        JobSource tagged = JobSource.fromWorkload("r9", file, "async", true, null);
        JsonNode first = MAPPER.readTree(tagged.job(0));
        JsonNode again = MAPPER.readTree(tagged.job(1));
        assertThat(first.get("feature").asText()).isEqualTo("doc-summarize");
        assertThat(first.get("priority").asText()).isEqualTo("normal");
        assertThat(first.has("stream")).isFalse();
        assertThat(first.at("/messages/0/content").asText()).isEqualTo("[r9 #0] Sum A");
        assertThat(again.at("/messages/0/content").asText()).isEqualTo("[r9 #1] Sum A");

        JobSource asIs = JobSource.fromWorkload("r9", file, "async", false, "bulk");
        assertThat(MAPPER.readTree(asIs.job(5)).at("/messages/0/content").asText()).isEqualTo("Sum A");
        assertThat(MAPPER.readTree(asIs.job(5)).get("priority").asText()).isEqualTo("bulk");

        assertThatThrownBy(() -> JobSource.fromWorkload("r", file, "nothing", true, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
