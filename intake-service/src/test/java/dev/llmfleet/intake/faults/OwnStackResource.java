package dev.llmfleet.intake.faults;

import dev.llmfleet.localstack.KafkaBroker;
import dev.llmfleet.localstack.RedisNode;
import io.quarkus.test.kafka.KafkaCompanionResource;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

import java.util.Map;

/**
 * A Kafka broker and a Redis of a fault test's own (stopping the shared ones would break every other test), which the
 * test stops and restarts on the same ports, as an outage does. A field annotated {@code @InjectKafkaCompanion} gets a
 * Kafka companion on that broker: this resource is a {@link KafkaCompanionResource} that starts no container.
 */
public class OwnStackResource extends KafkaCompanionResource {
    private static KafkaBroker kafka;
    private static RedisNode redis;

    public static KafkaBroker kafka() {
        return kafka;
    }

    public static RedisNode redis() {
        return redis;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        // no container: the broker is the one start() runs
    }

    @Override
    public Map<String, String> start() {
        redis = OwnNodes.redis("own-stack-redis");
        kafka = OwnNodes.kafka("own-stack-kafka");
        kafkaCompanion = new KafkaCompanion(kafka.bootstrapServers());
        return Map.of(
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "quarkus.redis.hosts", redis.url(),
                // a usage event whose forwarding failed while Kafka was down is retried soon after it is back
                "fleet.usage.outbox.retry-after", "3s");
    }

    @Override
    public void stop() {
        super.stop(); // closes the companion
        kafka.close();
        redis.close();
    }
}
