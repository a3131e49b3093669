package dev.llmfleet.common.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.common.messaging.UsageRecorded;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.llmfleet.common.metrics.MetricNames.TAG_REASON;
import static dev.llmfleet.common.metrics.MetricNames.USAGE_LOST;
import static dev.llmfleet.common.metrics.MetricNames.USAGE_OUTBOXED;

/**
 * Usage events Kafka did not take, kept on the state Redis (never evicted) until a forwarder delivers them.
 * A Redis stream read through one consumer group shared by every forwarder of the fleet: an entry is taken by
 * one forwarder at a time, deleted only once Kafka acknowledged it, and taken over by another after
 * {@code retry-after} when its forwarder failed or died (at least once; billing counts an event id once).
 */
@ApplicationScoped
public class UsageOutbox {
    private static final Logger LOG = Logger.getLogger(UsageOutbox.class);
    static final String GROUP = "forwarders";
    private static final String FIELD = "event";
    /** A state Redis outage shorter than this loses nothing; past it the event is logged in full and counted as lost. */
    private static final Duration WRITE_RETRIES_FOR = Duration.ofMinutes(10);

    /** Reads an entry's trace fields back. */
    private static final TextMapGetter<Map<String, String>> FIELDS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> fields) {
            return fields.keySet();
        }

        @Override
        public String get(Map<String, String> fields, String key) {
            return fields == null ? null : fields.get(key);
        }
    };

    /**
     * An entry of the outbox: its stream id, the event (null when the entry is unreadable) and the trace it was
     * recorded in (the root context when it had none).
     */
    public record Entry(String id, UsageRecorded usage, Context trace) {
    }

    private final ReactiveStreamCommands<String, String, String> stream;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final UsageConfig.Outbox config;
    private final TextMapPropagator propagator;
    private final AtomicInteger writing = new AtomicInteger();
    private final AtomicBoolean groupReady = new AtomicBoolean();
    private volatile long length;
    /**
     * An outbox write is retried for {@link #WRITE_RETRIES_FOR}, 200 ms doubling to 15 s (programmatic: the write is
     * this bean's own, where an annotated method would be a self-invocation).
     */
    private final TypedGuard<Uni<String>> write = TypedGuard.create(new TypeLiteral<Uni<String>>() {
            })
            .withDescription("usage.outbox.keep")
            .withRetry()
                .maxRetries(-1)
                .delay(200, ChronoUnit.MILLIS)
                .jitter(50, ChronoUnit.MILLIS)
                .maxDuration(WRITE_RETRIES_FOR.toMillis(), ChronoUnit.MILLIS)
                .withExponentialBackoff().maxDelay(15, ChronoUnit.SECONDS).done()
                .done()
            .withThreadOffload(false)
            .build();

    public UsageOutbox(ReactiveRedisDataSource state, ObjectMapper mapper, MeterRegistry registry, UsageConfig config,
                       OpenTelemetry openTelemetry) {
        this.stream = state.stream(String.class, String.class, String.class);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
        this.mapper = mapper;
        this.registry = registry;
        this.config = config.outbox();
    }

    /**
     * Keeps {@code usage} for the forwarder, retrying a failing Redis; never fails and never blocks. The entry holds
     * {@code trace} as the propagator writes it in a Kafka header ({@code traceparent}), so the forwarded record
     * continues the trace it was recorded in.
     */
    public void keep(UsageRecorded usage, Context trace, String reason) {
        String json;
        try {
            json = mapper.writeValueAsString(usage);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
        Map<String, String> fields = new HashMap<>();
        fields.put(FIELD, json);
        propagator.inject(trace, fields, (carrier, key, value) -> carrier.put(key, value));
        writing.incrementAndGet();
        write.get(() -> stream.xadd(config.key(), fields))
                .subscribe().with(id -> {
                    writing.decrementAndGet();
                    registry.counter(USAGE_OUTBOXED, TAG_REASON, reason).increment();
                }, failure -> {
                    writing.decrementAndGet();
                    registry.counter(USAGE_LOST).increment();
                    LOG.errorf("usage event lost: neither Kafka nor the state Redis took it (%s); the event: %s", failure.toString(), json);
                });
    }

    /** Outbox writes still retrying. */
    int writing() {
        return writing.get();
    }

    /** The outbox's length when last measured (by the forwarder, fleet-wide: every instance sees the same stream). */
    long length() {
        return length;
    }

    /** Up to {@code batch} entries for {@code forwarder}: stale ones first (their forwarder failed or died), then new ones. */
    Uni<List<Entry>> take(String forwarder) {
        return ensureGroup()
                .chain(() -> stream.xautoclaim(config.key(), GROUP, forwarder, config.retryAfter(), "0-0", config.batch()))
                .chain(claimed -> {
                    List<StreamMessage<String, String, String>> taken = new ArrayList<>(claimed.getMessages());
                    if (taken.size() >= config.batch()) {
                        return Uni.createFrom().item(taken);
                    }
                    return stream.xreadgroup(GROUP, forwarder, config.key(), ">", new XReadGroupArgs().count(config.batch() - taken.size()))
                            .map(fresh -> {
                                if (fresh != null) {
                                    taken.addAll(fresh);
                                }
                                return taken;
                            });
                })
                .onFailure().invoke(e -> {
                    if (String.valueOf(e.getMessage()).contains("NOGROUP")) {
                        groupReady.set(false); // the Redis lost its data (a restart without persistence)
                    }
                })
                .map(messages -> messages.stream().map(this::entry).toList());
    }

    /** Removes delivered entries. */
    Uni<Void> done(List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] array = ids.toArray(String[]::new);
        return stream.xack(config.key(), GROUP, array).chain(() -> stream.xdel(config.key(), array)).replaceWithVoid();
    }

    /** Measures the outbox's length (for {@code fleet.usage.undelivered}). */
    Uni<Void> measure() {
        return stream.xlen(config.key()).invoke(n -> length = n).replaceWithVoid();
    }

    private Uni<Void> ensureGroup() {
        if (groupReady.get()) {
            return Uni.createFrom().voidItem();
        }
        // from the stream's start: events written before the group existed are forwarded too
        return stream.xgroupCreate(config.key(), GROUP, "0", new XGroupCreateArgs().mkstream())
                .onFailure(e -> String.valueOf(e.getMessage()).contains("BUSYGROUP")).recoverWithNull()
                .invoke(() -> groupReady.set(true));
    }

    private Entry entry(StreamMessage<String, String, String> message) {
        try {
            return new Entry(message.id(), mapper.readValue(message.payload().get(FIELD), UsageRecorded.class),
                    propagator.extract(Context.root(), message.payload(), FIELDS));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            LOG.errorf("unreadable outbox entry %s dropped (%s): %s", message.id(), e.toString(), message.payload());
            registry.counter(USAGE_LOST).increment();
            return new Entry(message.id(), null, Context.root());
        }
    }
}
