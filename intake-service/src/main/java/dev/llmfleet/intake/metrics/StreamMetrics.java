package dev.llmfleet.intake.metrics;

import dev.llmfleet.common.config.Features;
import dev.llmfleet.common.pipeline.Lane;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.TimeUnit;

import static dev.llmfleet.common.metrics.MetricNames.TAG_FEATURE;
import static dev.llmfleet.common.metrics.MetricNames.TAG_LANE;
import static dev.llmfleet.common.metrics.MetricNames.TAG_MODEL;
import static dev.llmfleet.intake.metrics.IntakeMetricNames.STREAM_FIRST_BYTE;

/** Meters what the caller of a streamed completion waits for before the answer starts. */
@ApplicationScoped
public class StreamMetrics {
    private final MeterRegistry registry;
    private final Features features;

    public StreamMetrics(MeterRegistry registry, Features features) {
        this.registry = registry;
        this.features = features;
    }

    /** A stream of {@code feature} answered by {@code model} wrote its first chunk; the request arrived at {@code arrivedNanos}. */
    public void firstByte(String feature, String model, long arrivedNanos) {
        Timer.builder(STREAM_FIRST_BYTE).description("Time from a streamed request's arrival to its first chunk written to the caller")
                .tags(TAG_LANE, Lane.INTERACTIVE.json(), TAG_FEATURE, features.bounded(feature), TAG_MODEL, model == null ? "none" : model)
                .publishPercentileHistogram().register(registry).record(System.nanoTime() - arrivedNanos, TimeUnit.NANOSECONDS);
    }
}
