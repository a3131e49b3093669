package dev.llmfleet.billing.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.client.WebhookClient;
import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.common.billing.BillingAlertRaised;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Optional;

import static dev.llmfleet.common.metrics.MetricNames.TAG_OUTCOME;
import static dev.llmfleet.billing.metrics.BillingMetricNames.WEBHOOK_DELIVERIES;

/**
 * Sends each alert to the configured webhook, if any, off the caller's path: the {@link WebhookClient} retries a slow
 * or failing receiver and then gives up; the outcome is counted (and a give-up logged), never blocking the ledger.
 */
@ApplicationScoped
public class WebhookNotifier {
    private static final Logger LOG = Logger.getLogger(WebhookNotifier.class);

    private final BillingConfig config;
    private final WebhookClient client;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;

    public WebhookNotifier(BillingConfig config, WebhookClient client, ObjectMapper mapper, MeterRegistry registry) {
        this.config = config;
        this.client = client;
        this.mapper = mapper;
        this.registry = registry;
    }

    public void send(BillingAlertRaised alert) {
        Optional<String> url = config.alertWebhookUrl().filter(u -> !u.isBlank());
        if (url.isEmpty()) {
            return;
        }
        Buffer body;
        try {
            body = Buffer.buffer(mapper.writeValueAsBytes(alert));
        } catch (JsonProcessingException e) {
            LOG.errorf("alert %s not encodable for the webhook: %s", alert.alertId(), e.getMessage());
            return;
        }
        client.deliver(url.get(), body).subscribe().with(
                ok -> registry.counter(WEBHOOK_DELIVERIES, TAG_OUTCOME, "delivered").increment(),
                e -> {
                    registry.counter(WEBHOOK_DELIVERIES, TAG_OUTCOME, "failed").increment();
                    LOG.warnf("alert %s (%s) not delivered to the webhook, retries exhausted: %s", alert.alertId(), alert.kind(),
                            e.toString());
                });
    }
}
