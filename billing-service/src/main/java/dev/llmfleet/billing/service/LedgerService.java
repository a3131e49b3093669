package dev.llmfleet.billing.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
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

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import static dev.llmfleet.billing.metrics.BillingMetricNames.*;
import static dev.llmfleet.common.metrics.MetricNames.TAG_REASON;
import static dev.llmfleet.common.metrics.MetricNames.TAG_FEATURE;
import static dev.llmfleet.common.metrics.MetricNames.TAG_LANE;
import static dev.llmfleet.common.metrics.MetricNames.TAG_MODEL;

/**
 * Turns {@code llm.usage} records into the ledger, a batch (one Kafka poll) at a time in one Redis round trip, once per
 * event id (a schema 1.0 event without one: its request id), counting each request id once as a request: every provider
 * call attempt is its own event, so every paid attempt's charge is in the ledger and a redelivery of one is not, whether it
 * comes in a later batch or the same one. A record billing cannot read (not JSON, unknown major version, no request id) is
 * counted, logged and kept in a capped Redis list, then skipped: it never stops the stream, nor holds back the readable
 * records of its batch. Redis being down is different: {@link LedgerRepository#record} retries the batch's write until
 * Redis answers, so nothing is lost (the consumer's health shows the stall).
 */
@ApplicationScoped
public class LedgerService {
    private static final Logger LOG = Logger.getLogger(LedgerService.class);
    /** The charge sources producers name; a missing one is {@code unknown}, anything else {@code other} (bounded). */
    private static final Set<String> SOURCES = Set.of("header", "trailer", "event", "estimated", "none");
    /**
     * A schema_version the one-pass read takes as major version 1 without a second look: "1" or "1." and a few digits
     * (the careful read accepts any "1." text; a numeric version is its text there, its number's text in the careful read).
     */
    private static final Pattern MAJOR_1 = Pattern.compile("1(\\.[0-9]{1,9})?");

    private final ObjectMapper mapper;
    private final LedgerRepository ledger;
    private final AlertRepository rejects;
    private final BalanceService balance;
    private final FleetConfig fleet;
    private final Features features;
    private final MeterRegistry registry;
    /** Reads a record into {@link UsageRecorded} in one pass (the fast way of {@link #parse}). */
    private final ObjectReader reader;
    /** The spend counters, found once per series instead of once per event. */
    private final Map<String, Counter> spendBySource = new ConcurrentHashMap<>();
    private final Map<SpendTags, Counter> spend = new ConcurrentHashMap<>();

    public LedgerService(ObjectMapper mapper, LedgerRepository ledger, AlertRepository rejects, BalanceService balance,
                         FleetConfig fleet, Features features, MeterRegistry registry) {
        this.mapper = mapper;
        this.ledger = ledger;
        this.rejects = rejects;
        this.balance = balance;
        this.fleet = fleet;
        this.features = features;
        this.registry = registry;
        this.reader = mapper.readerFor(UsageRecorded.class);
    }

    /**
     * Records a batch of raw records (one Kafka poll, the values as sent: UTF-8 JSON): every readable one goes into the
     * ledger in one Redis round trip, in the order given; an unreadable one is rejected (counted, logged, kept).
     * Completes once all of them are in the ledger, dropped as duplicates, or rejected, so the batch's offsets are
     * committed only then. The balance is then re-evaluated with the state after each new event, in order, as one event
     * at a time did.
     */
    public Uni<Void> ingest(List<byte[]> raws) {
        List<UsageRecorded> usages = new ArrayList<>(raws.size());
        List<LedgerRepository.Entry> entries = new ArrayList<>(raws.size());
        List<Uni<Void>> rejected = null;
        for (byte[] raw : raws) {
            UsageRecorded usage = readOnePass(raw);
            if (usage == null) {
                String text = raw == null ? null : new String(raw, StandardCharsets.UTF_8);
                try {
                    usage = parse(text);
                } catch (Rejected e) {
                    if (rejected == null) {
                        rejected = new ArrayList<>();
                    }
                    rejected.add(reject(e.reason, e.getMessage(), text));
                    continue;
                }
            }
            usages.add(usage);
            entries.add(entry(usage));
        }
        Uni<Void> recorded = entries.isEmpty() ? Uni.createFrom().voidItem() : ledger.record(entries)
                .invoke(outcomes -> recorded(usages, entries, outcomes))
                .replaceWithVoid();
        if (rejected == null) {
            return recorded;
        }
        // a rejected record is kept in Redis on its own write, as ever (a failure there is logged and skipped)
        return Uni.combine().all().unis(Uni.join().all(rejected).andCollectFailures(), recorded).discardItems();
    }

    private void recorded(List<UsageRecorded> usages, List<LedgerRepository.Entry> entries, List<LedgerRepository.Recorded> outcomes) {
        List<LedgerRepository.Snapshot> snapshots = new ArrayList<>(outcomes.size());
        int duplicates = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            LedgerRepository.Recorded recorded = outcomes.get(i);
            if (recorded.isNew()) {
                meter(usages.get(i), entries.get(i).chargeSource());
                snapshots.add(recorded.snapshot());
            } else {
                duplicates++;
                LOG.debugf("usage event %s already recorded: redelivery dropped", entries.get(i).eventId());
            }
        }
        if (!snapshots.isEmpty()) {
            registry.counter(EVENTS_INGESTED).increment(snapshots.size());
            balance.onSnapshots(snapshots);
        }
        if (duplicates > 0) {
            registry.counter(EVENTS_DUPLICATE).increment(duplicates);
        }
    }

    /**
     * A record's UTF-8 bytes straight into {@link UsageRecorded}, one pass, when that pass takes it as plainly valid;
     * otherwise null, and {@link #parse} reads its text (the bytes decoded as UTF-8, as Kafka's StringDeserializer does)
     * the careful way ({@link #classify}: a tree, then the record), which says why a record is refused. So a record is
     * rejected, and for the same reason, exactly when the careful way alone rejects it. Only a value starting with
     * {@code {} and a byte other than 0 is read from bytes, so Jackson's encoding detection never takes one for UTF-16 or 32. (The one pass
     * reads decimals exactly as written, where the tree went through doubles: the same for up to 15 significant digits.)
     */
    UsageRecorded readOnePass(byte[] raw) {
        if (raw == null || raw.length < 2 || raw[0] != '{' || raw[1] == 0) {
            return null;
        }
        UsageRecorded usage;
        try {
            usage = reader.readValue(raw);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
        boolean plain = usage != null && usage.schemaVersion() != null && MAJOR_1.matcher(usage.schemaVersion()).matches()
                && usage.requestId() != null && !usage.requestId().isBlank()
                && (usage.chargedUsd() == null || usage.chargedUsd().signum() >= 0);
        return plain ? usage : null;
    }

    /** Reads a record's text the careful way, or says why it is refused. */
    UsageRecorded parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new Rejected("empty", "empty record");
        }
        return classify(raw);
    }

    /** The careful read: as a tree first (not JSON, not an object, unknown major version), then into the record. */
    UsageRecorded classify(String raw) {
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
        if (u.chargedUsd() != null && u.chargedUsd().signum() > 0) {
            double usd = u.chargedUsd().doubleValue();
            spendBySource.computeIfAbsent(source, s -> Counter.builder(SPEND_BY_SOURCE).baseUnit(USD)
                    .description("USD charged, as recorded in the ledger, by where the charge came from")
                    .tag(TAG_SOURCE, s).register(registry)).increment(usd);
            SpendTags tags = new SpendTags(Lane.parse(u.lane()).map(Lane::json).orElse("other"), features.bounded(u.feature()),
                    u.modelUsed() != null && fleet.models().containsKey(u.modelUsed()) ? u.modelUsed() : "other");
            spend.computeIfAbsent(tags, t -> Counter.builder(SPEND).baseUnit(USD).description("USD charged, as recorded in the ledger")
                    .tags(TAG_LANE, t.lane(), TAG_FEATURE, t.feature(), TAG_MODEL, t.model()).register(registry)).increment(usd);
        }
    }

    /** The tags of one spend series (each bounded: known lanes, configured features and models, else {@code other}). */
    private record SpendTags(String lane, String feature, String model) {
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
