package dev.llmfleet.localstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyTargetIsAJobScrapedAtQMetricsWithTheNamespaceLabel() throws Exception {
        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("intake-service", "http://127.0.0.1:8080");
        targets.put("worker-service", "http://127.0.0.1:8081");
        JsonNode config = JSON.readTree(PrometheusServer.config(targets, Path.of("no/such/rules.yml"), Duration.ofSeconds(5)));

        assertThat(config.at("/global/scrape_interval").asText()).isEqualTo("5000ms");
        assertThat(config.has("rule_files")).as("no rules file, no rule_files").isFalse();
        assertThat(config.get("scrape_configs")).hasSize(2);
        JsonNode worker = config.get("scrape_configs").get(1);
        assertThat(worker.get("job_name").asText()).isEqualTo("worker-service");
        assertThat(worker.get("metrics_path").asText()).isEqualTo("/q/metrics");
        assertThat(worker.at("/static_configs/0/targets/0").asText()).isEqualTo("127.0.0.1:8081");
        assertThat(worker.at("/static_configs/0/labels/namespace").asText()).isEqualTo(PrometheusServer.NAMESPACE);
    }

    @Test
    void anExistingRulesFileIsLoaded(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(dir.resolve("rules.yml"), "groups: []\n");
        JsonNode config = JSON.readTree(PrometheusServer.config(Map.of("billing-service", "http://127.0.0.1:8082"), rules, Duration.ofSeconds(1)));

        assertThat(config.at("/rule_files/0").asText()).isEqualTo(rules.toAbsolutePath().toString());
    }
}
