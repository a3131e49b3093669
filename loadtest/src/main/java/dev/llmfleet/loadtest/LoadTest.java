package dev.llmfleet.loadtest;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One run: every stage against every target (alternating targets within a stage), then the report and the exit code. */
public final class LoadTest {
    public static final int EXIT_OK = 0;
    public static final int EXIT_COST_CREEP = 3;

    private final LoadOptions options;
    private final List<Target> targets;
    private final PrintStream out;
    private final PrintStream progress;

    public LoadTest(LoadOptions options, List<Target> targets, PrintStream out, PrintStream progress) {
        this.options = options;
        this.targets = List.copyOf(targets);
        this.out = out;
        this.progress = progress;
    }

    public int run(String command) throws IOException {
        List<Stage> stages = Stage.parseAll(options.stages);
        Workload workload = Workload.load(options.workload, options.laneFilter(), options.includeRejects);
        double threshold = options.costCreepThresholdPercent / 100;
        progress.printf("loadtest %s: %d workload requests (lane %s), stages %s, targets %s%n", command, workload.size(),
                options.lane, options.stages, targets.stream().map(t -> t.name() + "=" + t.baseUrl()).toList());
        String startedAt = Instant.now().toString();
        Map<String, List<StageResult>> byTarget = new LinkedHashMap<>();
        targets.forEach(t -> byTarget.put(t.name(), new ArrayList<>()));
        List<StageResult> all = new ArrayList<>();
        List<StageResult> warmups = new ArrayList<>();
        try (LoadRunner runner = new LoadRunner(new LoadRunner.Settings(options.apiKey, options.noCache, options.connections,
                options.timeout, options.extraHeaders(), options.keepAliveTimeout))) {
            if (options.warmup != null) {
                Stage warmup = Stage.parse(options.warmup);
                Workload marked = workload.marked("warm-up");
                for (Target target : targets) {
                    warmups.add(runStage(runner, target, 0, warmup, marked, 0));
                }
            }
            // every target replays the same request sequence: stage n of each starts at the same workload line
            long firstRequest = 0;
            for (int i = 0; i < stages.size(); i++) {
                for (Target target : targets) {
                    StageResult result = runStage(runner, target, i + 1, stages.get(i), workload, firstRequest);
                    byTarget.get(target.name()).add(result);
                    all.add(result);
                }
                firstRequest += stages.get(i).plannedRequests();
            }
        }
        List<CostCreep.Warning> creep = new ArrayList<>();
        byTarget.values().forEach(results -> creep.addAll(CostCreep.detect(results, threshold)));
        // the last target is the baseline every other one is compared with (of two: the first against the second)
        List<StageComparison> comparisons = new ArrayList<>();
        if (targets.size() >= 2) {
            List<StageResult> baseline = byTarget.get(targets.get(targets.size() - 1).name());
            for (Target target : targets.subList(0, targets.size() - 1)) {
                List<StageResult> through = byTarget.get(target.name());
                for (int i = 0; i < through.size(); i++) {
                    comparisons.add(StageComparison.of(through.get(i), baseline.get(i)));
                }
            }
        }
        Map<String, String> targetUrls = new LinkedHashMap<>();
        targets.forEach(t -> targetUrls.put(t.name(), t.baseUrl().toString()));
        Report report = new Report(command, startedAt, Instant.now().toString(), options.workload.toString(), options.lane,
                workload.size(), options.includeRejects, options.noCache, threshold, targetUrls, warmups, all, comparisons, creep);
        out.println();
        out.print(report.stagesTable());
        String baselineName = targets.get(targets.size() - 1).name();
        for (Target target : targets.subList(0, Math.max(0, targets.size() - 1))) {
            String a = target.name();
            out.println();
            out.printf("%s vs %s (added latency = %s minus %s; saving = 1 - $/req %s / $/req %s):%n", a, baselineName, a, baselineName,
                    a, baselineName);
            out.print(report.comparisonTable(a));
        }
        creep.forEach(w -> out.println("WARNING " + w.message()));
        if (options.json != null) {
            report.writeJson(options.json);
            progress.println("results written to " + options.json);
        }
        return creep.isEmpty() || options.noFailOnCreep ? EXIT_OK : EXIT_COST_CREEP;
    }

    private StageResult runStage(LoadRunner runner, Target target, int index, Stage stage, Workload workload, long firstRequest) {
        hook("start", target, index, stage, null);
        progress.printf("  %s (%s) -> %s ...", index == 0 ? "warm-up" : "stage " + index, stage.label(), target.name());
        StageResult result = runner.run(target, index, stage, workload, firstRequest);
        hook("end", target, index, stage, result);
        progress.printf(Locale.ROOT, " %d sent, %d ok, %d errors, p99 %s ms%n", result.sent(), result.ok(), result.errors(),
                result.latencyP99Ms() == null ? "-" : String.format(Locale.ROOT, "%.1f", result.latencyP99Ms()));
        return result;
    }

    /** Runs {@code --stage-hook} (if any) and waits for it; a hook that cannot run or fails stops the run. */
    private void hook(String event, Target target, int index, Stage stage, StageResult result) {
        if (options.stageHook == null || options.stageHook.isBlank()) {
            return;
        }
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", options.stageHook).inheritIO();
        Map<String, String> env = builder.environment();
        env.put("LOADTEST_STAGE_EVENT", event);
        env.put("LOADTEST_TARGET", target.name());
        env.put("LOADTEST_STAGE", Integer.toString(index));
        env.put("LOADTEST_STAGE_LABEL", stage.label());
        if (result != null) {
            env.put("LOADTEST_STAGE_OK", Long.toString(result.ok()));
        }
        int status;
        try {
            status = builder.start().waitFor();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("--stage-hook could not run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the --stage-hook ran", e);
        }
        if (status != 0) {
            throw new IllegalStateException("--stage-hook exited " + status + " at the " + event + " of stage " + index + " on " + target.name());
        }
    }
}
