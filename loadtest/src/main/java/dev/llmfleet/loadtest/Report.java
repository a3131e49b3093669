package dev.llmfleet.loadtest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A whole run's results: the human-readable tables and the {@code --json} document (snake_case, money as plain decimals).
 *
 * @param targets name to base URL, in run order (in a comparison the last is the baseline, each other one "through")
 * @param warmup  the warm-up stage per target (stage 0, marked prompts), kept out of the tables
 */
public record Report(String command, String startedAt, String finishedAt, String workload, String lane, long workloadRequests,
                     boolean includeRejects, boolean noCache, double costCreepThreshold, Map<String, String> targets,
                     List<StageResult> warmup, List<StageResult> stages, List<StageComparison> comparisons, List<CostCreep.Warning> costCreep) {

    /** One row per stage and target. */
    public String stagesTable() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"target", "stage", "sent", "ok", "err%", "p50 ms", "p90 ms", "p99 ms", "max ms", "ok/s", "send lag ms",
                "charged $", "$/request", "cache hit", "errors"});
        for (StageResult s : stages) {
            rows.add(new String[] {s.target(), s.stage() + ":" + s.label(), String.valueOf(s.sent()), String.valueOf(s.ok()),
                    percent(s.errorRate() * 100), ms(s.latencyP50Ms()), ms(s.latencyP90Ms()), ms(s.latencyP99Ms()), ms(s.latencyMaxMs()),
                    String.format(Locale.ROOT, "%.1f", s.achievedRate()), String.format(Locale.ROOT, "%.1f", s.maxSendLagMs()),
                    usd(s.chargedUsd(), 4), usd(s.chargedUsdPerRequest(), 6),
                    s.cacheHitRatio() == null ? "-" : percent(s.cacheHitRatio() * 100), errors(s.errorsByStatus())});
        }
        return table(rows);
    }

    /** One row per stage: what the first target adds in latency and saves in cost over the baseline. */
    public String comparisonTable() {
        return comparisons.isEmpty() ? "" : comparisonTable(comparisons.get(0).through());
    }

    /** One row per stage: what target {@code through} adds in latency and saves in cost over the baseline (the last target). */
    public String comparisonTable(String through) {
        List<StageComparison> rowsOf = comparisons.stream().filter(c -> c.through().equals(through)).toList();
        if (rowsOf.isEmpty()) {
            return "";
        }
        String a = through;
        String b = rowsOf.get(0).baseline();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"stage", "p50 " + a, "p50 " + b, "added p50", "p99 " + a, "p99 " + b, "added p99",
                "$/req " + a, "$/req " + b, "saving", "err% " + a, "err% " + b, "ok/s " + a, "ok/s " + b});
        for (StageComparison c : rowsOf) {
            rows.add(new String[] {c.stage() + ":" + c.label(), ms(c.throughP50Ms()), ms(c.baselineP50Ms()), signedMs(c.addedP50Ms()),
                    ms(c.throughP99Ms()), ms(c.baselineP99Ms()), signedMs(c.addedP99Ms()),
                    usd(c.throughUsdPerRequest(), 6), usd(c.baselineUsdPerRequest(), 6),
                    c.savingPercent() == null ? "-" : percent(c.savingPercent()),
                    percent(c.throughErrorRate() * 100), percent(c.baselineErrorRate() * 100),
                    String.format(Locale.ROOT, "%.1f", c.throughAchievedRate()), String.format(Locale.ROOT, "%.1f", c.baselineAchievedRate())});
        }
        return table(rows);
    }

    public void writeJson(Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
        mapper.writeValue(file.toFile(), this);
    }

    public static String table(List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            for (int i = 0; i < row.length; i++) {
                String cell = i < 2 ? String.format("%-" + widths[i] + "s", row[i]) : String.format("%" + widths[i] + "s", row[i]);
                out.append(i == 0 ? "" : "  ").append(cell);
            }
            out.append('\n');
            if (r == 0) {
                for (int i = 0; i < widths.length; i++) {
                    out.append(i == 0 ? "" : "  ").append("-".repeat(widths[i]));
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String ms(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String signedMs(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%+.1f", value);
    }

    private static String percent(double value) {
        return String.format(Locale.ROOT, "%.1f%%", value);
    }

    private static String usd(BigDecimal value, int scale) {
        return value == null ? "-" : value.setScale(scale, RoundingMode.HALF_UP).toPlainString();
    }

    private static String errors(Map<String, Long> byStatus) {
        return byStatus.isEmpty() ? "-" : byStatus.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(" "));
    }
}
