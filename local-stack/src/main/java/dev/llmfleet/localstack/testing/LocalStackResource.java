package dev.llmfleet.localstack.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Points a {@code @QuarkusTest} at the shared real Kafka and Redis (Dev Services need Docker, which is absent). */
public class LocalStackResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        SharedStack.Endpoints stack = SharedStack.get();
        return Map.of(
                "kafka.bootstrap.servers", stack.kafkaBootstrapServers(),
                "quarkus.redis.hosts", stack.redisUrl());
    }

    @Override
    public void stop() {
        // the stack outlives one test class: it is shared by the whole run and stopped at JVM exit
    }
}
