package dev.llmfleet.billing.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.common.billing.BillingAlertRaised;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Optional;

import static dev.llmfleet.billing.metrics.BillingMetricNames.TAG_OUTCOME;
import static dev.llmfleet.billing.metrics.BillingMetricNames.WEBHOOK_DELIVERIES;

/**
 * Posts each alert to the configured webhook, off the caller's path: a slow or failing receiver is retried
 * with exponential backoff (jittered) and then given up on, logged and counted, never blocking the ledger.
 */
@ApplicationScoped
public class WebhookNotifier {
    private static final Logger LOG = Logger.getLogger(WebhookNotifier.class);

    private final BillingConfig config;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final HttpClient http;

    public WebhookNotifier(BillingConfig config, ObjectMapper mapper, MeterRegistry registry, Vertx vertx) {
        this.config = config;
        this.mapper = mapper;
        this.registry = registry;
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) config.webhook().timeout().toMillis()));
    }

    public void send(BillingAlertRaised alert) {
        Optional<String> url = config.alertWebhookUrl().filter(u -> !u.isBlank());
        if (url.isEmpty()) {
            return;
        }
        String body;
        try {
            body = mapper.writeValueAsString(alert);
        } catch (JsonProcessingException e) {
            LOG.errorf("alert %s not encodable for the webhook: %s", alert.alertId(), e.getMessage());
            return;
        }
        Uni.createFrom().deferred(() -> post(url.get(), body))
                .onFailure().retry().withBackOff(config.webhook().initialBackoff(), config.webhook().maxBackoff())
                .withJitter(0.2).atMost(Math.max(0, config.webhook().maxAttempts() - 1))
                .subscribe().with(
                        ok -> registry.counter(WEBHOOK_DELIVERIES, TAG_OUTCOME, "delivered").increment(),
                        e -> {
                            registry.counter(WEBHOOK_DELIVERIES, TAG_OUTCOME, "failed").increment();
                            LOG.warnf("alert %s (%s) not delivered to the webhook after %d attempts: %s", alert.alertId(), alert.kind(),
                                    config.webhook().maxAttempts(), e.getMessage());
                        });
    }

    private Uni<Void> post(String url, String body) {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                .putHeader("Content-Type", "application/json").setTimeout(config.webhook().timeout().toMillis());
        return http.request(request)
                .chain(req -> req.send(Buffer.buffer(body)))
                .chain(response -> response.body().map(b -> {
                    if (response.statusCode() / 100 != 2) {
                        throw new IllegalStateException("webhook answered HTTP " + response.statusCode());
                    }
                    return (Void) null;
                }));
    }
}
