package dev.llmfleet.e2e;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.localstack.testing.Command;
import dev.llmfleet.localstack.testing.NodePackage;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The series selectors of PromQL expressions, parsed by Prometheus' own PromQL grammar (@prometheus-io/lezer-promql)
 * in the Node package {@code k8s/monitoring/promql-selectors}.
 */
final class PromqlSelectors {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One selector: the index of its expression, its metric name (null when it has none) and the labels it matches on. */
    record Selector(int expression, String metric, List<String> labels) {
    }

    private PromqlSelectors() {
    }

    static List<Selector> of(Path repository, List<String> expressions) throws IOException, InterruptedException {
        NodePackage tool = new NodePackage(repository.resolve("k8s/monitoring/promql-selectors"), "@prometheus-io/lezer-promql");
        tool.install();
        List<String> arguments = new ArrayList<>();
        arguments.add("selectors.mjs");
        arguments.addAll(expressions);
        Command.Result listed = tool.node(arguments, Map.of(), Duration.ofSeconds(60));
        if (listed.exitCode() != 0) {
            throw new IllegalStateException("promql-selectors failed:\n" + listed.output());
        }
        return JSON.readValue(listed.stdout(), new TypeReference<>() {
        });
    }
}
