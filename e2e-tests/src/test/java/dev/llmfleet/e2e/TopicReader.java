package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Reads a topic of the real broker from its start and finds the latest record of given keys (or key prefixes). */
final class TopicReader implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final Map<String, String> seen = new HashMap<>();

    TopicReader(String bootstrapServers, String topic) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "e2e-" + topic + "-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(topic));
    }

    /** The latest records of {@code keys} as JSON, waiting up to {@code timeout} for all of them. */
    Map<String, JsonNode> await(Set<String> keys, Duration timeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (!seen.keySet().containsAll(keys) && System.currentTimeMillis() < deadline) {
            poll();
        }
        Map<String, JsonNode> found = new HashMap<>();
        for (String key : keys) {
            String value = seen.get(key);
            if (value == null) {
                throw new AssertionError("no record for key " + key + " within " + timeout.toSeconds() + " s ("
                        + keys.stream().filter(seen::containsKey).count() + " of " + keys.size() + " seen)");
            }
            try {
                found.put(key, Http.JSON.readTree(value));
            } catch (IOException e) {
                found.put(key, Http.JSON.getNodeFactory().textNode(value));
            }
        }
        return found;
    }

    Map<String, JsonNode> await(Set<String> keys) {
        return await(keys, Duration.ofSeconds(30));
    }

    /** The records read so far whose key starts with one of {@code prefixes}, after reading what the topic holds now. */
    Map<String, JsonNode> withKeyPrefix(Collection<String> prefixes) {
        while (poll() > 0) {
            // drain what is there
        }
        Map<String, JsonNode> found = new HashMap<>();
        seen.forEach((key, value) -> {
            if (key != null && prefixes.stream().anyMatch(key::startsWith)) {
                try {
                    found.put(key, Http.JSON.readTree(value));
                } catch (IOException e) {
                    found.put(key, Http.JSON.getNodeFactory().textNode(value));
                }
            }
        });
        return found;
    }

    private int poll() {
        var records = consumer.poll(Duration.ofMillis(200));
        records.forEach(record -> seen.put(record.key(), record.value()));
        return records.count();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
