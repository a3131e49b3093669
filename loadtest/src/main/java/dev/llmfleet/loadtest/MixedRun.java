package dev.llmfleet.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.loadtest.jobs.KafkaLag;
import dev.llmfleet.loadtest.jobs.Monitor;
import dev.llmfleet.loadtest.jobs.Submitter;
import dev.llmfleet.loadtest.jobs.Verifier;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code mixed} command: steady interactive traffic (the {@code run} stages) while a bulk backlog drains.
 * Phase A (with {@code --baseline}): the interactive stages alone. Then the backlog is submitted, and phase B runs the
 * same stages while the worker drains it. Reports interactive p50/p99/error rate per phase side by side with the async
 * lane's throughput, the provider's concurrency in use and, when the simulator says its limit and latency, how much of
 * the capacity interactive traffic left free the async lane used.
 */
public final class MixedRun {
    /** One phase: its interactive stages and what the async lane and the provider did meanwhile. */
    public record Phase(String name, double from, double to, List<StageResult> interactive, long jobsFinished,
                        double asyncJobsPerSecond, Double simInFlightMean, Double simInFlightMax,
                        Double workerLimitMean, Double workerInFlightMean, Double lagAtEnd, Long simCalls, Long sim429s) {
    }

    /** Limit and latency the simulator was set to (GET /admin/config), if it could be read. */
    public record ProviderSettings(Integer maxConcurrentRequests, Double latencyBaseMs, Double latencyPerTokenMs) {
    }

    /**
     * @param theoreticalAsyncJobsPerSecond (limit − phase A's mean provider concurrency) / latency
     * @param capacityUsed                  phase B's async jobs/s over that theoretical figure
     */
    public record Result(String command, String startedAt, String finishedAt, String runId, String interactiveUrl, String stages,
                         boolean noCache, long backlogJobs, Submitter.Result submit, Long enqueued, long finishedDuringSubmit, Phase phaseA,
                         Phase phaseB, long remainingBacklog, ProviderSettings provider, Double theoreticalAsyncJobsPerSecond,
                         Double capacityUsed, double tolerancePercent, List<Verdict> verdicts, Verifier.Result verification,
                         List<Monitor.Tick> series, List<String> problems) {
    }

    /** Phase B against phase A for one stage. */
    public record Verdict(String stage, Double p99A, Double p99B, double p99ChangePercent, boolean p99Within,
                          double errorRateA, double errorRateB, boolean errorsWithin) {
    }

    private final LoadOptions options;
    private final JobsOptions jobs;
    private final Target target;
    private final boolean baseline;
    private final double tolerancePercent;
    private final PrintStream out;
    private final PrintStream progress;

    public MixedRun(LoadOptions options, JobsOptions jobs, Target target, boolean baseline, double tolerancePercent,
                    PrintStream out, PrintStream progress) {
        this.options = options;
        this.jobs = jobs;
        this.target = target;
        this.baseline = baseline;
        this.tolerancePercent = tolerancePercent;
        this.out = out;
        this.progress = progress;
    }

    public int run() throws Exception {
        String startedAt = Instant.now().toString();
        List<Stage> stages = Stage.parseAll(options.stages);
        Workload workload = Workload.load(options.workload, options.laneFilter(), options.includeRejects);
        var source = jobs.source();
        URI intake = URI.create(target.baseUrl().toString().replaceAll("/v1$", ""));
        progress.printf(Locale.ROOT, "loadtest mixed %s: interactive %s stages %s%s (%d workload lines, lane %s)%s; backlog %d jobs; worker %s%n",
                jobs.runId(), target.baseUrl(), options.stages, baseline ? " twice (A alone, B with the backlog)" : " with the backlog",
                workload.size(), options.lane, options.noCache ? " no-cache" : "", jobs.jobs, jobs.workerUrl);
        ProviderSettings provider = providerSettings();
        KafkaLag kafka = jobs.kafka == null || jobs.kafka.isBlank() ? null : new KafkaLag(jobs.kafka, jobs.group, KafkaLag.JOB_TOPICS);
        Submitter[] holder = new Submitter[1];
        try (kafka; Monitor monitor = new Monitor(jobs.workerUrl, jobs.providerUrl, kafka, jobs.interval,
                () -> holder[0] == null ? 0 : holder[0].accepted(), progress);
             LoadRunner runner = new LoadRunner(new LoadRunner.Settings(options.apiKey, options.noCache, options.connections, options.timeout))) {
            Submitter submitter = new Submitter(new Submitter.Settings(intake, options.apiKey, jobs.jobs, jobs.batchSize,
                    jobs.submitRate, jobs.submitConcurrency, jobs.batchTimeout), source, monitor::now, progress);
            holder[0] = submitter;
            monitor.start();
            if (options.warmup != null) {
                runStages(runner, List.of(Stage.parse(options.warmup)), workload.marked("warm-up"), 0, "warm-up");
            }
            long cursor = 0;
            Phase a = null;
            if (baseline) {
                a = phase("A", monitor, runner, stages, workload, cursor);
                cursor += stages.stream().mapToLong(Stage::plannedRequests).sum();
            }
            progress.printf("  submitting the backlog: %d jobs%n", jobs.jobs);
            long before = monitor.finishedNow();
            Submitter.Result submit = submitter.run();
            long finishedDuringSubmit = monitor.finishedNow() - before;
            progress.printf(Locale.ROOT, "  backlog submitted in %.1f s: %d accepted, refused %s; %d finished meanwhile%n",
                    submit.seconds(), submit.accepted(), submit.refused(), finishedDuringSubmit);
            Phase b = phase("B", monitor, runner, stages, workload, cursor);
            long finishedTotal = monitor.finishedNow();
            Long enqueued = monitor.enqueuedNow();
            long remaining = Math.max(0, Math.max(submit.distinctIds(), enqueued == null ? 0 : enqueued) - finishedTotal);
            Verifier.Result verification = jobs.verifySample > 0 && !submitter.ids().isEmpty()
                    ? Verifier.verify(intake, options.apiKey, submitter.ids(), jobs.verifySample, 42) : null;
            Double theoretical = null;
            Double used = null;
            if (a != null && provider != null && provider.maxConcurrentRequests() != null && provider.maxConcurrentRequests() > 0
                    && provider.latencyBaseMs() != null && provider.latencyBaseMs() > 0 && a.simInFlightMean() != null) {
                theoretical = (provider.maxConcurrentRequests() - a.simInFlightMean()) / (provider.latencyBaseMs() / 1000.0);
                used = theoretical > 0 ? b.asyncJobsPerSecond() / theoretical : null;
            }
            List<Verdict> verdicts = new ArrayList<>();
            if (a != null) {
                for (int i = 0; i < stages.size(); i++) {
                    verdicts.add(verdict(a.interactive().get(i), b.interactive().get(i)));
                }
            }
            Result result = new Result("mixed", startedAt, Instant.now().toString(), jobs.runId(), target.baseUrl().toString(),
                    options.stages, options.noCache, jobs.jobs, submit, enqueued, finishedDuringSubmit, a, b, remaining, provider, theoretical,
                    used, tolerancePercent, verdicts, verification, monitor.ticks(), monitor.problems());
            print(result);
            if (options.json != null) {
                JobsRun.write(options.json, result);
                progress.println("results written to " + options.json);
            }
            boolean ok = verdicts.stream().allMatch(v -> v.p99Within() && v.errorsWithin());
            return ok ? LoadTest.EXIT_OK : JobsRun.EXIT_INCOMPLETE;
        }
    }

    private Phase phase(String name, Monitor monitor, LoadRunner runner, List<Stage> stages, Workload workload, long cursor) throws Exception {
        progress.printf("  phase %s: interactive %s%s%n", name, options.stages, "B".equals(name) ? " while the backlog drains" : " alone");
        monitor.tickNow();
        double from = monitor.now();
        long finishedBefore = monitor.finishedNow();
        List<StageResult> results = runStages(runner, stages, workload, cursor, name);
        long finishedAfter = monitor.finishedNow();
        double to = monitor.now();
        Monitor.Tick end = monitor.tickNow();
        double[] sim = monitor.simInFlight(from, to);
        long[] counts = monitor.simCounts(from, to);
        long done = finishedAfter - finishedBefore;
        return new Phase(name, from, to, results, done, to > from ? done / (to - from) : 0,
                sim == null ? null : sim[0], sim == null ? null : sim[1],
                monitor.mean(from, to, Monitor.Tick::limit), monitor.mean(from, to, Monitor.Tick::inFlight),
                end == null || end.lag() == null ? null : end.lag().doubleValue(),
                counts == null ? null : counts[0], counts == null ? null : counts[1]);
    }

    private List<StageResult> runStages(LoadRunner runner, List<Stage> stages, Workload workload, long cursor, String label) {
        List<StageResult> results = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            Stage stage = stages.get(i);
            progress.printf("  %s stage %d (%s) -> %s ...%n", label, i + 1, stage.label(), target.name());
            StageResult r = runner.run(target, "warm-up".equals(label) ? 0 : i + 1, stage, workload, cursor);
            progress.printf(Locale.ROOT, "  %s stage %d: %d sent, %d ok, %d errors %s, p50 %s ms, p99 %s ms%n", label, i + 1, r.sent(),
                    r.ok(), r.errors(), r.errorsByStatus(), JobsRun.fmt(r.latencyP50Ms()), JobsRun.fmt(r.latencyP99Ms()));
            results.add(r);
            cursor += stage.plannedRequests();
        }
        return results;
    }

    Verdict verdict(StageResult a, StageResult b) {
        double tol = tolerancePercent / 100;
        Double p99a = a.latencyP99Ms();
        Double p99b = b.latencyP99Ms();
        double change = p99a == null || p99b == null || p99a == 0 ? Double.NaN : (p99b - p99a) / p99a * 100;
        boolean p99Within = p99a != null && p99b != null && p99b <= p99a * (1 + tol);
        // an error rate near zero cannot move by 10 % of itself: allow 0.1 percentage point on top
        boolean errorsWithin = b.errorRate() <= a.errorRate() * (1 + tol) + 0.001;
        return new Verdict(a.label(), p99a, p99b, change, p99Within, a.errorRate(), b.errorRate(), errorsWithin);
    }

    private ProviderSettings providerSettings() {
        if (jobs.providerUrl == null) {
            return null;
        }
        try {
            String base = Monitor.strip(jobs.providerUrl).replaceAll("/v1$", "");
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/admin/config"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode c = new ObjectMapper().readTree(r.body());
            return new ProviderSettings(c.hasNonNull("max_concurrent_requests") ? c.get("max_concurrent_requests").asInt() : null,
                    c.hasNonNull("latency_base_ms") ? c.get("latency_base_ms").asDouble() : null,
                    c.hasNonNull("latency_per_token_ms") ? c.get("latency_per_token_ms").asDouble() : null);
        } catch (Exception e) {
            progress.println("  could not read the simulator's config: " + e);
            return null;
        }
    }

    private void print(Result r) {
        out.println();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"phase", "stage", "sent", "ok", "err%", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms", "ok/s",
                "async jobs/s", "jobs done", "sim in-flight mean/max", "sim calls", "sim 429s", "worker limit", "worker in-flight", "lag at end"});
        for (Phase p : r.phaseA() == null ? List.of(r.phaseB()) : List.of(r.phaseA(), r.phaseB())) {
            for (StageResult s : p.interactive()) {
                rows.add(new String[] {p.name() + (p.name().equals("A") ? " (alone)" : " (+backlog)"), s.stage() + ":" + s.label(),
                        String.valueOf(s.sent()), String.valueOf(s.ok()), String.format(Locale.ROOT, "%.2f%%", s.errorRate() * 100),
                        s.errorsByStatus().isEmpty() ? "-" : s.errorsByStatus().toString(), JobsRun.fmt(s.latencyP50Ms()),
                        JobsRun.fmt(s.latencyP90Ms()), JobsRun.fmt(s.latencyP99Ms()), JobsRun.fmt(s.latencyMaxMs()),
                        String.format(Locale.ROOT, "%.1f", s.achievedRate()), String.format(Locale.ROOT, "%.1f", p.asyncJobsPerSecond()),
                        String.valueOf(p.jobsFinished()), p.simInFlightMean() == null ? "-"
                        : String.format(Locale.ROOT, "%.1f / %.0f", p.simInFlightMean(), p.simInFlightMax()),
                        p.simCalls() == null ? "-" : String.valueOf(p.simCalls()), p.sim429s() == null ? "-" : String.valueOf(p.sim429s()),
                        JobsRun.fmt(p.workerLimitMean()), JobsRun.fmt(p.workerInFlightMean()),
                        p.lagAtEnd() == null ? "-" : String.format(Locale.ROOT, "%.0f", p.lagAtEnd())});
            }
        }
        out.print(Report.table(rows));
        out.printf(Locale.ROOT, "backlog: %d jobs accepted in %.1f s (refused %s; Kafka received %s), %d finished during the submission; "
                        + "%d left after phase B%n", r.submit().accepted(), r.submit().seconds(), r.submit().refused(),
                r.enqueued() == null ? "-" : r.enqueued(), r.finishedDuringSubmit(), r.remainingBacklog());
        if (r.provider() != null) {
            out.printf(Locale.ROOT, "provider: max_concurrent_requests %s, latency_base_ms %s, latency_per_token_ms %s%n",
                    r.provider().maxConcurrentRequests(), r.provider().latencyBaseMs(), r.provider().latencyPerTokenMs());
        }
        if (r.theoreticalAsyncJobsPerSecond() != null) {
            out.printf(Locale.ROOT, "async capacity left by interactive: (%d - %.1f) / %.3f s = %.1f jobs/s; phase B used %.1f jobs/s = %.0f%%%n",
                    r.provider().maxConcurrentRequests(), r.phaseA().simInFlightMean(), r.provider().latencyBaseMs() / 1000,
                    r.theoreticalAsyncJobsPerSecond(), r.phaseB().asyncJobsPerSecond(), r.capacityUsed() * 100);
        }
        for (Verdict v : r.verdicts()) {
            out.printf(Locale.ROOT, "stage %s: p99 %s → %s ms (%+.1f%%) %s; error rate %.2f%% → %.2f%% %s (tolerance %.0f%%)%n", v.stage(),
                    JobsRun.fmt(v.p99A()), JobsRun.fmt(v.p99B()), v.p99ChangePercent(), v.p99Within() ? "WITHIN" : "OUTSIDE",
                    v.errorRateA() * 100, v.errorRateB() * 100, v.errorsWithin() ? "WITHIN" : "OUTSIDE", r.tolerancePercent());
        }
        if (r.verification() != null) {
            out.printf("GET sample of %d backlog ids: %s%n", r.verification().sampled(), r.verification().byStatus());
        }
        r.problems().forEach(p -> out.println("problem: " + p));
    }
}
