package dev.llmfleet.loadtest;

import dev.llmfleet.loadtest.jobs.Monitor;
import dev.llmfleet.loadtest.steps.StepVerdict;
import dev.llmfleet.loadtest.steps.StepsRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Command line of the load test: {@code run} against one target, {@code compare} two targets side by side, {@code jobs}
 * through the async lane, {@code mixed} interactive traffic while a backlog drains, {@code usage} billing's ingestion rate,
 * {@code steps} a stepped run against a running platform with a verdict.
 */
@Command(name = "loadtest", mixinStandardHelpOptions = true, version = "loadtest 0.1.0",
        description = "Scale in steps and measure: open-loop staged load with latency, errors and cost per request per stage.%n"
                + "Exit codes: 0 ok, 1 failure, 2 bad usage, 3 cost creep, 4 jobs not all finished / mixed outside tolerance / "
                + "steps broke an error or latency limit.",
        subcommands = {LoadTestMain.RunCommand.class, LoadTestMain.CompareCommand.class, LoadTestMain.JobsCommand.class,
                LoadTestMain.MixedCommand.class, LoadTestMain.UsageCommand.class, LoadTestMain.StepsCommand.class,
                CommandLine.HelpCommand.class})
public final class LoadTestMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling, for {@link #main} and for callers that run it in-process. */
    public static CommandLine commandLine() {
        return new CommandLine(new LoadTestMain())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("loadtest: " + e.getMessage());
                    return 1;
                });
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** Staged load against one OpenAI-compatible base URL. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Send the stages to one target, e.g. run --base-url http://127.0.0.1:8080/v1 --stages 200x30s,500x30s --workload w.jsonl")
    static final class RunCommand implements Callable<Integer> {
        @Option(names = "--base-url", required = true, paramLabel = "[NAME=]URL", description = "Base URL ending in /v1.")
        String baseUrl;

        @Mixin
        LoadOptions options;

        @Override
        public Integer call() throws Exception {
            return new LoadTest(options, List.of(Target.parse(baseUrl)), System.out, System.err).run("run");
        }
    }

    /** The same stages against two or more targets, alternating, with the difference between each and the last. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Send each stage to two or more targets in turn (same requests, same order) and print what each adds "
                    + "in latency and saves in cost over the last, e.g. --target intake=http://127.0.0.1:8080/v1 "
                    + "--target direct=http://127.0.0.1:8090/v1")
    static final class CompareCommand implements Callable<Integer> {
        @Option(names = "--target", required = true, paramLabel = "NAME=URL",
                description = "Two or more, in the order each stage visits them: the paths measured (e.g. intake), then the baseline "
                        + "last (e.g. the provider directly).")
        List<String> targets;

        @Mixin
        LoadOptions options;

        @Override
        public Integer call() throws Exception {
            if (targets.size() < 2) {
                throw new CommandLine.ParameterException(new CommandLine(this), "compare needs two or more --target options");
            }
            List<Target> parsed = targets.stream().map(Target::parse).toList();
            if (parsed.stream().map(Target::name).distinct().count() != parsed.size()) {
                throw new IllegalArgumentException("the targets need different names");
            }
            return new LoadTest(options, parsed, System.out, System.err).run("compare");
        }
    }

    /** N jobs through the async lane, end to end. */
    @Command(name = "jobs", mixinStandardHelpOptions = true,
            description = "Submit N jobs through POST /v1/jobs/batch (a backlog, or at --submit-rate), wait until the worker finished them all, "
                    + "and report sustained end-to-end jobs/s with consumer lag and worker concurrency over time, e.g. "
                    + "jobs --intake-url http://127.0.0.1:8080 --worker-url http://127.0.0.1:8081 --kafka 127.0.0.1:9092 --jobs 20000 --unique")
    static final class JobsCommand implements Callable<Integer> {
        @Option(names = "--intake-url", required = true, paramLabel = "URL", description = "Intake's base URL (with or without /v1).")
        String intakeUrl;

        @Option(names = "--api-key", defaultValue = "${env:FLEET_API_KEY:-mdb_sim_local}", paramLabel = "KEY",
                description = "Sent as Authorization: Bearer KEY (default: $FLEET_API_KEY or mdb_sim_local).")
        String apiKey;

        @Option(names = "--max-wait", defaultValue = "10m", paramLabel = "DURATION", converter = LoadOptions.DurationConverter.class,
                description = "After the last batch, wait at most this long for the jobs to finish (default: ${DEFAULT-VALUE}).")
        java.time.Duration maxWait;

        @Option(names = "--drain-for", paramLabel = "DURATION", converter = LoadOptions.DurationConverter.class,
                description = "Instead of waiting for all: observe for this long from the first submit, then report how much drained.")
        java.time.Duration drainFor;

        @Option(names = "--json", paramLabel = "FILE", description = "Also write the results (with the whole time series) as JSON to FILE.")
        java.nio.file.Path json;

        @Mixin
        JobsOptions jobs;

        @Override
        public Integer call() throws Exception {
            return new JobsRun(jobs, java.net.URI.create(intakeUrl), apiKey, maxWait, drainFor, json, System.out, System.err).run();
        }
    }

    /** Interactive stages while a bulk backlog drains, optionally against the same stages alone. */
    @Command(name = "mixed", mixinStandardHelpOptions = true,
            description = "Run the interactive stages (optionally first alone: --baseline), submit a backlog of --jobs, then run the same stages "
                    + "while it drains; report interactive p50/p99/error rate and async jobs/s side by side.")
    static final class MixedCommand implements Callable<Integer> {
        @Option(names = "--base-url", required = true, paramLabel = "URL", description = "Intake's base URL ending in /v1 (interactive and jobs).")
        String baseUrl;

        @Option(names = "--baseline", description = "Phase A: run the stages alone first, and compare phase B with it.")
        boolean baseline;

        @Option(names = "--tolerance", defaultValue = "10", paramLabel = "PERCENT",
                description = "Phase B's p99 and error rate may exceed phase A's by this much (default: ${DEFAULT-VALUE}%%; "
                        + "error rates also get 0.1 percentage point).")
        double tolerance;

        @Mixin
        LoadOptions options;

        @Mixin
        JobsOptions jobs;

        @Override
        public Integer call() throws Exception {
            return new MixedRun(options, jobs, Target.parse("interactive=" + baseUrl), baseline, tolerance, System.out, System.err).run();
        }
    }

    /** Billing's ingestion rate: synthetic usage events straight to Kafka. */
    @Command(name = "usage", mixinStandardHelpOptions = true,
            description = "Produce N synthetic llm.usage events (both lanes, cache hits, a share redelivered) to Kafka, wait until billing "
                    + "has handled them all, and report the usage events/s it ingests, its consumer lag, and whether the ledger grew by "
                    + "exactly what was sent, e.g. usage --kafka 127.0.0.1:9092 --billing-url http://127.0.0.1:8082 --events 100000")
    static final class UsageCommand implements Callable<Integer> {
        @Option(names = "--kafka", required = true, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
        String kafka;

        @Option(names = "--billing-url", required = true, paramLabel = "URL", description = "Billing's base URL.")
        String billingUrl;

        @Option(names = "--admin-key", defaultValue = "${env:FLEET_ADMIN_KEY}", paramLabel = "KEY",
                description = "Billing's admin key, for the balance (default: $FLEET_ADMIN_KEY).")
        String adminKey;

        @Option(names = "--group", defaultValue = "billing-service", paramLabel = "ID",
                description = "Billing's consumer group, for the lag (default: ${DEFAULT-VALUE}).")
        String group;

        @Option(names = "--events", defaultValue = "100000", paramLabel = "N", description = "Distinct events (default: ${DEFAULT-VALUE}).")
        long events;

        @Option(names = "--duplicates", defaultValue = "0.05", paramLabel = "SHARE",
                description = "Share of events sent twice, as a redelivery (default: ${DEFAULT-VALUE}).")
        double duplicates;

        @Option(names = "--cache-hits", defaultValue = "0.2", paramLabel = "SHARE",
                description = "Share of events that are cache hits, charged 0 (default: ${DEFAULT-VALUE}).")
        double cacheHits;

        @Option(names = "--rate", defaultValue = "0", paramLabel = "RECORDS_PER_S",
                description = "Produce at this rate; 0 = as fast as the producer goes, a backlog (default: ${DEFAULT-VALUE}).")
        double rate;

        @Option(names = "--interval", defaultValue = "2s", paramLabel = "DURATION", converter = LoadOptions.DurationConverter.class,
                description = "Progress and time-series interval (default: ${DEFAULT-VALUE}).")
        java.time.Duration interval;

        @Option(names = "--max-wait", defaultValue = "5m", paramLabel = "DURATION", converter = LoadOptions.DurationConverter.class,
                description = "After the last record, wait at most this long for billing (default: ${DEFAULT-VALUE}).")
        java.time.Duration maxWait;

        @Option(names = "--json", paramLabel = "FILE", description = "Also write the results (with the time series) as JSON to FILE.")
        java.nio.file.Path json;

        @Override
        public Integer call() throws Exception {
            if (events <= 0) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--events must be positive");
            }
            return new UsageRun(kafka, billingUrl, adminKey, group, events, duplicates, cacheHits, rate, interval, maxWait, json,
                    System.out, System.err).run();
        }
    }

    /** Stepped load against a running platform: per stage latency, errors, cost per request (headers and ledger), then a verdict. */
    @Command(name = "steps", mixinStandardHelpOptions = true,
            description = "Scale in steps and measure: send the workload at each stage's rate (open loop; interactive lines as chat "
                    + "completions, async lines as jobs) against a running platform, show a progress line per stage, then a table per "
                    + "stage and lane (offered/achieved rate, p50/p95/p99/max, time to first token of streams, errors by status, cache "
                    + "hits, cost per request from the response headers and from billing's ledger, the async lane's jobs/s and lag), the "
                    + "verdict against the limits, and JSON plus an SVG chart beside it.%n"
                    + "Exit codes: 0 sound, 3 cost per request crept, 4 an error or latency limit broken, 2 bad usage, 1 failure.")
    static final class StepsCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--base-url", defaultValue = "${env:FLEET_INTAKE_URL}", paramLabel = "URL",
                description = "Intake's base URL, with or without /v1 (default: $FLEET_INTAKE_URL, which ./fleet reads from .fleet/env).")
        String baseUrl;

        @Option(names = "--api-key", defaultValue = "${env:FLEET_API_KEY:-mdb_sim_local}", paramLabel = "KEY",
                description = "Sent as Authorization: Bearer KEY (default: $FLEET_API_KEY or mdb_sim_local).")
        String apiKey;

        @Option(names = "--billing-url", defaultValue = "${env:FLEET_BILLING_URL}", paramLabel = "URL",
                description = "Billing's base URL, for the ledger's cost per request (default: $FLEET_BILLING_URL; without it no ledger figures).")
        String billingUrl;

        @Option(names = "--worker-url", defaultValue = "${env:FLEET_WORKER_URL}", paramLabel = "URL",
                description = "The worker's base URL, for the async lane's jobs/s (default: $FLEET_WORKER_URL).")
        String workerUrl;

        @Option(names = "--kafka", defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS}", paramLabel = "HOST:PORT",
                description = "Kafka, for the worker group's consumer lag (default: $KAFKA_BOOTSTRAP_SERVERS; without it the worker's own fetch lag).")
        String kafka;

        @Option(names = "--lane", defaultValue = "both", paramLabel = "interactive|async|both",
                description = "Which of the workload's lines to send; both keeps the workload's own mix (default: ${DEFAULT-VALUE}).")
        String lane;

        @Option(names = "--workload", defaultValue = "${env:FLEET_WORKLOAD:-workloads/mixed-v1.jsonl}", paramLabel = "FILE",
                description = "Workload JSONL (default: ${DEFAULT-VALUE}, relative to the current directory; $FLEET_WORKLOAD sets another).")
        Path workload;

        @Option(names = "--stages", defaultValue = "50,100,200,400", paramLabel = "RATE[,RATE...]",
                description = "Offered rates in requests/s, one stage each, across the lanes sent (default: ${DEFAULT-VALUE}).")
        String stages;

        @Option(names = "--stage-seconds", defaultValue = "60", paramLabel = "N", description = "Length of every stage (default: ${DEFAULT-VALUE}).")
        int stageSeconds;

        @Option(names = "--max-error-rate", defaultValue = "1%", paramLabel = "PERCENT", converter = PercentConverter.class,
                description = "Errors (non-2xx and transport failures) per request sent a lane may have in a stage (default: ${DEFAULT-VALUE}).")
        double maxErrorRate;

        @Option(names = "--max-p99", defaultValue = "2s", paramLabel = "DURATION", converter = LoadOptions.DurationConverter.class,
                description = "The p99 latency a lane may have in a stage (default: ${DEFAULT-VALUE}).")
        Duration maxP99;

        @Option(names = "--max-cost-creep", defaultValue = "10%", paramLabel = "PERCENT", converter = PercentConverter.class,
                description = "How far a lane's cost per request may rise above its first stage's (default: ${DEFAULT-VALUE}).")
        double maxCostCreep;

        @Option(names = "--warmup-seconds", defaultValue = "0", paramLabel = "N",
                description = "Before stage 1, send the first stage's rate for N seconds with every prompt marked (warms the JVMs "
                        + "without priming the cache; not in the results; default: ${DEFAULT-VALUE}).")
        int warmupSeconds;

        @Option(names = "--keep-going", description = "Run every stage even after one broke an error or latency limit (default: stop there).")
        boolean keepGoing;

        @Option(names = "--no-cache", description = "Send Cache-Control: no-cache with the chat completions.")
        boolean noCache;

        @Option(names = "--connections", defaultValue = "256", paramLabel = "N", description = "Connection pool size (default: ${DEFAULT-VALUE}).")
        int connections;

        @Option(names = "--timeout", defaultValue = "30s", paramLabel = "DURATION", converter = LoadOptions.DurationConverter.class,
                description = "Per-request timeout; also how long a stage waits for its last answers (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = "--ledger-wait", defaultValue = "30s", paramLabel = "DURATION", converter = LoadOptions.DurationConverter.class,
                description = "After a stage, wait at most this long for billing to have counted it (default: ${DEFAULT-VALUE}).")
        Duration ledgerWait;

        @Option(names = "--json", paramLabel = "FILE",
                description = "Where to write the JSON (default: .fleet/steps/steps-<start time>.json); the SVG chart goes beside it.")
        Path json;

        @Override
        public Integer call() throws Exception {
            if (baseUrl == null || baseUrl.isBlank()) {
                throw usage("no --base-url and no FLEET_INTAKE_URL: start the platform (./fleet up) or name intake's URL");
            }
            if (!Files.isRegularFile(workload)) {
                throw usage("no workload at " + workload.toAbsolutePath().normalize() + ": pass --workload FILE or set FLEET_WORKLOAD");
            }
            if (stageSeconds < 1 || warmupSeconds < 0) {
                throw usage("--stage-seconds must be at least 1 and --warmup-seconds at least 0");
            }
            try {
                StepsRun.laneFilter(lane);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
            URI base = URI.create(Monitor.strip(baseUrl).replaceAll("/v1$", ""));
            StepVerdict.Limits limits = new StepVerdict.Limits(maxErrorRate, maxP99.toNanos() / 1e6, maxCostCreep);
            return new StepsRun(new StepsRun.Options(base, apiKey, blankToNull(billingUrl), blankToNull(workerUrl), blankToNull(kafka), lane,
                    workload, rates(), stageSeconds, limits, noCache, connections, timeout, ledgerWait, warmupSeconds, keepGoing, json), System.out, System.err).run();
        }

        private List<Double> rates() {
            List<Double> rates = new ArrayList<>();
            for (String part : stages.split(",")) {
                try {
                    double rate = Double.parseDouble(part.trim());
                    if (rate > 0 && !Double.isInfinite(rate)) {
                        rates.add(rate);
                        continue;
                    }
                } catch (NumberFormatException e) {
                    // answered below
                }
                throw usage("bad --stages '" + stages + "': expected positive rates in requests/s, e.g. 50,100,200,400");
            }
            return rates;
        }

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }

        private static String blankToNull(String value) {
            return value == null || value.isBlank() ? null : value;
        }
    }

    /** Reads {@code 1%}, {@code 0.5%} or {@code 10} (always a percentage) as a fraction. */
    static final class PercentConverter implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            String number = value.trim().endsWith("%") ? value.trim().substring(0, value.trim().length() - 1) : value.trim();
            try {
                double percent = Double.parseDouble(number.trim());
                if (percent >= 0 && !Double.isInfinite(percent)) {
                    return percent / 100;
                }
            } catch (NumberFormatException e) {
                // answered below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a percentage such as 1% or 0.5%");
        }
    }
}
