package dev.llmfleet.localstack.testing;

import dev.llmfleet.localstack.LocalStack;

/**
 * The Kafka and Redis a test JVM uses: the ones {@code ./fleet test} started for the whole run
 * (announced in {@code FLEET_TEST_KAFKA_BOOTSTRAP_SERVERS} and {@code FLEET_TEST_REDIS_URL}), or else
 * one local stack started on first use and stopped when the JVM exits.
 */
public final class SharedStack {
    private static Endpoints endpoints;

    /** Where the tests' Kafka and Redis are. */
    public record Endpoints(String kafkaBootstrapServers, String redisUrl) {
    }

    private SharedStack() {
    }

    public static synchronized Endpoints get() {
        if (endpoints == null) {
            String kafka = System.getenv("FLEET_TEST_KAFKA_BOOTSTRAP_SERVERS");
            String redis = System.getenv("FLEET_TEST_REDIS_URL");
            if (kafka != null && !kafka.isBlank() && redis != null && !redis.isBlank()) {
                endpoints = new Endpoints(kafka, redis);
            } else {
                LocalStack stack = LocalStack.start();
                Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "local-stack-shutdown"));
                endpoints = new Endpoints(stack.kafkaBootstrapServers(), stack.redisUrl());
            }
        }
        return endpoints;
    }
}
