package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Reads {@code llm.usage} from the real broker and finds the events of given request ids. */
final class UsageEvents implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final Map<String, JsonNode> seen = new HashMap<>();

    UsageEvents(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "e2e-usage-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of("llm.usage"));
    }

    /** The events of {@code requestIds}, waiting up to 30 s for all of them. */
    Map<String, JsonNode> await(Set<String> requestIds) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!seen.keySet().containsAll(requestIds) && System.currentTimeMillis() < deadline) {
            for (var record : consumer.poll(Duration.ofMillis(200))) {
                try {
                    seen.put(record.key(), Http.JSON.readTree(record.value()));
                } catch (IOException e) {
                    throw new AssertionError("usage event is not JSON: " + record.value(), e);
                }
            }
        }
        Map<String, JsonNode> found = new HashMap<>();
        requestIds.forEach(id -> {
            if (!seen.containsKey(id)) {
                throw new AssertionError("no usage event for " + id + " within 30 s");
            }
            found.put(id, seen.get(id));
        });
        return found;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
