package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.jobs.Priority;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The job topics as a test sees them: remembers where they ended when opened, then reads every record written
 * since, up to the end offsets at the time of reading (a 2xx means acknowledged, so it is there). A thin layer on the
 * Kafka companion, on the broker the test's resource configured ({@code kafka.bootstrap.servers}).
 */
final class JobTopics implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final KafkaCompanion companion;
    private final List<TopicPartition> partitions;
    private Map<TopicPartition, Long> from;

    /** One record: its topic, key and value as JSON. */
    record Job(String topic, String key, JsonNode value) {
    }

    private JobTopics() {
        companion = new KafkaCompanion(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class), TIMEOUT);
        String[] topics = Arrays.stream(Priority.values()).map(Priority::topic).toArray(String[]::new);
        partitions = companion.topics().describe(topics).values().stream()
                .flatMap(topic -> topic.partitions().stream().map(p -> new TopicPartition(topic.name(), p.partition())))
                .toList();
        from = endOffsets();
    }

    /** Opens the probe at the current end of {@code llm.jobs.high|normal|bulk}. */
    static JobTopics fromNow() {
        return new JobTopics();
    }

    /** Every record written to the job topics since the probe was opened (or last read). */
    List<Job> readNew() {
        Map<TopicPartition, Long> to = endOffsets();
        // the job topics are neither compacted nor written in transactions: offsets are dense, one record each
        long count = partitions.stream().mapToLong(tp -> to.get(tp) - from.get(tp)).sum();
        List<Job> jobs = count == 0 ? List.of() : companion.consumeStrings()
                .fromOffsets(from, records -> records.select().where(r -> r.offset() < to.get(tp(r))).select().first(count))
                .awaitCompletion(TIMEOUT)
                .stream().map(r -> new Job(r.topic(), r.key(), json(r.value()))).toList();
        from = to;
        return jobs;
    }

    private Map<TopicPartition, Long> endOffsets() {
        return companion.offsets().list(partitions).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private static TopicPartition tp(ConsumerRecord<?, ?> record) {
        return new TopicPartition(record.topic(), record.partition());
    }

    private static JsonNode json(String value) {
        try {
            return MAPPER.readTree(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        companion.close();
    }
}
