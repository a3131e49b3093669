package dev.llmfleet.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmfleet.localstack.testing.NodeScript;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every manifest under k8s/ is valid against the Kubernetes OpenAPI and CRD schemas (KEDA, prometheus-operator,
 * Strimzi), every kustomization renders, and the rendered deployments agree with each other and with the code:
 * selectors, ports, probes, environment variables, topics, ACLs, autoscaling targets, Redis roles, shutdown times.
 * The checks themselves are {@code validate.mjs} in this module's directory.
 */
class KubernetesManifestsTest {

    @Test
    void manifestsAreValidAndAgreeWithTheCode() throws Exception {
        NodeScript.Run run = NodeScript.run(Path.of("").toAbsolutePath(), "kubernetes-models", "validate.mjs", Map.of(), 120);

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains(": 0 errors");
    }
}
