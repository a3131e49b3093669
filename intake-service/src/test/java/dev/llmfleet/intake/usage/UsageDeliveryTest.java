package dev.llmfleet.intake.usage;

import dev.llmfleet.common.messaging.Topics;
import dev.llmfleet.common.messaging.UsageRecorded;
import dev.llmfleet.common.metrics.MetricNames;
import dev.llmfleet.common.usage.UsageRecorder;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import dev.llmfleet.intake.faults.OwnStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Usage events recorded while the Kafka broker is stopped are not lost: they wait in the state Redis outbox
 * and all reach {@code llm.usage} once the broker is back; the caller never waited for any of it.
 */
@QuarkusTest
@WithTestResource(OwnStackResource.class)
class UsageDeliveryTest {
    private static final String OUTBOX = "fleet:usage:outbox:v1";
    private static final int DURING_OUTAGE = 40;

    @Inject
    UsageRecorder recorder;

    @Inject
    ReactiveRedisDataSource state;

    @Inject
    MeterRegistry registry;

    @Test
    void eventsRecordedDuringAKafkaOutageAllArriveOnceItIsBack() throws Exception {
        try (KafkaConsumer<String, String> consumer = consumer()) {
            // the producer has met the broker before the outage, as in production
            String first = record();
            awaitOnTopic(consumer, Set.of(first), new HashMap<>());

            OwnStackResource.kafka().stop();
            Set<String> ids = IntStream.range(0, DURING_OUTAGE).mapToObj(i -> record()).collect(Collectors.toSet());
            // Kafka cannot take them: every one ends up in the outbox on the state Redis, and the gauge shows them
            await().atMost(Duration.ofMinutes(3)).untilAsserted(() -> {
                assertThat(state.stream(String.class).xlen(OUTBOX).await().atMost(Duration.ofSeconds(10))).isEqualTo(DURING_OUTAGE);
                assertThat(undelivered("in_flight")).isZero();
                assertThat(undelivered("outbox")).isEqualTo(DURING_OUTAGE);
            });
            assertThat(registry.find(MetricNames.USAGE_OUTBOXED).counter().count()).isEqualTo(DURING_OUTAGE);

            OwnStackResource.kafka().restart();
            Map<String, Integer> seen = new HashMap<>();
            awaitOnTopic(consumer, ids, seen);
            await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
                assertThat(state.stream(String.class).xlen(OUTBOX).await().atMost(Duration.ofSeconds(10))).isZero();
                assertThat(undelivered("outbox")).isZero();
            });
            assertThat(registry.find(MetricNames.USAGE_FORWARDED).counter().count()).isGreaterThanOrEqualTo(DURING_OUTAGE);
        }
    }

    private String record() {
        String id = "evt_" + UUID.randomUUID();
        recorder.record(new UsageRecorded(UsageRecorded.SCHEMA_VERSION, id, "req_" + id, null, "interactive", "default", "default",
                "openai/gpt-4o-mini", "openai/gpt-4o-mini", 10, 5, new BigDecimal("0.000004"), new BigDecimal("99.5"), "header",
                false, null, "ok", 200, 12, 1, Instant.now()));
        return id;
    }

    private double undelivered(String stage) {
        return registry.find(MetricNames.USAGE_UNDELIVERED).tags(MetricNames.TAG_STAGE, stage).gauge().value();
    }

    /** Polls {@code llm.usage} until every id in {@code ids} was seen (at least once: billing counts an event id once). */
    private static void awaitOnTopic(KafkaConsumer<String, String> consumer, Set<String> ids, Map<String, Integer> seen) {
        await().atMost(Duration.ofMinutes(3)).untilAsserted(() -> {
            consumer.poll(Duration.ofMillis(500)).forEach(record -> seen.merge(record.key(), 1, Integer::sum));
            assertThat(seen.keySet()).containsAll(ids);
        });
    }

    private static KafkaConsumer<String, String> consumer() {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, OwnStackResource.kafka().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "usage-delivery-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()));
        consumer.subscribe(List.of(Topics.USAGE));
        return consumer;
    }
}
