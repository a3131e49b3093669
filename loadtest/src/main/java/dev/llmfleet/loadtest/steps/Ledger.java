package dev.llmfleet.loadtest.steps;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.loadtest.jobs.Monitor;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Billing's own figures for a stage. Billing's summary has no time range finer than its windows and no run tag (the ledger is
 * grouped by feature, model, lane and tenant, and every request is tenant {@code default}), so a stage's spend is the difference
 * of two readings of {@code GET /v1/billing/summary?window=30d&by=lane}, one before the stage and one once billing has caught
 * up with it. That is exact while nothing else uses the platform and the stage does not cross UTC midnight (when the 30-day
 * window drops its oldest day).
 */
public final class Ledger {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Duration POLL = Duration.ofMillis(500);

    /** Spend, distinct requests and cache hits of one lane. */
    public record Totals(BigDecimal usd, long requests, long cacheHits) {
        static final Totals NONE = new Totals(BigDecimal.ZERO, 0, 0);

        Totals minus(Totals earlier) {
            return new Totals(usd.subtract(earlier.usd), requests - earlier.requests, cacheHits - earlier.cacheHits);
        }

        /** USD per request to the nano-dollar, or null without requests. */
        public BigDecimal costPerRequest() {
            return requests <= 0 ? null : usd.divide(BigDecimal.valueOf(requests), 9, RoundingMode.HALF_UP).stripTrailingZeros();
        }

        public Double cacheHitRatio() {
            return requests <= 0 ? null : (double) cacheHits / requests;
        }
    }

    /** One reading (or the difference of two), by lane. */
    public record Reading(Map<String, Totals> byLane) {
        public Totals lane(String lane) {
            return byLane.getOrDefault(lane, Totals.NONE);
        }

        /** What was added since {@code earlier}. */
        public Reading since(Reading earlier) {
            Map<String, Totals> added = new TreeMap<>();
            byLane.forEach((lane, totals) -> added.put(lane, totals.minus(earlier.lane(lane))));
            return new Reading(added);
        }
    }

    /**
     * A reading taken once billing caught up with a stage.
     *
     * @param caughtUp false when {@code maxWait} ran out first (the stage's ledger figures are then a lower bound)
     */
    public record Settled(Reading reading, boolean caughtUp, double waitedSeconds) {
    }

    private final URI summary;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Billing's ledger as {@code apiKey} sees it: a tenant key, the one the load is sent with, sees that tenant's spend. */
    public Ledger(String billingUrl, String apiKey) {
        this.summary = URI.create(Monitor.strip(billingUrl).replaceAll("/v1$", "") + "/v1/billing/summary?window=30d&by=lane");
        this.apiKey = apiKey;
    }

    public URI summaryUri() {
        return summary;
    }

    public Reading read() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(summary).timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + apiKey).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("billing " + summary + " answered " + response.statusCode() + ": "
                    + response.body().substring(0, Math.min(200, response.body().length())));
        }
        return parse(MAPPER.readTree(response.body()));
    }

    /** The lanes of a summary grouped {@code by=lane}. */
    static Reading parse(JsonNode summary) {
        Map<String, Totals> byLane = new TreeMap<>();
        for (JsonNode group : summary.path("groups")) {
            Totals totals = new Totals(group.path("total_usd").decimalValue(), group.path("requests").asLong(),
                    group.path("cache_hits").asLong());
            byLane.merge(group.path("lane").asText("?"), totals,
                    (a, b) -> new Totals(a.usd.add(b.usd), a.requests + b.requests, a.cacheHits + b.cacheHits));
        }
        return new Reading(byLane);
    }

    /**
     * Reads until billing has counted at least {@code atLeast} requests of {@code lane} since {@code before} and two readings
     * half a second apart agree on that lane, or until {@code maxWait}. Billing counts a request when its usage event arrives
     * over Kafka, so right after a stage its last answers may not be in yet.
     */
    public Settled settle(Reading before, String lane, long atLeast, Duration maxWait) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + maxWait.toNanos();
        Reading previous = read();
        while (true) {
            Thread.sleep(POLL.toMillis());
            Reading now = read();
            long added = now.since(before).lane(lane).requests();
            boolean stable = now.lane(lane).equals(previous.lane(lane));
            if (added >= atLeast && stable) {
                return new Settled(now, true, (System.nanoTime() - start) / 1e9);
            }
            if (System.nanoTime() >= deadline) {
                return new Settled(now, false, (System.nanoTime() - start) / 1e9);
            }
            previous = now;
        }
    }
}
