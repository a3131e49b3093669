package dev.llmfleet.loadtest;

import dev.llmfleet.loadtest.jobs.JobSource;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/** What the async-lane commands ({@code jobs}, {@code mixed}) submit and where they watch the lane. */
public class JobsOptions {
    @Option(names = "--jobs", required = true, paramLabel = "N", description = "How many jobs to submit.")
    long jobs;

    @Option(names = "--unique", description = "Generate the jobs: every prompt different (run id + job number), so no two fold "
            + "into one job and none is a cache hit. Without it the bodies come from --jobs-workload.")
    boolean unique;

    @Option(names = "--jobs-workload", paramLabel = "FILE",
            description = "Workload JSONL to take job bodies from (lines of --jobs-lane, expect: reject skipped, replayed from the top); "
                    + "each body gets feature and priority from its line.")
    Path jobsWorkload;

    @Option(names = "--jobs-lane", defaultValue = "async", paramLabel = "async|interactive|all",
            description = "Which lines of --jobs-workload become jobs (default: ${DEFAULT-VALUE}).")
    String jobsLane;

    @Option(names = "--keep-duplicates", description = "Send workload bodies exactly as they are. By default each is tagged with the run "
            + "id and job number, because intake names a job by its normalised input: a replayed line would answer the earlier job.")
    boolean keepDuplicates;

    @Option(names = "--priority", paramLabel = "high|normal|bulk",
            description = "Priority of every job (default: bulk for --unique, else each workload line's own).")
    String priority;

    @Option(names = "--feature", defaultValue = "default", paramLabel = "NAME", description = "Feature of generated jobs, one intake knows (default: ${DEFAULT-VALUE}).")
    String feature;

    @Option(names = "--model", defaultValue = "openai/gpt-4o-mini", paramLabel = "MODEL", description = "Model of generated jobs (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--max-tokens", defaultValue = "60", paramLabel = "N", description = "max_tokens of generated jobs (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--batch-size", defaultValue = "1000", paramLabel = "N", description = "Jobs per POST /v1/jobs/batch (default: ${DEFAULT-VALUE}; intake takes at most 10,000).")
    int batchSize;

    @Option(names = "--submit-rate", defaultValue = "0", paramLabel = "JOBS_PER_S",
            description = "Target submit rate; 0 submits everything as fast as intake takes it, i.e. a backlog (default: ${DEFAULT-VALUE}).")
    double submitRate;

    @Option(names = "--submit-concurrency", defaultValue = "2", paramLabel = "N", description = "Batch requests in flight at once (default: ${DEFAULT-VALUE}).")
    int submitConcurrency;

    @Option(names = "--batch-timeout", defaultValue = "120s", paramLabel = "DURATION", converter = LoadOptions.DurationConverter.class,
            description = "Timeout of one batch request (default: ${DEFAULT-VALUE}).")
    Duration batchTimeout;

    @Option(names = "--worker-url", required = true, paramLabel = "URL",
            description = "The worker's base URL: its /q/metrics (fleet_jobs_completed_total, fleet_worker_concurrency_*) counts finished jobs.")
    String workerUrl;

    @Option(names = "--kafka", paramLabel = "HOST:PORT", defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS}",
            description = "Kafka bootstrap servers for the consumer lag (end offsets of llm.jobs.* minus the group's committed offsets; "
                    + "default: $KAFKA_BOOTSTRAP_SERVERS). Without it only the worker's own lag metric is shown.")
    String kafka;

    @Option(names = "--group", defaultValue = "llm-fleet-worker", paramLabel = "GROUP", description = "The worker's consumer group (default: ${DEFAULT-VALUE}).")
    String group;

    @Option(names = "--provider-url", paramLabel = "URL",
            description = "The simulator's base URL: its GET /admin/totals in_flight is sampled every 250 ms (the provider's concurrency in use).")
    String providerUrl;

    @Option(names = "--interval", defaultValue = "2s", paramLabel = "DURATION", converter = LoadOptions.DurationConverter.class,
            description = "Time-series interval (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--verify-sample", defaultValue = "200", paramLabel = "N",
            description = "GET /v1/jobs/{id} for this many random accepted ids at the end, to confirm the counters (default: ${DEFAULT-VALUE}).")
    int verifySample;

    @Option(names = "--run-id", paramLabel = "ID", description = "Tag of this run's prompts (default: random).")
    String runId;

    String runId() {
        if (runId == null) {
            runId = UUID.randomUUID().toString().substring(0, 8);
        }
        return runId;
    }

    JobSource source() {
        if (priority != null && !java.util.Set.of("high", "normal", "bulk").contains(priority.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("bad --priority '" + priority + "'; expected high, normal or bulk");
        }
        if (unique == (jobsWorkload != null)) {
            throw new IllegalArgumentException("give either --unique or --jobs-workload FILE");
        }
        if (unique) {
            return JobSource.unique(runId(), new JobSource.Generated(model, maxTokens, feature, priority == null ? "bulk" : priority));
        }
        return JobSource.fromWorkload(runId(), jobsWorkload, jobsLane.toLowerCase(Locale.ROOT), !keepDuplicates, priority);
    }
}
