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
import io.quarkus.test.kafka.InjectKafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
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

    @InjectKafkaCompanion
    KafkaCompanion companion;

    @Test
    void eventsRecordedDuringAKafkaOutageAllArriveOnceItIsBack() throws Exception {
        try (ConsumerTask<String, String> usage = companion.consumeStrings().fromTopics(Topics.USAGE)) {
            // the producer has met the broker before the outage, as in production
            String first = record();
            awaitOnTopic(usage, Set.of(first));

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
            awaitOnTopic(usage, ids);
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
                false, null, "ok", 200, 12, 1, Instant.now(), null));
        return id;
    }

    private double undelivered(String stage) {
        return registry.find(MetricNames.USAGE_UNDELIVERED).tags(MetricNames.TAG_STAGE, stage).gauge().value();
    }

    /** Waits until every id in {@code ids} was read from {@code llm.usage} (at least once: billing counts an event id once). */
    private static void awaitOnTopic(ConsumerTask<String, String> usage, Set<String> ids) {
        await().atMost(Duration.ofMinutes(3)).untilAsserted(
                () -> assertThat(usage.stream().map(ConsumerRecord::key).collect(Collectors.toSet())).containsAll(ids));
    }
}
