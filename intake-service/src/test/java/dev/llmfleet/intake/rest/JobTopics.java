package dev.llmfleet.intake.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.jobs.Priority;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The job topics as a test sees them: remembers where they ended when opened, then reads every record written
 * since, up to the end offsets at the time of reading (a 2xx means acknowledged, so it is there).
 */
final class JobTopics implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final KafkaConsumer<String, String> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();

    /** One record: its topic, key and value as JSON. */
    record Job(String topic, String key, JsonNode value) {
    }

    private JobTopics() {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class),
                ConsumerConfig.GROUP_ID_CONFIG, "intake-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()));
        for (Priority priority : Priority.values()) {
            for (PartitionInfo info : consumer.partitionsFor(priority.topic(), Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.endOffsets(partitions).forEach(consumer::seek);
    }

    /** Opens the probe at the current end of {@code llm.jobs.high|normal|bulk}. */
    static JobTopics fromNow() {
        return new JobTopics();
    }

    /** Every record written to the job topics since the probe was opened (or last read). */
    List<Job> readNew() {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        List<Job> jobs = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job topics not read to their end within 30 s");
            }
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                jobs.add(new Job(record.topic(), record.key(), json(record.value())));
            }
        }
        return jobs;
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
        consumer.close();
    }
}
