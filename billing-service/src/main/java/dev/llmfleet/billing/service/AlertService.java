package dev.llmfleet.billing.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.messaging.BillingPublisher;
import dev.llmfleet.billing.repository.AlertRepository;
import dev.llmfleet.common.billing.BalanceLevel;
import dev.llmfleet.common.billing.BillingAlertRaised;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.llmfleet.billing.metrics.BillingMetricNames.ALERTS;
import static dev.llmfleet.billing.metrics.BillingMetricNames.TAG_KIND;
import static dev.llmfleet.billing.metrics.BillingMetricNames.TAG_LEVEL;

/**
 * Raises an alert everywhere it belongs: the log (WARN, figures only, never a secret), the metric, the recent
 * alerts list in Redis, Kafka {@code billing.alerts} and the webhook. Whether an alert is due (once per
 * crossing) is decided by the callers; this only delivers, and never fails its caller.
 */
@ApplicationScoped
public class AlertService {
    private static final Logger LOG = Logger.getLogger(AlertService.class);

    private final AlertRepository repository;
    private final BillingPublisher publisher;
    private final WebhookNotifier webhook;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;

    public AlertService(AlertRepository repository, BillingPublisher publisher, WebhookNotifier webhook, ObjectMapper mapper,
                        MeterRegistry registry) {
        this.repository = repository;
        this.publisher = publisher;
        this.webhook = webhook;
        this.mapper = mapper;
        this.registry = registry;
    }

    /** Delivers the alert; completes when Redis and Kafka have it (the webhook continues on its own). */
    public Uni<BillingAlertRaised> raise(String kind, BalanceLevel level, String message, Map<String, String> figures) {
        BillingAlertRaised alert = new BillingAlertRaised(BillingAlertRaised.SCHEMA_VERSION,
                "alrt_" + UUID.randomUUID().toString().replace("-", ""), kind, level, message, Map.copyOf(figures), Instant.now());
        LOG.warnf("billing alert %s [%s/%s]: %s %s", alert.alertId(), kind, level, message, figures);
        Counter.builder(ALERTS).description("Billing alerts raised").tags(TAG_KIND, kind, TAG_LEVEL, level.name())
                .register(registry).increment();
        webhook.send(alert);
        Uni<Void> stored = repository.push(encode(alert))
                .onFailure().invoke(e -> LOG.errorf("alert %s not stored in Redis: %s", alert.alertId(), e.getMessage()))
                .onFailure().recoverWithNull();
        Uni<Void> published = publisher.alert(alert)
                .onFailure().invoke(e -> LOG.errorf("alert %s not published to Kafka: %s", alert.alertId(), e.getMessage()))
                .onFailure().recoverWithNull();
        return Uni.join().all(stored, published).andCollectFailures().replaceWith(alert);
    }

    /** Fire-and-forget form of {@link #raise}. */
    public void raiseAsync(String kind, BalanceLevel level, String message, Map<String, String> figures) {
        raise(kind, level, message, figures).subscribe().with(a -> {
        }, e -> LOG.errorf("alert %s failed: %s", kind, e.getMessage()));
    }

    /** The newest alerts as stored (JSON), newest first. */
    public Uni<List<String>> recent(int limit) {
        return repository.recent(limit);
    }

    private String encode(BillingAlertRaised alert) {
        try {
            return mapper.writeValueAsString(alert);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
