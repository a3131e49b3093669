package dev.llmfleet.loadtest.steps;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.loadtest.JobsRun;
import dev.llmfleet.loadtest.LoadRunner;
import dev.llmfleet.loadtest.Stage;
import dev.llmfleet.loadtest.StageRecorder;
import dev.llmfleet.loadtest.StageResult;
import dev.llmfleet.loadtest.Workload;
import dev.llmfleet.loadtest.WorkloadRequest;
import dev.llmfleet.loadtest.jobs.JobSource;
import dev.llmfleet.loadtest.jobs.KafkaLag;
import dev.llmfleet.loadtest.jobs.Monitor;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The {@code steps} command: the workload's lines at each stage's rate, open loop (interactive lines as chat completions,
 * async lines as jobs), with a live progress line, then per stage and lane the load tool's figures, the ledger's cost per
 * request for the same stage and the worker's jobs/s and lag; then the verdict against the limits, the table, the JSON and
 * the SVG chart beside it. Stops after the first stage that broke an error or latency limit unless told to keep going.
 */
public final class StepsRun {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String INTERACTIVE = "interactive";
    private static final String ASYNC = "async";

    /** Everything a run needs; {@code billingUrl}, {@code workerUrl} and {@code kafka} may be null (their figures are then missing). */
    public record Options(URI baseUrl, String apiKey, String billingUrl, String workerUrl, String kafka, String lane, Path workload,
                          List<Double> rates, int stageSeconds, StepVerdict.Limits limits, boolean noCache, int connections,
                          Duration timeout, Duration ledgerWait, int warmupSeconds, boolean keepGoing, Path json) {
    }

    private final Options options;
    private final PrintStream out;
    private final PrintStream progress;
    private final List<String> notes = new ArrayList<>();
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong jobNumber = new AtomicLong();

    public StepsRun(Options options, PrintStream out, PrintStream progress) {
        this.options = options;
        this.out = out;
        this.progress = progress;
    }

    /** Maps {@code --lane interactive|async|both} to the workload's filter. */
    public static Workload.Lane laneFilter(String lane) {
        return switch (lane) {
            case INTERACTIVE -> Workload.Lane.INTERACTIVE;
            case ASYNC -> Workload.Lane.ASYNC;
            case "both" -> Workload.Lane.ALL;
            default -> throw new IllegalArgumentException("bad --lane '" + lane + "'; expected interactive, async or both");
        };
    }

    public int run() throws Exception {
        String startedAt = Instant.now().toString();
        Workload workload = Workload.load(options.workload(), laneFilter(options.lane()), false);
        List<String> lanes = workload.lanes().stream().filter(l -> INTERACTIVE.equals(l) || ASYNC.equals(l)).toList();
        if (lanes.isEmpty()) {
            throw new IllegalArgumentException("workload " + options.workload() + " has no interactive or async lines");
        }
        progress.printf(Locale.ROOT, "loadtest steps %s: %s, lane %s (%d workload lines), stages %s req/s x %d s; limits: errors %.2f%%, "
                        + "p99 %.0f ms, cost creep %.0f%%%n", runId, options.baseUrl(), options.lane(), workload.size(),
                options.rates().stream().map(StepVerdict::rate).collect(Collectors.joining(",")), options.stageSeconds(),
                options.limits().maxErrorRate() * 100, options.limits().maxP99Ms(), options.limits().maxCostCreep() * 100);
        List<StepsReport.Step> steps = new ArrayList<>();
        List<List<StepVerdict.Reading>> readings = new ArrayList<>();
        KafkaLag kafka = lanes.contains(ASYNC) && options.kafka() != null ? new KafkaLag(options.kafka(), "llm-fleet-worker", KafkaLag.JOB_TOPICS) : null;
        try (kafka; Monitor monitor = asyncMonitor(lanes, kafka);
             LoadRunner runner = new LoadRunner(new LoadRunner.Settings(options.apiKey(), options.noCache(), options.connections(),
                     options.timeout()))) {
            if (options.warmupSeconds() > 0) {
                warmUp(runner, workload, lanes);
            }
            Ledger ledger = options.billingUrl() == null ? null : new Ledger(options.billingUrl(), options.apiKey());
            Ledger.Reading before = null;
            if (ledger == null) {
                notes.add("no billing URL (--billing-url or FLEET_BILLING_URL): no ledger figures");
            } else {
                try {
                    before = ledger.read();
                } catch (IOException e) {
                    notes.add("billing unreadable at " + ledger.summaryUri() + ": " + e.getMessage() + "; no ledger figures");
                    ledger = null;
                }
            }
            long cursor = 0;
            for (int i = 0; i < options.rates().size(); i++) {
                Stage stage = new Stage(options.rates().get(i), Duration.ofSeconds(options.stageSeconds()));
                Map<String, StageRecorder> recorders = new LinkedHashMap<>();
                lanes.forEach(lane -> recorders.put(lane, new StageRecorder()));
                String stageStart = Instant.now().toString();
                double from = monitor == null ? 0 : monitor.now();
                Long finishedBefore = finished(monitor);
                long first = cursor;
                long elapsed;
                try (Ticker ignored = new Ticker(i + 1, stage, recorders)) {
                    elapsed = runner.run(stage, n -> request(workload.get(first + n), recorders), List.copyOf(recorders.values()));
                }
                cursor += stage.plannedRequests();
                StepsReport.AsyncFigures async = asyncFigures(monitor, from, finishedBefore, elapsed);
                Map<String, StageResult> results = new LinkedHashMap<>();
                for (Map.Entry<String, StageRecorder> e : recorders.entrySet()) {
                    results.put(e.getKey(), e.getValue().result(e.getKey(), stageNumber(i), stage, elapsed));
                }
                Ledger.Settled settled = null;
                if (ledger != null) {
                    // interactive answers are billed as they come, so billing catches up with them; the async lane's spend
                    // keeps flowing while a backlog drains, so without interactive lines the ledger is read as it stands
                    settled = results.containsKey(INTERACTIVE)
                            ? ledger.settle(before, INTERACTIVE, results.get(INTERACTIVE).ok(), options.ledgerWait())
                            : new Ledger.Settled(ledger.read(), true, 0);
                }
                List<StepsReport.LaneStep> laneSteps = new ArrayList<>();
                List<StepVerdict.Reading> stageReadings = new ArrayList<>();
                for (Map.Entry<String, StageResult> e : results.entrySet()) {
                    StepsReport.LaneStep laneStep = laneStep(e.getKey(), e.getValue(), settled == null ? null
                            : StepsReport.LedgerFigures.of(settled.reading().since(before).lane(e.getKey()), settled), async, stage);
                    laneSteps.add(laneStep);
                    stageReadings.add(new StepVerdict.Reading(stageNumber(i), stage.ratePerSecond(), laneStep.lane(),
                            laneStep.requests().errorRate(), laneStep.requests().latencyP99Ms(), laneStep.costPerRequest()));
                }
                if (settled != null) {
                    before = settled.reading();
                    if (!settled.caughtUp()) {
                        notes.add(String.format(Locale.ROOT, "stage %d: billing had not caught up after %.0f s; its figures are a lower bound (* in the table)",
                                stageNumber(i), settled.waitedSeconds()));
                    }
                }
                steps.add(new StepsReport.Step(stageNumber(i), stage.ratePerSecond(), options.stageSeconds(), stageStart, laneSteps));
                readings.add(stageReadings);
                printStage(steps.get(steps.size() - 1));
                List<StepVerdict.Breach> breaches = StepVerdict.breaches(readings, options.limits());
                if (StepVerdict.brokeErrorsOrLatency(breaches, stageNumber(i)) && !options.keepGoing() && i + 1 < options.rates().size()) {
                    progress.printf("  stage %d broke a limit: stopping here (--keep-going runs the rest)%n", stageNumber(i));
                    break;
                }
            }
            if (monitor != null) {
                notes.addAll(monitor.problems());
            }
        }
        StepVerdict.Verdict verdict = StepVerdict.judge(readings, options.limits(), options.rates().size());
        Path json = options.json() != null ? options.json()
                : Path.of(".fleet", "steps", "steps-" + startedAt.replaceAll("[:.]", "-") + ".json");
        Path chart = json.resolveSibling(json.getFileName().toString().replaceAll("\\.json$", "") + ".svg");
        StepsReport report = new StepsReport("steps", startedAt, Instant.now().toString(), settings(workload), steps, verdict,
                chart.getFileName().toString(), List.copyOf(notes));
        out.println();
        out.print(report.table());
        out.println("(async lane: latency is intake's time to accept POST /v1/jobs; its cache hits and $/req are the ledger's. "
                + "$/req ledger = billing's spend / requests for the stage; * billing had not caught up)");
        notes.forEach(n -> out.println("note: " + n));
        out.println("VERDICT: " + verdict.summary() + " -> exit " + verdict.exitCode());
        if (json.getParent() != null) {
            Files.createDirectories(json.getParent());
        }
        JobsRun.write(json, report);
        Files.writeString(chart, StepsChart.svg(StepsChart.data(report)));
        progress.println("results written to " + json + ", chart " + chart);
        return verdict.exitCode();
    }

    /**
     * The first stage's rate for {@code --warmup-seconds} with every prompt marked, so it warms the JVMs without priming the
     * cache the stages then hit; not part of the results.
     */
    private void warmUp(LoadRunner runner, Workload workload, List<String> lanes) {
        Stage warmup = new Stage(options.rates().get(0), Duration.ofSeconds(options.warmupSeconds()));
        Workload marked = workload.marked("warm-up");
        Map<String, StageRecorder> recorders = new LinkedHashMap<>();
        lanes.forEach(lane -> recorders.put(lane, new StageRecorder()));
        progress.printf("  warm-up: %s req/s for %d s (prompts marked, not in the results)%n", StepVerdict.rate(warmup.ratePerSecond()),
                options.warmupSeconds());
        runner.run(warmup, n -> request(marked.get(n), recorders), List.copyOf(recorders.values()));
        recorders.forEach((lane, recorder) -> {
            StageRecorder.Progress p = recorder.progress();
            progress.printf(Locale.ROOT, "  warm-up %s: %d sent, %d ok, %d errors%n", lane, p.sent(), p.ok(), p.errors());
        });
    }

    private static int stageNumber(int index) {
        return index + 1;
    }

    private LoadRunner.Request request(WorkloadRequest line, Map<String, StageRecorder> recorders) {
        StageRecorder recorder = recorders.get(line.lane());
        if (INTERACTIVE.equals(line.lane())) {
            return new LoadRunner.Request(URI.create(options.baseUrl() + "/v1/chat/completions"), line.body(), line.feature(), line.stream(), recorder);
        }
        // intake names a job by its normalised input: a replayed line would answer the earlier job, so each is tagged with the run and a number
        try {
            ObjectNode job = JobSource.asJob(MAPPER.readTree(line.body()), line.feature(), line.priority());
            JobSource.tag(job, runId, jobNumber.getAndIncrement());
            return new LoadRunner.Request(URI.create(options.baseUrl() + "/v1/jobs"), MAPPER.writeValueAsBytes(job), "", false, recorder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private StepsReport.LaneStep laneStep(String lane, StageResult result, StepsReport.LedgerFigures ledger, StepsReport.AsyncFigures async,
                                          Stage stage) {
        double offered = result.sent() / (stage.duration().toMillis() / 1000.0);
        if (INTERACTIVE.equals(lane)) {
            return new StepsReport.LaneStep(lane, offered, result, ledger, null, result.ok() == 0 ? null : result.chargedUsdPerRequest(), "headers");
        }
        return new StepsReport.LaneStep(lane, offered, result, ledger, async, ledger == null ? null : ledger.costPerRequest(), "ledger");
    }

    /** Watches the worker's counters and the consumer lag while async lines are sent; null when there is no worker to read. */
    private Monitor asyncMonitor(List<String> lanes, KafkaLag kafka) {
        if (!lanes.contains(ASYNC)) {
            return null;
        }
        if (options.workerUrl() == null) {
            notes.add("no worker URL (--worker-url or FLEET_WORKER_URL): no jobs/s or lag for the async lane");
            return null;
        }
        Monitor monitor = new Monitor(options.workerUrl(), null, kafka, Duration.ofSeconds(1), () -> 0,
                new PrintStream(OutputStream.nullOutputStream()));
        try {
            monitor.start();
            return monitor;
        } catch (Exception e) {
            monitor.close();
            notes.add("worker metrics unreadable at " + options.workerUrl() + ": " + e.getMessage() + "; no jobs/s or lag for the async lane");
            return null;
        }
    }

    private static Long finished(Monitor monitor) {
        if (monitor == null) {
            return null;
        }
        try {
            return monitor.finishedNow();
        } catch (Exception e) {
            return null;
        }
    }

    private StepsReport.AsyncFigures asyncFigures(Monitor monitor, double from, Long finishedBefore, long elapsedNanos) {
        Long finishedAfter = finished(monitor);
        if (finishedBefore == null || finishedAfter == null) {
            return null;
        }
        Monitor.Tick end = monitor.tickNow();
        boolean kafkaLag = end != null && end.lag() != null;
        java.util.function.Function<Monitor.Tick, Double> lag = kafkaLag ? t -> t.lag() == null ? null : t.lag().doubleValue() : Monitor.Tick::workerLagMax;
        Double atEnd = end == null ? null : lag.apply(end);
        Double max = monitor.max(from, monitor.now(), lag);
        long finished = finishedAfter - finishedBefore;
        return new StepsReport.AsyncFigures(finished, finished / (elapsedNanos / 1e9), atEnd == null ? null : Math.round(atEnd),
                max == null ? null : Math.round(max), kafkaLag ? "kafka" : "worker fetch lag");
    }

    private StepsReport.Settings settings(Workload workload) {
        StepVerdict.Limits l = options.limits();
        return new StepsReport.Settings(runId, options.baseUrl().toString(), options.billingUrl(), options.workerUrl(), options.kafka(),
                options.lane(), options.workload().toString(), workload.size(), options.rates(), options.stageSeconds(), options.noCache(),
                l.maxErrorRate(), l.maxP99Ms(), l.maxCostCreep());
    }

    private void printStage(StepsReport.Step step) {
        for (StepsReport.LaneStep lane : step.lanes()) {
            StageResult r = lane.requests();
            progress.printf(Locale.ROOT, "  stage %d %s: %d sent, %d ok, %.2f%% errors%s, p99 %s ms, $/req headers %s, ledger %s%s%n", step.stage(),
                    lane.lane(), r.sent(), r.ok(), r.errorRate() * 100, r.errorsByStatus().isEmpty() ? "" : " " + r.errorsByStatus(),
                    StepsReport.num(r.latencyP99Ms()), ASYNC.equals(lane.lane()) ? "-" : StepsReport.usd(r.chargedUsdPerRequest()),
                    lane.ledger() == null ? "-" : StepsReport.usd(lane.ledger().costPerRequest()),
                    lane.async() == null ? "" : String.format(Locale.ROOT, ", jobs done %.1f/s, lag %s", lane.async().finishedPerSecond(),
                            lane.async().lagAtEnd() == null ? "-" : lane.async().lagAtEnd()));
        }
    }

    /**
     * The live progress line of a stage: achieved rate, errors, p99 and cost per request so far per lane, every second
     * (rewritten in place on a terminal; a new line every 5 s otherwise).
     */
    private final class Ticker implements AutoCloseable {
        private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "steps-progress");
            t.setDaemon(true);
            return t;
        });
        private final boolean terminal = System.console() != null;
        private final int stage;
        private final Stage spec;
        private final Map<String, StageRecorder> recorders;
        private final long start = System.nanoTime();

        Ticker(int stage, Stage spec, Map<String, StageRecorder> recorders) {
            this.stage = stage;
            this.spec = spec;
            this.recorders = recorders;
            long every = terminal ? 1 : 5;
            scheduler.scheduleAtFixedRate(this::print, every, every, TimeUnit.SECONDS);
        }

        private void print() {
            double seconds = (System.nanoTime() - start) / 1e9;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  stage %d/%d %s req/s %3.0f/%d s", stage, options.rates().size(),
                    StepVerdict.rate(spec.ratePerSecond()), seconds, options.stageSeconds()));
            recorders.forEach((lane, recorder) -> {
                StageRecorder.Progress p = recorder.progress();
                line.append(String.format(Locale.ROOT, " | %s %.1f/s ok, %d err, p99 %s ms", lane, p.ok() / seconds, p.errors(),
                        StepsReport.num(p.latencyP99Ms())));
                if (INTERACTIVE.equals(lane)) {
                    line.append(" $").append(StepsReport.usd(p.chargedPerRequest())).append("/req");
                }
            });
            if (terminal) {
                progress.print("\r" + line);
            } else {
                progress.println(line);
            }
            progress.flush();
        }

        @Override
        public void close() {
            scheduler.shutdownNow();
            if (terminal) {
                progress.println();
            }
        }
    }
}
