package dev.llmfleet.intake.faults;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Points a {@code @QuarkusTest} at an {@link OwnStack}, which its tests reach through {@link #stack()}. */
public class OwnStackResource implements QuarkusTestResourceLifecycleManager {
    private static OwnStack stack;

    public static OwnStack stack() {
        return stack;
    }

    @Override
    public Map<String, String> start() {
        stack = OwnStack.start();
        return Map.of(
                "kafka.bootstrap.servers", stack.kafkaBootstrapServers(),
                "quarkus.redis.hosts", stack.redisUrl());
    }

    @Override
    public void stop() {
        stack.close();
    }
}
