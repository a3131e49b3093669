package dev.llmfleet.loadtest.steps;

import dev.llmfleet.loadtest.CostCreep;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Judges a stepped run against its limits: per lane and stage the error rate, the p99 latency and the cost per request's
 * rise over the lane's first stage. The verdict names the highest stage before the first one that broke a limit, that
 * stage and what it broke, and whether cost per request crept anywhere; its exit code is 4 when an error or latency limit
 * broke (whatever the cost did), else 3 when cost per request crept, else 0.
 */
public final class StepVerdict {
    public static final int EXIT_SOUND = 0;
    public static final int EXIT_COST_CREEP = 3;
    public static final int EXIT_LIMIT_BROKEN = 4;

    public static final String ERROR_RATE = "error_rate";
    public static final String P99 = "p99";
    public static final String COST_CREEP = "cost_creep";

    /**
     * @param maxErrorRate errors / sent, as a fraction (0.01 = 1 %)
     * @param maxCostCreep the tolerated rise of cost per request over the first stage, as a fraction (0.10 = 10 %)
     */
    public record Limits(double maxErrorRate, double maxP99Ms, double maxCostCreep) {
    }

    /**
     * One lane in one stage, as the limits see it.
     *
     * @param p99Ms          p99 latency of the successful answers (null: none)
     * @param costPerRequest the lane's cost per request (null: no figure, e.g. no successful answer)
     */
    public record Reading(int stage, double rate, String lane, double errorRate, Double p99Ms, BigDecimal costPerRequest) {
    }

    /** A limit a lane broke in a stage: {@code limit} is {@link #ERROR_RATE}, {@link #P99} or {@link #COST_CREEP}. */
    public record Breach(int stage, double rate, String lane, String limit, String message) {
    }

    /**
     * @param highestHeld    the last stage before the first that broke any limit (null: the first stage broke one already)
     * @param firstBroken    the first stage that broke a limit (null: none did)
     * @param firstBrokenBy  what that stage broke
     * @param costCrept      whether any stage's cost per request rose above its lane's first stage by more than the limit
     * @param breaches       every limit broken, in stage order
     */
    public record Verdict(Integer highestHeld, Double highestHeldRate, Integer firstBroken, Double firstBrokenRate,
                          List<Breach> firstBrokenBy, boolean costCrept, List<Breach> breaches, int stagesRun, int stagesPlanned,
                          int exitCode, String summary) {
    }

    private StepVerdict() {
    }

    /** Every limit broken, stage by stage ({@code stages} in run order; each the readings of its lanes). */
    public static List<Breach> breaches(List<List<Reading>> stages, Limits limits) {
        Map<String, BigDecimal> baselines = new LinkedHashMap<>();
        List<Breach> breaches = new ArrayList<>();
        for (List<Reading> stage : stages) {
            for (Reading r : stage) {
                if (r.errorRate() > limits.maxErrorRate()) {
                    breaches.add(new Breach(r.stage(), r.rate(), r.lane(), ERROR_RATE, String.format(Locale.ROOT,
                            "%s error rate %.2f%% > %.2f%%", r.lane(), r.errorRate() * 100, limits.maxErrorRate() * 100)));
                }
                if (r.p99Ms() != null && r.p99Ms() > limits.maxP99Ms()) {
                    breaches.add(new Breach(r.stage(), r.rate(), r.lane(), P99, String.format(Locale.ROOT,
                            "%s p99 %.0f ms > %.0f ms", r.lane(), r.p99Ms(), limits.maxP99Ms())));
                }
                if (r.costPerRequest() == null) {
                    continue;
                }
                BigDecimal base = baselines.putIfAbsent(r.lane(), r.costPerRequest());
                if (base != null && CostCreep.crept(base, r.costPerRequest(), limits.maxCostCreep())) {
                    Double rise = CostCreep.increase(base, r.costPerRequest());
                    breaches.add(new Breach(r.stage(), r.rate(), r.lane(), COST_CREEP, String.format(Locale.ROOT,
                            "%s cost per request $%s %s over its first stage's $%s (limit +%.0f%%)", r.lane(),
                            r.costPerRequest().toPlainString(), rise == null ? "from $0" : String.format(Locale.ROOT, "+%.2f%%", rise * 100),
                            base.toPlainString(), limits.maxCostCreep() * 100)));
                }
            }
        }
        return breaches;
    }

    /** Whether a stage broke an error or latency limit (the run stops there unless told to keep going). */
    public static boolean brokeErrorsOrLatency(List<Breach> breaches, int stage) {
        return breaches.stream().anyMatch(b -> b.stage() == stage && !COST_CREEP.equals(b.limit()));
    }

    /**
     * @param stages        the stages run, in order, each the readings of its lanes
     * @param stagesPlanned how many stages were asked for (more than run when the run stopped at a broken stage)
     */
    public static Verdict judge(List<List<Reading>> stages, Limits limits, int stagesPlanned) {
        List<Breach> breaches = breaches(stages, limits);
        Integer firstBroken = breaches.isEmpty() ? null : breaches.get(0).stage();
        List<Breach> firstBy = breaches.stream().filter(b -> firstBroken != null && b.stage() == firstBroken).toList();
        Reading held = null;
        for (List<Reading> stage : stages) {
            if (stage.isEmpty() || (firstBroken != null && stage.get(0).stage() >= firstBroken)) {
                break;
            }
            held = stage.get(0);
        }
        boolean crept = breaches.stream().anyMatch(b -> COST_CREEP.equals(b.limit()));
        boolean broken = breaches.stream().anyMatch(b -> !COST_CREEP.equals(b.limit()));
        int exit = broken ? EXIT_LIMIT_BROKEN : crept ? EXIT_COST_CREEP : EXIT_SOUND;
        StringBuilder summary = new StringBuilder();
        if (firstBroken == null) {
            summary.append(String.format(Locale.ROOT, "sound: every stage held every limit, up to %s req/s", held == null ? "-" : rate(held.rate())));
        } else {
            if (held == null) {
                summary.append("no stage held every limit");
            } else {
                summary.append(String.format(Locale.ROOT, "held every limit up to stage %d (%s req/s)", held.stage(), rate(held.rate())));
            }
            summary.append(String.format(Locale.ROOT, "; stage %d (%s req/s) broke: %s", firstBroken, rate(firstBy.get(0).rate()),
                    firstBy.stream().map(Breach::message).collect(Collectors.joining("; "))));
        }
        summary.append(crept ? "; cost per request CREPT (" + breaches.stream().filter(b -> COST_CREEP.equals(b.limit()))
                .map(b -> "stage " + b.stage() + " " + b.lane()).collect(Collectors.joining(", ")) + ")"
                : String.format(Locale.ROOT, "; cost per request steady (within %.0f%% of each lane's first stage)", limits.maxCostCreep() * 100));
        if (stages.size() < stagesPlanned) {
            summary.append(String.format(Locale.ROOT, "; stopped after stage %d of %d", stages.size(), stagesPlanned));
        }
        return new Verdict(held == null ? null : held.stage(), held == null ? null : held.rate(), firstBroken,
                firstBroken == null ? null : firstBy.get(0).rate(), firstBy, crept, breaches, stages.size(), stagesPlanned, exit,
                summary.toString());
    }

    static String rate(double rate) {
        return rate == Math.rint(rate) ? String.valueOf((long) rate) : String.valueOf(rate);
    }
}
