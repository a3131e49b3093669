package dev.llmfleet.common.usage;

import dev.llmfleet.common.config.Features;
import dev.llmfleet.common.messaging.UsageRecorded;
import dev.llmfleet.common.pipeline.Lane;
import dev.llmfleet.common.tracing.Traces;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.llmfleet.common.metrics.MetricNames.*;

/**
 * Publishes every usage event to {@code llm.usage} and meters it; no event is ever dropped silently. The
 * caller never waits: the event goes to Kafka in the background, and an event Kafka does not acknowledge (a failed
 * or timed-out send, or more than {@link #IN_FLIGHT_LIMIT} sends already waiting) goes to the outbox on the
 * state Redis instead, from where {@link UsageForwarder} delivers it once Kafka is back (at least once; billing
 * counts an event id once). {@code fleet.usage.undelivered} shows what is not delivered yet.
 */
@ApplicationScoped
public class UsageRecorder {
    /** Sends awaiting Kafka's ack at most; past it events go straight to the outbox (the emitter's buffer is never full). */
    static final int IN_FLIGHT_LIMIT = 10_000;

    private final MutinyEmitter<UsageRecorded> emitter;
    private final UsageOutbox outbox;
    private final MeterRegistry registry;
    private final Features features;
    private final Duration sendTimeout;
    private final AtomicInteger inFlight = new AtomicInteger();

    public UsageRecorder(@Channel("llm-usage") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = IN_FLIGHT_LIMIT) MutinyEmitter<UsageRecorded> emitter,
                         UsageOutbox outbox, MeterRegistry registry, Features features, UsageConfig usageConfig) {
        this.emitter = emitter;
        this.outbox = outbox;
        this.registry = registry;
        this.features = features;
        this.sendTimeout = usageConfig.sendTimeout();
        Gauge.builder(USAGE_UNDELIVERED, this, r -> r.inFlight.get() + r.outbox.writing()).tag(TAG_STAGE, "in_flight")
                .description("Usage events not yet acknowledged by Kafka: this instance's sends and outbox writes (in_flight), the fleet's outbox (outbox)")
                .register(registry);
        Gauge.builder(USAGE_UNDELIVERED, outbox, UsageOutbox::length).tag(TAG_STAGE, "outbox")
                .description("Usage events not yet acknowledged by Kafka: this instance's sends and outbox writes (in_flight), the fleet's outbox (outbox)")
                .register(registry);
    }

    /** Meters {@code usage} and sends it (as part of the current trace); returns at once, never fails. */
    public void record(UsageRecorded usage) {
        meter(usage);
        Context trace = Context.current();
        if (inFlight.incrementAndGet() > IN_FLIGHT_LIMIT) {
            inFlight.decrementAndGet();
            outbox.keep(usage, trace, "in_flight_limit");
            return;
        }
        deliver(usage, trace).subscribe().with(
                acked -> inFlight.decrementAndGet(),
                failure -> {
                    inFlight.decrementAndGet();
                    outbox.keep(usage, trace, "send_failed");
                });
    }

    /**
     * Sends {@code usage} to Kafka as part of {@code trace} (its {@code traceparent} header); completes once Kafka
     * acknowledged it, fails when it did not within the send timeout.
     */
    Uni<Void> deliver(UsageRecorded usage, Context trace) {
        Message<UsageRecorded> message = Message.of(usage)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(usage.eventId()).build())
                .addMetadata(Traces.of(trace));
        return Uni.createFrom().deferred(() -> emitter.sendMessage(message)).ifNoItem().after(sendTimeout).fail();
    }

    public void rejected(Lane lane, String feature, String code) {
        registry.counter(REJECTED, TAG_LANE, lane.json(), TAG_FEATURE, features.bounded(feature), TAG_CODE, code).increment();
    }

    public void rerouted(Lane lane, String feature, String model, String reason) {
        registry.counter(REROUTED, TAG_LANE, lane.json(), TAG_FEATURE, features.bounded(feature), TAG_MODEL, model, TAG_REASON, reason).increment();
    }

    /** A request's outcome as its caller saw it (once per request, however many provider calls it took). */
    public void completed(Lane lane, String feature, String model, String outcome, long latencyMs) {
        Timer.builder(COMPLETION_LATENCY).description("Latency of a completion as the caller sees it")
                .tags(TAG_LANE, lane.json(), TAG_FEATURE, features.bounded(feature), TAG_MODEL, model == null ? "none" : model, TAG_OUTCOME, outcome)
                .publishPercentileHistogram().register(registry).record(Duration.ofMillis(latencyMs));
    }

    private void meter(UsageRecorded usage) {
        String feature = features.bounded(usage.feature());
        String model = usage.modelUsed() == null ? "none" : usage.modelUsed();
        if (usage.cacheHit()) {
            Counter.builder(CACHE_SAVED).baseUnit(USD).description("USD the cache saved")
                    .tags(TAG_LANE, usage.lane(), TAG_FEATURE, feature, TAG_MODEL, model).register(registry)
                    .increment(usage.savedUsd() == null ? 0 : usage.savedUsd().doubleValue());
            return;
        }
        if (usage.callNumber() == 0) {
            return;
        }
        Counter.builder(PROVIDER_REQUESTS).description("Provider calls made (each retry and fallback counted), by outcome")
                .tags(TAG_LANE, usage.lane(), TAG_FEATURE, feature, TAG_MODEL, model, TAG_OUTCOME, usage.status())
                .register(registry).increment();
        Counter.builder(CHARGED).baseUnit(USD).description("USD the provider charged")
                .tags(TAG_LANE, usage.lane(), TAG_FEATURE, feature, TAG_MODEL, model).register(registry)
                .increment(usage.chargedUsd().doubleValue());
        Counter.builder(TOKENS).description("Tokens by direction").tags(TAG_LANE, usage.lane(), TAG_FEATURE, feature,
                TAG_MODEL, model, TAG_DIRECTION, "prompt").register(registry).increment(usage.promptTokens());
        Counter.builder(TOKENS).description("Tokens by direction").tags(TAG_LANE, usage.lane(), TAG_FEATURE, feature,
                TAG_MODEL, model, TAG_DIRECTION, "completion").register(registry).increment(usage.completionTokens());
    }

    /** Counts a cache lookup. */
    public void cacheLookup(Lane lane, String feature, String result) {
        Counter.builder(CACHE_REQUESTS).description("Cache lookups by result")
                .tags(TAG_LANE, lane.json(), TAG_FEATURE, features.bounded(feature), TAG_RESULT, result).register(registry).increment();
    }
}
