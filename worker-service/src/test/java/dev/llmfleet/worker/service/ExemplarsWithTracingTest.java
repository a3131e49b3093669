package dev.llmfleet.worker.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With tracing on, a sample taken within a sampled trace carries that trace as its exemplar (Quarkus' sampler), the
 * counterpart of {@link WorkerMetricsTest}'s check that it carries none with tracing off.
 */
@QuarkusTest
@TestProfile(ExemplarsWithTracingTest.TracingOn.class)
@WithTestResource(WorkerStack.class)
class ExemplarsWithTracingTest {
    /** The SDK on, nothing sampled of its own and nowhere to export to (no span is recorded here). */
    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.traces.exporter", "none");
        }
    }

    @Inject
    MeterRegistry registry;

    @Test
    void aCounterIncrementedWithinASampledTraceCarriesItAsItsExemplar() {
        String metrics = ExemplarProbe.countWithinASampledTraceAndScrape(registry);
        assertThat(metrics).containsPattern(Pattern.compile("^fleet_test_exemplar_probe_total\\{[^}]*} 1\\.0 "
                + "# \\{span_id=\"" + ExemplarProbe.SPAN_ID + "\",trace_id=\"" + ExemplarProbe.TRACE_ID + "\"}", Pattern.MULTILINE));
    }
}
