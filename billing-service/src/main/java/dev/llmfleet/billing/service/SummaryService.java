package dev.llmfleet.billing.service;

import dev.llmfleet.billing.repository.LedgerRepository;
import dev.llmfleet.billing.repository.LedgerRepository.Counters;
import dev.llmfleet.billing.repository.LedgerRepository.GroupKey;
import dev.llmfleet.billing.repository.LedgerRepository.Resolution;
import dev.llmfleet.common.api.FleetException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Spend over a window, grouped by any of feature, model, lane, tenant. A window is a whole number of buckets
 * ending with the current one (15m and 1h from minute buckets, 24h and 7d from hour buckets, 30d from day
 * buckets, all by event time), so it covers up to one bucket more than its name at the old end.
 */
@ApplicationScoped
public class SummaryService {
    /** The windows a summary can cover. */
    public enum Window {
        M15("15m", Resolution.MINUTE, 15), H1("1h", Resolution.MINUTE, 60), H24("24h", Resolution.HOUR, 24),
        D7("7d", Resolution.HOUR, 168), D30("30d", Resolution.DAY, 30);

        final String name;
        final Resolution resolution;
        final int buckets;

        Window(String name, Resolution resolution, int buckets) {
            this.name = name;
            this.resolution = resolution;
            this.buckets = buckets;
        }

        public static Window parse(String value) {
            for (Window w : values()) {
                if (w.name.equals(value)) {
                    return w;
                }
            }
            throw FleetException.invalid("invalid_window", "Unknown window '" + value + "': use one of 15m, 1h, 24h, 7d, 30d.");
        }
    }

    public static final List<String> DIMENSIONS = List.of("feature", "model", "lane", "tenant");

    private final LedgerRepository ledger;
    private final BalanceService balance;

    public SummaryService(LedgerRepository ledger, BalanceService balance) {
        this.ledger = ledger;
        this.balance = balance;
    }

    /** Parses {@code by} (comma list of dimensions; blank = no grouping); 400 for an unknown one. */
    public static List<String> parseBy(String by) {
        if (by == null) {
            return List.of("feature", "model", "lane");
        }
        Set<String> keys = new LinkedHashSet<>();
        for (String part : by.split(",")) {
            String key = part.trim();
            if (key.isEmpty()) {
                continue;
            }
            if (!DIMENSIONS.contains(key)) {
                throw FleetException.invalid("invalid_group_by", "Unknown group-by key '" + key + "': use any of " + String.join(", ", DIMENSIONS) + ".");
            }
            keys.add(key);
        }
        return List.copyOf(keys);
    }

    /** The summary of {@code tenant}'s spend (null: all); {@code platform}: with the platform's unattributed spend (the operator's figure). */
    public Uni<Map<String, Object>> summary(Window window, List<String> by, String tenant, boolean platform, long nowMillis) {
        return ledger.groups(window.resolution, buckets(window, nowMillis), tenant).map(groups -> build(window, by, groups, platform));
    }

    /**
     * The same window bucket by bucket, oldest first: each bucket's start, its total and its groups (as in a summary),
     * so a chart can show spend over time by feature or model.
     */
    public Uni<Map<String, Object>> series(Window window, List<String> by, String tenant, long nowMillis) {
        List<Long> buckets = buckets(window, nowMillis);
        return ledger.groupsPerBucket(window.resolution, buckets, tenant).map(perBucket -> {
            List<Map<String, Object>> out = new ArrayList<>();
            for (int i = 0; i < buckets.size(); i++) {
                Counters total = total(perBucket.get(i));
                Map<String, Object> bucket = new LinkedHashMap<>();
                bucket.put("start", Instant.ofEpochMilli(buckets.get(i) * window.resolution.millis).toString());
                bucket.put("total_usd", Money.toUsd(total.chargedNanos));
                bucket.put("requests", total.requests);
                bucket.put("groups", groupViews(by, perBucket.get(i)));
                out.add(bucket);
            }
            Map<String, Object> series = new LinkedHashMap<>();
            series.put("window", window.name);
            series.put("bucket_seconds", window.resolution.millis / 1000);
            series.put("buckets", out);
            return series;
        });
    }

    /** The window's buckets, oldest first, ending with the one {@code nowMillis} falls in. */
    private static List<Long> buckets(Window window, long nowMillis) {
        long current = window.resolution.bucket(nowMillis);
        List<Long> buckets = new ArrayList<>();
        for (long b = current - window.buckets + 1; b <= current; b++) {
            buckets.add(b);
        }
        return buckets;
    }

    private Map<String, Object> build(Window window, List<String> by, Map<GroupKey, Counters> groups, boolean platform) {
        Counters total = total(groups);
        List<Map<String, Object>> out = groupViews(by, groups);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("window", window.name);
        summary.put("total_usd", Money.toUsd(total.chargedNanos));
        summary.put("requests", total.requests);
        summary.put("cost_per_request_usd", Money.perRequest(total.chargedNanos, total.requests));
        summary.put("prompt_tokens", total.promptTokens);
        summary.put("completion_tokens", total.completionTokens);
        summary.put("cache_hits", total.cacheHits);
        summary.put("saved_usd", Money.toUsd(total.savedNanos));
        if (platform) {
            summary.put("unattributed_usd", balance.view().unattributedUsd());
        }
        summary.put("by_source", bySource(total));
        summary.put("groups", out);
        return summary;
    }

    private static Counters total(Map<GroupKey, Counters> groups) {
        Counters total = new Counters();
        groups.values().forEach(total::add);
        return total;
    }

    /** The groups projected onto the {@code by} keys, most spent first (ties by key). */
    private static List<Map<String, Object>> groupViews(List<String> by, Map<GroupKey, Counters> groups) {
        Map<List<String>, Counters> projected = new LinkedHashMap<>();
        for (Map.Entry<GroupKey, Counters> e : groups.entrySet()) {
            List<String> key = by.stream().map(d -> value(e.getKey(), d)).toList();
            projected.computeIfAbsent(key, k -> new Counters()).add(e.getValue());
        }
        List<Map.Entry<List<String>, Counters>> sorted = new ArrayList<>(projected.entrySet());
        sorted.sort(Comparator.<Map.Entry<List<String>, Counters>>comparingLong(e -> -e.getValue().chargedNanos)
                .thenComparing(e -> String.join("\u0000", e.getKey())));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<List<String>, Counters> e : sorted) {
            Map<String, Object> group = new LinkedHashMap<>();
            for (int i = 0; i < by.size(); i++) {
                group.put(by.get(i), e.getKey().get(i));
            }
            Counters c = e.getValue();
            group.put("total_usd", Money.toUsd(c.chargedNanos));
            group.put("requests", c.requests);
            group.put("prompt_tokens", c.promptTokens);
            group.put("completion_tokens", c.completionTokens);
            group.put("cache_hits", c.cacheHits);
            group.put("saved_usd", Money.toUsd(c.savedNanos));
            group.put("cost_per_request_usd", Money.perRequest(c.chargedNanos, c.requests));
            group.put("by_source", bySource(c));
            out.add(group);
        }
        return out;
    }

    /** Charged USD by charge source, sources in name order, only those with a charge. */
    private static Map<String, BigDecimal> bySource(Counters c) {
        Map<String, BigDecimal> out = new LinkedHashMap<>();
        c.chargedBySource.forEach((source, nanos) -> out.put(source, Money.toUsd(nanos)));
        return out;
    }

    private static String value(GroupKey key, String dimension) {
        return switch (dimension) {
            case "feature" -> key.feature();
            case "model" -> key.model();
            case "lane" -> key.lane();
            case "tenant" -> key.tenant();
            default -> throw new IllegalArgumentException(dimension);
        };
    }

}
