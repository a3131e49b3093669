package dev.llmfleet.common.usage;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How usage events reach {@code llm.usage} even through a Kafka outage (see {@link UsageRecorder}). */
@ConfigMapping(prefix = "fleet.usage")
public interface UsageConfig {
    /** Longest a send may wait for Kafka's acknowledgement before the event goes to the outbox (a later ack only duplicates it). */
    @WithDefault("30s")
    Duration sendTimeout();

    /** The outbox on the state Redis. */
    Outbox outbox();

    interface Outbox {
        /** The Redis stream holding events Kafka did not take. */
        @WithDefault("fleet:usage:outbox:v1")
        String key();

        /** Whether this service forwards the outbox to Kafka (every service recording usage does). */
        @WithDefault("true")
        boolean forward();

        /** How often the forwarder looks at the outbox. */
        @WithDefault("1s")
        Duration forwardEvery();

        /** Events one forwarder round sends at most (in parallel). */
        @WithDefault("256")
        int batch();

        /** An entry a forwarder took and did not deliver (Kafka still down, or the forwarder died) is retried after this. */
        @WithDefault("30s")
        Duration retryAfter();
    }
}
