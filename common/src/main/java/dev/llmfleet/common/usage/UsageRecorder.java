package dev.llmfleet.common.usage;

import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.messaging.UsageRecorded;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.time.Duration;

import static dev.llmfleet.common.metrics.MetricNames.*;

/**
 * Publishes every usage event to {@code llm.usage} and meters it. Sending is fire-and-forget: the
 * caller's answer never waits for Kafka; a failed send is logged and counted, never thrown at them.
 */
@ApplicationScoped
public class UsageRecorder {
    private static final Logger LOG = Logger.getLogger(UsageRecorder.class);

    private final MutinyEmitter<UsageRecorded> emitter;
    private final MeterRegistry registry;
    private final FleetConfig config;

    public UsageRecorder(@Channel("llm-usage") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 20_000) MutinyEmitter<UsageRecorded> emitter, MeterRegistry registry, FleetConfig config) {
        this.emitter = emitter;
        this.registry = registry;
        this.config = config;
    }

    public void record(UsageRecorded usage) {
        meter(usage);
        Message<UsageRecorded> message = Message.of(usage)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(usage.eventId()).build())
                .withNack(e -> {
                    registry.counter(USAGE_UNPUBLISHED).increment();
                    LOG.errorf("usage event %s not published: %s", usage.eventId(), e.toString());
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                });
        emitter.sendMessageAndForget(message);
    }

    /** A feature name as a metric tag: configured features by name, anything else as {@code other} (tags stay bounded). */
    public String featureTag(String feature) {
        return feature.equals(config.defaultFeature()) || config.features().containsKey(feature) ? feature : "other";
    }

    public void rejected(String lane, String feature, String code) {
        registry.counter(REJECTED, TAG_LANE, lane, TAG_FEATURE, featureTag(feature), TAG_CODE, code).increment();
    }

    public void rerouted(String lane, String feature, String model, String reason) {
        registry.counter(REROUTED, TAG_LANE, lane, TAG_FEATURE, featureTag(feature), TAG_MODEL, model, TAG_REASON, reason).increment();
    }

    /** A request's outcome as its caller saw it (once per request, however many provider calls it took). */
    public void completed(String lane, String feature, String model, String outcome, long latencyMs) {
        Timer.builder(COMPLETION_LATENCY).description("Latency of a completion as the caller sees it")
                .tags(TAG_LANE, lane, TAG_FEATURE, featureTag(feature), TAG_MODEL, model == null ? "none" : model, TAG_OUTCOME, outcome)
                .publishPercentileHistogram().register(registry).record(Duration.ofMillis(latencyMs));
    }

    private void meter(UsageRecorded usage) {
        String feature = featureTag(usage.feature());
        String model = usage.modelUsed() == null ? "none" : usage.modelUsed();
        if (usage.cacheHit()) {
            Counter.builder(CACHE_SAVED).baseUnit(USD).description("USD the cache saved")
                    .tags(TAG_LANE, usage.lane(), TAG_FEATURE, feature, TAG_MODEL, model).register(registry)
                    .increment(usage.savedUsd() == null ? 0 : usage.savedUsd().doubleValue());
            return;
        }
        if (usage.attempt() == 0) {
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
    public void cacheLookup(String lane, String feature, String result) {
        Counter.builder(CACHE_REQUESTS).description("Cache lookups by result")
                .tags(TAG_LANE, lane, TAG_FEATURE, featureTag(feature), TAG_RESULT, result).register(registry).increment();
    }
}
