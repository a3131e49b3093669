package dev.llmfleet.billing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.messaging.UsageRecorded;
import io.restassured.RestAssured;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Produces usage events to {@code llm.usage} (or a topic given) as intake and worker do (JSON, key = event id), with a
 * plain producer.
 */
public final class UsageEvents implements AutoCloseable {
    /** Reads answers with exact decimals. */
    public static final ObjectMapper EXACT = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final KafkaProducer<String, String> producer;
    private final ObjectMapper mapper;
    private final String topic;

    /** To {@code llm.usage} on the broker the test application is configured with ({@code kafka.bootstrap.servers}). */
    public UsageEvents(ObjectMapper mapper) {
        this(mapper, ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class), "llm.usage");
    }

    /** To {@code topic} on the broker at {@code bootstrapServers} (for an application running in a process of its own). */
    public UsageEvents(ObjectMapper mapper, String bootstrapServers, String topic) {
        this.mapper = mapper;
        this.topic = topic;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
    }

    /** A successful provider call, the request's only one (event id = request id). */
    public static UsageRecorded call(String requestId, String feature, String tenant, String model, String lane, int prompt,
                                     int completion, String charged, String balance, Instant at) {
        return new UsageRecorded(UsageRecorded.SCHEMA_VERSION, requestId, requestId, null, lane, feature, tenant, model, model, prompt, completion,
                new BigDecimal(charged), balance == null ? null : new BigDecimal(balance), "header", false, null, "ok", 200, 120, 1, at, null);
    }

    /** Provider call attempt {@code n} of a request (event id {@code <request id>.<n>}), ending with {@code httpStatus}. */
    public static UsageRecorded attempt(String requestId, int n, String feature, String tenant, String model, int httpStatus,
                                        String charged, String chargeSource, String balance, Instant at) {
        boolean ok = httpStatus == 200;
        return new UsageRecorded(UsageRecorded.SCHEMA_VERSION, requestId + "." + n, requestId, null, "async", feature, tenant, model, model,
                ok ? 100 : 0, ok ? 50 : 0, new BigDecimal(charged), balance == null ? null : new BigDecimal(balance), chargeSource, false, null,
                ok ? "ok" : "provider_error", httpStatus, 120, n, at, null);
    }

    public static String id() {
        return "req_" + UUID.randomUUID().toString().replace("-", "");
    }

    public void send(UsageRecorded usage) {
        try {
            sendRaw(usage.eventId() == null ? usage.requestId() : usage.eventId(), mapper.writeValueAsString(usage));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void sendRaw(String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("usage event not produced", e);
        }
    }

    /** Waits until billing's consumer is assigned and reading (the test profile starts it at the latest offsets). */
    public void awaitConsumer() {
        String tenant = "probe-" + UUID.randomUUID();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            send(call(id(), "probe", tenant, "openai/gpt-4o-mini", "interactive", 1, 1, "0", null, Instant.now()));
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < until) {
                if (json(RestAssured.given().queryParam("window", "15m").queryParam("tenant", tenant)
                        .get("/v1/billing/summary").asString()).path("requests").asLong() > 0) {
                    return;
                }
                sleep(100);
            }
        }
        throw new AssertionError("billing did not consume llm.usage within 90 s");
    }

    public static JsonNode json(String body) {
        try {
            return EXACT.readTree(body);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
