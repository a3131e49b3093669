package dev.llmfleet.worker.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker's gauges registered at boot are exported at {@code /q/metrics} under the series names docs/METRICS.md
 * gives dashboards (the counters, the limiter's and the runner's gauges appear only once those beans are first used).
 */
@QuarkusTest
@WithTestResource(WorkerStack.class)
class WorkerMetricsTest {
    @Inject
    MeterRegistry registry;

    @Test
    void theGaugesRegisteredAtBootAreExportedUnderTheirDocumentedNames() {
        String metrics = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        for (String series : new String[]{"fleet_worker_async_share", "fleet_worker_provider_key_refused",
                "fleet_worker_instances_live", "fleet_worker_interactive_in_flight"}) {
            assertThat(metrics).as(series).containsPattern(
                    Pattern.compile("^" + series + "\\{[^}]*application=\"worker-service\"[^}]*} ", Pattern.MULTILINE));
        }
    }

    /** With tracing off (the default) a sample carries no exemplar: its trace and span ids would lead to no stored trace. */
    @Test
    void aCounterIncrementedWithinASampledTraceCarriesNoExemplarWhileTracingIsOff() {
        String metrics = ExemplarProbe.countWithinASampledTraceAndScrape(registry);
        assertThat(metrics).containsPattern(Pattern.compile("^fleet_test_exemplar_probe_total\\{[^}]*} 1\\.0$", Pattern.MULTILINE));
    }
}
