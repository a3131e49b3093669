package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Reads a topic of the real broker from its start (a Kafka companion consumer that keeps reading until closed) and
 * finds the latest record of given keys (or key prefixes).
 */
final class TopicReader implements AutoCloseable {
    private static final Duration CATCH_UP = Duration.ofSeconds(30);
    private final KafkaCompanion companion;
    private final List<TopicPartition> partitions;
    private final ConsumerTask<String, String> reading;

    TopicReader(String bootstrapServers, String topic) {
        companion = new KafkaCompanion(bootstrapServers, Duration.ofSeconds(30));
        partitions = companion.topics().describe(topic).get(topic).partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        reading = companion.consumeStrings().withGroupId("e2e-" + topic + "-" + UUID.randomUUID()).fromTopics(topic);
    }

    /** The latest records of {@code keys} as JSON, waiting up to {@code timeout} for all of them. */
    Map<String, JsonNode> await(Set<String> keys, Duration timeout) {
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> latest().keySet().containsAll(keys));
        } catch (ConditionTimeoutException e) {
            // the missing key is named below
        }
        Map<String, String> seen = latest();
        Map<String, JsonNode> found = new HashMap<>();
        for (String key : keys) {
            String value = seen.get(key);
            if (value == null) {
                throw new AssertionError("no record for key " + key + " within " + timeout.toSeconds() + " s ("
                        + keys.stream().filter(seen::containsKey).count() + " of " + keys.size() + " seen)");
            }
            found.put(key, json(value));
        }
        return found;
    }

    Map<String, JsonNode> await(Set<String> keys) {
        return await(keys, Duration.ofSeconds(30));
    }

    /** The records read so far whose key starts with one of {@code prefixes}, after reading what the topic holds now. */
    Map<String, JsonNode> withKeyPrefix(Collection<String> prefixes) {
        Map<TopicPartition, Long> end = companion.offsets().list(partitions).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        // the last record of each partition is at its end offset - 1 (no transactions write these topics)
        Awaitility.await().atMost(CATCH_UP).pollInterval(Duration.ofMillis(100)).until(() -> {
            Map<TopicPartition, Long> read = reading.latestOffsets();
            return end.entrySet().stream().allMatch(e -> e.getValue() == 0 || read.getOrDefault(e.getKey(), -1L) >= e.getValue() - 1);
        });
        Map<String, JsonNode> found = new HashMap<>();
        latest().forEach((key, value) -> {
            if (key != null && prefixes.stream().anyMatch(key::startsWith)) {
                found.put(key, json(value));
            }
        });
        return found;
    }

    /** The latest value read of each key. */
    private Map<String, String> latest() {
        Map<String, String> latest = new HashMap<>();
        reading.stream().forEach(record -> latest.put(record.key(), record.value()));
        return latest;
    }

    private static JsonNode json(String value) {
        try {
            return Http.JSON.readTree(value);
        } catch (IOException e) {
            return Http.JSON.getNodeFactory().textNode(value);
        }
    }

    @Override
    public void close() {
        reading.close();
        companion.close();
    }
}
