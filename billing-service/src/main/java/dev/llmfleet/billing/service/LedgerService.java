package dev.llmfleet.billing.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.repository.AlertRepository;
import dev.llmfleet.billing.repository.LedgerRepository;
import dev.llmfleet.common.pipeline.Lane;
import dev.llmfleet.common.config.Features;
import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.messaging.UsageRecorded;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Set;

import static dev.llmfleet.billing.metrics.BillingMetricNames.*;
import static dev.llmfleet.common.metrics.MetricNames.TAG_REASON;
import static dev.llmfleet.common.metrics.MetricNames.TAG_FEATURE;
import static dev.llmfleet.common.metrics.MetricNames.TAG_LANE;
import static dev.llmfleet.common.metrics.MetricNames.TAG_MODEL;

/**
 * Turns one {@code llm.usage} record into the ledger, once per event id (a schema 1.0 event without one: its request
 * id), counting each request id once as a request: every provider call attempt is its own event, so every paid
 * attempt's charge is in the ledger and a redelivery of one is not. A record billing cannot read
 * (not JSON, unknown major version, no request id) is counted, logged and kept in a capped Redis list, then
 * skipped: it never stops the stream. Redis being down is different: {@link LedgerRepository#record} retries the
 * write until Redis answers, so nothing is lost (the consumer's health shows the stall).
 */
@ApplicationScoped
public class LedgerService {
    private static final Logger LOG = Logger.getLogger(LedgerService.class);
    /** The charge sources producers name; a missing one is {@code unknown}, anything else {@code other} (bounded). */
    private static final Set<String> SOURCES = Set.of("header", "trailer", "event", "estimated", "none");

    private final ObjectMapper mapper;
    private final LedgerRepository ledger;
    private final AlertRepository rejects;
    private final BalanceService balance;
    private final FleetConfig fleet;
    private final Features features;
    private final MeterRegistry registry;

    public LedgerService(ObjectMapper mapper, LedgerRepository ledger, AlertRepository rejects, BalanceService balance,
                         FleetConfig fleet, Features features, MeterRegistry registry) {
        this.mapper = mapper;
        this.ledger = ledger;
        this.rejects = rejects;
        this.balance = balance;
        this.fleet = fleet;
        this.features = features;
        this.registry = registry;
    }

    /** Records one raw record; completes once it is in the ledger, dropped as a duplicate, or rejected. */
    public Uni<Void> ingest(String raw) {
        UsageRecorded usage;
        try {
            usage = parse(raw);
        } catch (Rejected e) {
            return reject(e.reason, e.getMessage(), raw);
        }
        LedgerRepository.Entry entry = entry(usage);
        return ledger.record(entry)
                .invoke(recorded -> {
                    if (recorded.isNew()) {
                        meter(usage, entry.chargeSource());
                        balance.onSnapshot(recorded.snapshot());
                    } else {
                        registry.counter(EVENTS_DUPLICATE).increment();
                        LOG.debugf("usage event %s already recorded: redelivery dropped", entry.eventId());
                    }
                })
                .replaceWithVoid();
    }

    UsageRecorded parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new Rejected("empty", "empty record");
        }
        JsonNode node;
        try {
            node = mapper.readTree(raw);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Rejected("unparseable", "not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new Rejected("unparseable", "not a JSON object");
        }
        String version = node.path("schema_version").asText("");
        if (!version.equals("1") && !version.startsWith("1.")) {
            throw new Rejected("unknown_version", "unsupported schema_version '" + version + "'");
        }
        UsageRecorded usage;
        try {
            usage = mapper.treeToValue(node, UsageRecorded.class);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new Rejected("invalid", "fields do not fit UsageRecorded: " + e.getMessage());
        }
        if (usage.requestId() == null || usage.requestId().isBlank()) {
            throw new Rejected("invalid", "no request_id");
        }
        if (usage.chargedUsd() != null && usage.chargedUsd().signum() < 0) {
            throw new Rejected("invalid", "negative charged_usd");
        }
        return usage;
    }

    /**
     * The ledger's view of an event; an event without occurred_at is placed at its arrival time, and one whose feature
     * is not configured is ledgered under {@code other}, so the ledger's buckets stay bounded whatever producers send.
     */
    LedgerRepository.Entry entry(UsageRecorded u) {
        long at = u.occurredAt() == null ? System.currentTimeMillis() : u.occurredAt().toEpochMilli();
        boolean depleted = u.httpStatus() == 402 || "provider_balance_depleted".equals(u.status());
        String eventId = u.eventId() == null || u.eventId().isBlank() ? u.requestId() : u.eventId();
        return new LedgerRepository.Entry(eventId, u.requestId(), features.bounded(u.feature()), u.modelUsed(), u.lane(), u.tenant(),
                Math.max(0, u.promptTokens()), Math.max(0, u.completionTokens()), Money.toNanos(u.chargedUsd()), source(u.chargeSource()), u.cacheHit(),
                Money.toNanos(u.savedUsd()), at, u.balanceUsd() == null ? null : Money.toNanos(u.balanceUsd()), depleted);
    }

    static String source(String chargeSource) {
        if (chargeSource == null || chargeSource.isBlank()) {
            return "unknown";
        }
        return SOURCES.contains(chargeSource) ? chargeSource : "other";
    }

    private Uni<Void> reject(String reason, String detail, String raw) {
        Counter.builder(EVENTS_REJECTED).description("Usage records billing could not read, skipped")
                .tag(TAG_REASON, reason).register(registry).increment();
        LOG.warnf("usage record rejected (%s): %s; record: %s", reason, detail,
                raw == null ? "null" : raw.length() > 300 ? raw.substring(0, 300) + "..." : raw);
        return rejects.rejected(reason, raw)
                .onFailure().invoke(e -> LOG.warnf("rejected record not kept: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    private void meter(UsageRecorded u, String source) {
        registry.counter(EVENTS_INGESTED).increment();
        if (u.chargedUsd() != null && u.chargedUsd().signum() > 0) {
            Counter.builder(SPEND_BY_SOURCE).baseUnit(USD).description("USD charged, as recorded in the ledger, by where the charge came from")
                    .tag(TAG_SOURCE, source).register(registry).increment(u.chargedUsd().doubleValue());
            Counter.builder(SPEND).baseUnit(USD).description("USD charged, as recorded in the ledger")
                    .tags(TAG_LANE, Lane.parse(u.lane()).map(Lane::json).orElse("other"), TAG_FEATURE, features.bounded(u.feature()),
                            TAG_MODEL, u.modelUsed() != null && fleet.models().containsKey(u.modelUsed()) ? u.modelUsed() : "other")
                    .register(registry).increment(u.chargedUsd().doubleValue());
        }
    }

    /** A record that cannot be read. */
    static final class Rejected extends RuntimeException {
        final String reason;

        Rejected(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }
}
