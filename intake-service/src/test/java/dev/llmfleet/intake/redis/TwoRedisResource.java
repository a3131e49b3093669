package dev.llmfleet.intake.redis;

import dev.llmfleet.localstack.RedisNode;
import dev.llmfleet.localstack.testing.SharedStack;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The shared Kafka, and a Redis of its own for each role, so that a test can stop one role's Redis. */
public class TwoRedisResource implements QuarkusTestResourceLifecycleManager {
    static RedisNode state;
    static RedisNode cache;

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory("llm-fleet-two-redis-");
            state = RedisNode.start(dir.resolve("state"));
            cache = RedisNode.start(dir.resolve("cache"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "kafka.bootstrap.servers", SharedStack.get().kafkaBootstrapServers(),
                "quarkus.redis.hosts", state.url(),
                "quarkus.redis.cache.hosts", cache.url());
    }

    @Override
    public void stop() {
        state.close();
        cache.close();
    }
}
