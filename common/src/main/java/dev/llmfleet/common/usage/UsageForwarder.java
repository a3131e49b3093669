package dev.llmfleet.common.usage;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.llmfleet.common.metrics.MetricNames.USAGE_FORWARDED;

/**
 * Moves usage events from the outbox to Kafka, a batch at a time, every {@code fleet.usage.outbox.forward-every}
 * (one round at a time). An entry leaves the outbox only once Kafka acknowledged it; one that failed stays and is
 * retried after {@code fleet.usage.outbox.retry-after}, here or by any other forwarder.
 */
@ApplicationScoped
public class UsageForwarder {
    private static final Logger LOG = Logger.getLogger(UsageForwarder.class);
    /** Sends of one round in flight at once: the outbox drains at Kafka's pace, not one round trip per event. */
    private static final int PARALLEL_SENDS = 64;

    private final UsageOutbox outbox;
    private final UsageRecorder recorder;
    private final MeterRegistry registry;
    private final UsageConfig.Outbox config;
    private final Vertx vertx;
    /** This forwarder's name in the outbox's consumer group. */
    private final String name = "forwarder-" + UUID.randomUUID();
    private final AtomicBoolean busy = new AtomicBoolean();
    private long timer = -1;

    public UsageForwarder(UsageOutbox outbox, UsageRecorder recorder, MeterRegistry registry, UsageConfig config, Vertx vertx) {
        this.outbox = outbox;
        this.recorder = recorder;
        this.registry = registry;
        this.config = config.outbox();
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        if (config.forward()) {
            timer = vertx.setPeriodic(config.forwardEvery().toMillis(), id -> round());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void round() {
        if (!busy.compareAndSet(false, true)) {
            return;
        }
        outbox.take(name)
                .chain(this::forward)
                .chain(outbox::measure)
                .subscribe().with(done -> busy.set(false), failure -> {
                    busy.set(false);
                    LOG.debugf("usage outbox round failed (%s); the next round tries again", failure.toString());
                });
    }

    /** Sends the entries, then removes those Kafka acknowledged (and unreadable ones, already counted as lost). */
    private Uni<Void> forward(List<UsageOutbox.Entry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(entries)
                .onItem().transformToUni(entry -> entry.usage() == null
                        ? Uni.createFrom().item(entry.id())
                        : recorder.deliver(entry.usage(), entry.trace())
                                .invoke(() -> registry.counter(USAGE_FORWARDED).increment())
                                .replaceWith(entry.id())
                                // a failed send emits null, which the merge skips: the entry stays in the outbox
                                .onFailure().recoverWithNull())
                .merge(PARALLEL_SENDS)
                .collect().asList()
                .chain(outbox::done);
    }
}
