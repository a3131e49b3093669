package dev.llmfleet.billing;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.ConfigProvider;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a topic (billing.state, billing.alerts) from where it ended when opened: a Kafka companion consumer on the
 * test's broker ({@code kafka.bootstrap.servers}) that keeps reading until closed.
 */
public final class StateTopic implements AutoCloseable {
    private final KafkaCompanion companion;
    private final ConsumerTask<String, String> reading;

    /** One record: key and JSON value. */
    public record Record(String key, JsonNode value) {
    }

    public StateTopic(String topic) {
        companion = new KafkaCompanion(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class), Duration.ofSeconds(30));
        List<TopicPartition> partitions = companion.topics().describe(topic).get(topic).partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, Long> end = companion.offsets().list(partitions).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        reading = companion.consumeStrings().fromOffsets(end);
    }

    /** Every record read since opened. */
    public List<Record> records() {
        return reading.stream().map(r -> new Record(r.key(), UsageEvents.json(r.value()))).toList();
    }

    @Override
    public void close() {
        reading.close();
        companion.close();
    }
}
