package dev.llmfleet.intake.faults;

import dev.llmfleet.localstack.KafkaBroker;
import dev.llmfleet.localstack.RedisNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * Redis servers and Kafka brokers a test resource runs of its own, so that its tests can stop and restart them without
 * breaking every other test on the shared ones; each in a fresh temporary directory.
 */
public final class OwnNodes {
    private OwnNodes() {
    }

    public static RedisNode redis(String name) {
        try {
            return RedisNode.start(Files.createTempDirectory("llm-fleet-" + name + "-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A broker with the fleet's topics created. */
    public static KafkaBroker kafka(String name) {
        try {
            KafkaBroker kafka = KafkaBroker.start(Files.createTempDirectory("llm-fleet-" + name + "-"));
            kafka.createTopics();
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
