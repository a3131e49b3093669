package dev.llmfleet.loadtest.steps;

import dev.llmfleet.loadtest.Report;
import dev.llmfleet.loadtest.StageResult;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A stepped run: its settings, one {@link Step} per stage run, the verdict, and what could not be measured. The JSON
 * document ({@code --json}) is this record in snake_case with money as plain decimals.
 */
public record StepsReport(String command, String startedAt, String finishedAt, Settings settings, List<Step> steps,
                          StepVerdict.Verdict verdict, String chart, List<String> notes) {

    /** What was run against what. */
    public record Settings(String runId, String baseUrl, String billingUrl, String workerUrl, String kafka, String lane,
                           String workload, long workloadLines, List<Double> stages, double stageSeconds, boolean noCache,
                           double maxErrorRate, double maxP99Ms, double maxCostCreep) {
    }

    /** One stage: its offered rate and duration, and each lane's figures. */
    public record Step(int stage, double rate, double seconds, String startedAt, List<LaneStep> lanes) {
    }

    /**
     * One lane in one stage.
     *
     * @param requests       what the load tool saw: for the interactive lane the chat completions, for the async lane the
     *                       job submissions ({@code POST /v1/jobs}: latency is intake's time to accept a job)
     * @param offeredRate    requests of this lane scheduled per second of the stage
     * @param ledger         the stage's figures in billing's ledger for this lane (null without billing)
     * @param async          the worker's side (async lane only, null without the worker's metrics)
     * @param costPerRequest the figure the cost limit judges: the response headers' on the interactive lane, the ledger's
     *                       on the async lane (job submissions carry no charge)
     */
    public record LaneStep(String lane, double offeredRate, StageResult requests, LedgerFigures ledger, AsyncFigures async,
                           BigDecimal costPerRequest, String costSource) {
    }

    /** The ledger's spend, requests and cache hits for a lane over the stage (difference of two readings). */
    public record LedgerFigures(BigDecimal usd, long requests, long cacheHits, BigDecimal costPerRequest, Double cacheHitRatio,
                                boolean caughtUp, double waitedSeconds) {
        static LedgerFigures of(Ledger.Totals added, Ledger.Settled settled) {
            return new LedgerFigures(added.usd(), added.requests(), added.cacheHits(), added.costPerRequest(), added.cacheHitRatio(),
                    settled.caughtUp(), settled.waitedSeconds());
        }
    }

    /**
     * The async lane behind intake during the stage: jobs the worker finished (any outcome but a retry), per second of the
     * stage, and the consumer lag (Kafka's, else the worker's own fetch lag) at the stage's end and at most.
     */
    public record AsyncFigures(long finished, double finishedPerSecond, Long lagAtEnd, Long lagMax, String lagSource) {
    }

    /** The terminal table: one row per stage and lane. */
    public String table() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"stage", "lane", "offered/s", "achieved/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "ttft p50/p99",
                "err%", "errors", "cache hit", "$/req headers", "$/req ledger", "jobs done/s", "lag end/max", "limits"});
        for (Step step : steps) {
            for (LaneStep lane : step.lanes()) {
                StageResult r = lane.requests();
                rows.add(new String[] {step.stage() + ":" + StepVerdict.rate(step.rate()) + "/s", lane.lane(), num(lane.offeredRate()),
                        num(r.achievedRate()), num(r.latencyP50Ms()), num(r.latencyP95Ms()), num(r.latencyP99Ms()), num(r.latencyMaxMs()),
                        r.streams() == 0 ? "-" : num(r.ttftP50Ms()) + "/" + num(r.ttftP99Ms()),
                        String.format(Locale.ROOT, "%.2f%%", r.errorRate() * 100), errors(r.errorsByStatus()), cacheHit(lane),
                        "async".equals(lane.lane()) ? "-" : usd(r.chargedUsdPerRequest()),
                        lane.ledger() == null ? "-" : usd(lane.ledger().costPerRequest()) + (lane.ledger().caughtUp() ? "" : "*"),
                        lane.async() == null ? "-" : num(lane.async().finishedPerSecond()),
                        lane.async() == null ? "-" : count(lane.async().lagAtEnd()) + "/" + count(lane.async().lagMax()),
                        held(step.stage(), lane.lane())});
            }
        }
        return Report.table(rows);
    }

    private String held(int stage, String lane) {
        String broken = verdict.breaches().stream().filter(b -> b.stage() == stage && b.lane().equals(lane))
                .map(StepVerdict.Breach::limit).collect(Collectors.joining(","));
        return broken.isEmpty() ? "held" : "BROKE " + broken;
    }

    /** Header cache hits on the interactive lane; the ledger's on the async lane (job submissions say nothing about the cache). */
    private static String cacheHit(LaneStep lane) {
        Double ratio = "async".equals(lane.lane()) ? (lane.ledger() == null ? null : lane.ledger().cacheHitRatio())
                : lane.requests().cacheHitRatio();
        return ratio == null ? "-" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    static String num(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String count(Long v) {
        return v == null ? "-" : String.valueOf(v);
    }

    static String usd(BigDecimal v) {
        return v == null ? "-" : v.setScale(6, RoundingMode.HALF_UP).toPlainString();
    }

    private static String errors(Map<String, Long> byStatus) {
        return byStatus.isEmpty() ? "-" : byStatus.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(" "));
    }
}
