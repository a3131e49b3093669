package dev.llmfleet.common.metrics;

import io.prometheus.client.exemplars.ExemplarSampler;
import io.quarkus.micrometer.runtime.export.exemplars.OpentelemetryExemplarSamplerProvider;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Optional;

/**
 * Exemplars (a trace and span id after a sample in {@code /q/metrics}, which Grafana links to the trace) only where
 * traces are exported. With quarkus-opentelemetry present, Quarkus attaches the ids of whatever span is current even
 * with the SDK off (the default, {@code OTEL_SDK_DISABLED=true}): the worker's counters then pointed at traces no
 * backend has, on every scrape. With the SDK on, Quarkus' own sampler is used as it is.
 */
@Singleton
public class Exemplars {

    @Produces
    @Singleton
    @Alternative
    @Priority(1)
    Optional<ExemplarSampler> exemplarSampler(@ConfigProperty(name = "quarkus.otel.sdk.disabled") boolean sdkDisabled,
                                              OpentelemetryExemplarSamplerProvider quarkus) {
        return sdkDisabled ? Optional.empty() : quarkus.exemplarSampler();
    }
}
