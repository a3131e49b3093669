package dev.llmfleet.loadtest.usage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic {@code llm.usage} events (docs/ARCHITECTURE.md's usage event, schema 1.2) as intake and the worker send them: both
 * lanes, several features and models, cache hits that cost nothing, and a consistent provider balance that falls by
 * exactly each charge in event-time order (events one millisecond apart), so billing has nothing unattributed to find. Each
 * event has an event id of its own ({@code <request id>.<call number>}, call number 0 for a cache hit), which is also its Kafka
 * key. A share of events is sent a second time (same key, same body, same event id) as a redelivery would, to load the
 * ledger's once-per-event-id rule.
 * Deterministic for a given seed.
 */
public final class UsageEvents {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] FEATURES = {"support-chat", "ticket-classify", "doc-summarize", "search-index", "product-enrich", "default"};
    /** Model, input and output USD per million tokens. */
    private static final List<Object[]> MODELS = List.of(
            new Object[] {"openai/gpt-4o", "2.50", "10.00"},
            new Object[] {"openai/gpt-4o-mini", "0.15", "0.60"},
            new Object[] {"google/gemini-2.0-flash", "0.10", "0.40"},
            new Object[] {"google/gemini-2.5-pro", "1.25", "10.00"});
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /** One record to produce: its key (the event id) and its JSON value. */
    public record Event(String key, String value, boolean duplicate) {
    }

    private final String runId;
    private final SplittableRandom random;
    private final double duplicateShare;
    private final double cacheHitShare;
    private final long startMillis;
    private BigDecimal balance;
    private BigDecimal charged = BigDecimal.ZERO;
    private long distinct;
    private Event pendingDuplicate;

    public UsageEvents(String runId, long seed, double duplicateShare, double cacheHitShare, BigDecimal startBalanceUsd, long startMillis) {
        if (duplicateShare < 0 || duplicateShare >= 1 || cacheHitShare < 0 || cacheHitShare > 1) {
            throw new IllegalArgumentException("duplicate share must be in [0, 1) and cache-hit share in [0, 1]");
        }
        this.runId = runId;
        this.random = new SplittableRandom(seed);
        this.duplicateShare = duplicateShare;
        this.cacheHitShare = cacheHitShare;
        this.balance = startBalanceUsd;
        this.startMillis = startMillis;
    }

    /** The next record: a fresh event, or (with the duplicate share) a redelivery of the one before. */
    public Event next() {
        if (pendingDuplicate != null) {
            Event again = pendingDuplicate;
            pendingDuplicate = null;
            return again;
        }
        Event fresh = fresh();
        if (random.nextDouble() < duplicateShare) {
            pendingDuplicate = new Event(fresh.key(), fresh.value(), true);
        }
        return fresh;
    }

    private Event fresh() {
        long n = distinct++;
        String requestId = runId + "-" + n;
        boolean async = random.nextInt(3) == 0;
        Object[] model = MODELS.get(random.nextInt(MODELS.size()));
        int prompt = 20 + random.nextInt(1500);
        int completion = 10 + random.nextInt(400);
        BigDecimal cost = new BigDecimal((String) model[1]).multiply(BigDecimal.valueOf(prompt))
                .add(new BigDecimal((String) model[2]).multiply(BigDecimal.valueOf(completion)))
                .divide(MILLION, 8, RoundingMode.HALF_UP);
        boolean cacheHit = random.nextDouble() < cacheHitShare;
        BigDecimal charge = cacheHit ? BigDecimal.ZERO : cost;
        int callNumber = cacheHit ? 0 : 1;
        String eventId = requestId + "." + callNumber;
        balance = balance.subtract(charge);
        charged = charged.add(charge);
        ObjectNode e = MAPPER.createObjectNode()
                .put("schema_version", "1.2")
                .put("event_id", eventId)
                .put("request_id", requestId)
                .put("job_id", async ? "job_" + requestId : null)
                .put("lane", async ? "async" : "interactive")
                .put("feature", FEATURES[random.nextInt(FEATURES.length)])
                .put("tenant", "default")
                .put("model_requested", (String) model[0])
                .put("model_used", (String) model[0])
                .put("prompt_tokens", prompt)
                .put("completion_tokens", cacheHit ? 0 : completion)
                .put("charged_usd", charge)
                .put("balance_usd", cacheHit ? null : balance)
                .put("charge_source", cacheHit ? "none" : "header")
                .put("cache_hit", cacheHit)
                .put("saved_usd", cacheHit ? cost : BigDecimal.ZERO)
                .put("status", "ok")
                .put("http_status", 200)
                .put("latency_ms", cacheHit ? 2 : 200 + random.nextInt(2000))
                .put("call_number", callNumber)
                // one millisecond apart (the ledger's resolution): event time orders the balance readings without ties
                .put("occurred_at", Instant.ofEpochMilli(startMillis + n).toString());
        return new Event(eventId, e.toString(), false);
    }

    /** True when the next record is the redelivery of the last one. */
    public boolean hasPendingDuplicate() {
        return pendingDuplicate != null;
    }

    /** Distinct request ids generated so far. */
    public long distinct() {
        return distinct;
    }

    /** Sum of the charges of the distinct events so far (what billing's ledger must add up to). */
    public BigDecimal charged() {
        return charged;
    }

    /** The balance the last charged event reported. */
    public BigDecimal balance() {
        return balance;
    }
}
