package dev.llmfleet.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmfleet.localstack.testing.Command;
import dev.llmfleet.localstack.testing.NodePackage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every manifest under k8s/ is valid against the Kubernetes OpenAPI and CRD schemas (KEDA, prometheus-operator,
 * Strimzi), every kustomization renders, and the rendered deployments agree with each other and with the code:
 * selectors, ports, probes, environment variables, topics, ACLs, autoscaling targets, Redis roles, shutdown times.
 * The checks themselves are {@code validate.mjs} in this module's directory (a Node package).
 */
class KubernetesManifestsTest {

    @Test
    void manifestsAreValidAndAgreeWithTheCode() throws Exception {
        NodePackage validator = new NodePackage(Path.of("").toAbsolutePath(), "kubernetes-models");
        String node = validator.nodeVersion();
        validator.install();

        Command.Result run = validator.node(List.of("validate.mjs"), Map.of(), Duration.ofSeconds(120));

        assertThat(run.exitCode()).as("node %s\n%s", node, run.output()).isZero();
        assertThat(run.stdout()).contains(": 0 errors");
    }
}
