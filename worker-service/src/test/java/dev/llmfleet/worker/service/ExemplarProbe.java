package dev.llmfleet.worker.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import io.restassured.RestAssured;

/**
 * What {@link WorkerMetricsTest} and {@link ExemplarsWithTracingTest} look for an exemplar on: the counter
 * {@code fleet_test_exemplar_probe} incremented once within a sampled trace ({@link #TRACE_ID}, {@link #SPAN_ID}).
 */
final class ExemplarProbe {
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String SPAN_ID = "00f067aa0ba902b7";

    private ExemplarProbe() {
    }

    /** Increments the probe within the sampled trace and returns the service's {@code /q/metrics} page after it. */
    static String countWithinASampledTraceAndScrape(MeterRegistry registry) {
        SpanContext sampled = SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault());
        try (Scope ignored = Span.wrap(sampled).makeCurrent()) {
            registry.counter("fleet_test_exemplar_probe").increment();
        }
        return RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
    }
}
