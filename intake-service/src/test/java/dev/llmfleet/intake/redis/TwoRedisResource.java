package dev.llmfleet.intake.redis;

import dev.llmfleet.intake.faults.OwnNodes;
import dev.llmfleet.localstack.RedisNode;
import dev.llmfleet.localstack.testing.SharedStack;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** The shared Kafka, and a Redis of its own for each role, so that a test can stop one role's Redis. */
public class TwoRedisResource implements QuarkusTestResourceLifecycleManager {
    static RedisNode state;
    static RedisNode cache;

    @Override
    public Map<String, String> start() {
        state = OwnNodes.redis("two-redis-state");
        cache = OwnNodes.redis("two-redis-cache");
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
