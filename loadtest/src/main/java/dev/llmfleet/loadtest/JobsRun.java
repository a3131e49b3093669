package dev.llmfleet.loadtest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.llmfleet.loadtest.jobs.KafkaLag;
import dev.llmfleet.loadtest.jobs.Monitor;
import dev.llmfleet.loadtest.jobs.Submitter;
import dev.llmfleet.loadtest.jobs.Verifier;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code jobs} command: submit N jobs through intake's batch API, then watch the worker until every accepted job
 * has finished (or a time limit), and report the sustained end-to-end rate with the lag and concurrency over time.
 */
public final class JobsRun {
    public static final int EXIT_INCOMPLETE = 4;

    /** Settings of one run, as the JSON shows them. */
    public record Settings(String runId, String intake, String worker, String kafka, String provider, long jobs, String source,
                           int batchSize, double submitRate, int submitConcurrency, double intervalSeconds,
                           Double maxWaitSeconds, Double drainForSeconds) {
    }

    /**
     * The whole run. Times in seconds from the monitor's start (just before the first batch).
     *
     * @param completeAt             when the worker's finished count reached the accepted ids (null if it never did)
     * @param endToEndJobsPerSecond  accepted ids / (completeAt − submit start); without completion, finished / observed time
     * @param steadyJobsPerSecond    the finishing rate between 10 % and 90 % of the accepted ids (null if 90 % was not reached)
     * @param drainJobsPerSecond     the finishing rate from the end of the submission to the end (the backlog draining with intake idle)
     */
    public record Result(String command, String startedAt, String finishedAt, Settings settings, Submitter.Result submit,
                         Long enqueued, long target, long finished, long succeeded, long deadLettered, long retriedDeliveries, Double completeAt,
                         double observedSeconds, double endToEndJobsPerSecond, Double steadyJobsPerSecond,
                         long finishedWhenSubmitted, Double drainJobsPerSecond, Long maxLag,
                         Verifier.Result verification, List<Monitor.Tick> series, List<String> problems) {
    }

    private final JobsOptions options;
    private final URI intake;
    private final String apiKey;
    private final Duration maxWait;
    private final Duration drainFor;
    private final Path json;
    private final PrintStream out;
    private final PrintStream progress;

    public JobsRun(JobsOptions options, URI intake, String apiKey, Duration maxWait, Duration drainFor, Path json,
                   PrintStream out, PrintStream progress) {
        this.options = options;
        this.intake = intake;
        this.apiKey = apiKey;
        this.maxWait = maxWait;
        this.drainFor = drainFor;
        this.json = json;
        this.out = out;
        this.progress = progress;
    }

    public int run() throws Exception {
        String startedAt = Instant.now().toString();
        var source = options.source();
        Settings settings = new Settings(options.runId(), intake.toString(), options.workerUrl, options.kafka, options.providerUrl,
                options.jobs, options.unique ? "unique prompts, " + options.model + ", max_tokens " + options.maxTokens
                        + ", priority " + (options.priority == null ? "bulk" : options.priority)
                        : options.jobsWorkload + " (lane " + options.jobsLane + (options.keepDuplicates ? ", as is)" : ", tagged unique)"),
                options.batchSize, options.submitRate, options.submitConcurrency, options.interval.toMillis() / 1000.0,
                drainFor == null ? maxWait.toMillis() / 1000.0 : null, drainFor == null ? null : drainFor.toMillis() / 1000.0);
        progress.printf(Locale.ROOT, "loadtest jobs %s: %d jobs (%s) to %s in batches of %d, %s; worker %s%n", settings.runId(),
                options.jobs, settings.source(), intake, options.batchSize,
                options.submitRate > 0 ? "at " + options.submitRate + " jobs/s" : "all at once (backlog)", options.workerUrl);
        KafkaLag kafka = options.kafka == null || options.kafka.isBlank() ? null
                : new KafkaLag(options.kafka, options.group, KafkaLag.JOB_TOPICS);
        Submitter[] holder = new Submitter[1];
        try (kafka; Monitor monitor = new Monitor(options.workerUrl, options.providerUrl, kafka, options.interval,
                () -> holder[0] == null ? 0 : holder[0].accepted(), progress)) {
            Submitter submitter = new Submitter(new Submitter.Settings(intake, apiKey, options.jobs, options.batchSize,
                    options.submitRate, options.submitConcurrency, options.batchTimeout), source, monitor::now, progress);
            holder[0] = submitter;
            monitor.start();
            Submitter.Result submit = submitter.run();
            long finishedWhenSubmitted = monitor.finishedNow();
            progress.printf(Locale.ROOT, "  submitted in %.1f s: %d accepted (%d distinct ids, %.0f jobs/s), refused %s%n",
                    submit.seconds(), submit.accepted(), submit.distinctIds(), submit.acceptedPerSecond(), submit.refused());
            // Kafka's count of what intake enqueued: the truth when intake's answers and its actions disagree
            Long enqueued = monitor.enqueuedNow();
            long target = Math.max(submit.distinctIds(), enqueued == null ? 0 : enqueued);
            if (enqueued != null && enqueued != submit.distinctIds()) {
                progress.printf("  NOTE: Kafka received %d job records but intake's answers accepted %d distinct ids; waiting for %d%n",
                        enqueued, submit.distinctIds(), target);
            }
            double deadline = drainFor != null ? submit.startedAt() + drainFor.toMillis() / 1000.0
                    : submit.finishedAt() + maxWait.toMillis() / 1000.0;
            Double completeAt = null;
            long finished = 0;
            while (true) {
                try {
                    finished = monitor.finishedNow();
                } catch (Exception e) {
                    progress.println("  worker metrics unreadable: " + e);
                }
                if (drainFor == null && target > 0 && finished >= target) {
                    completeAt = monitor.now();
                    break;
                }
                if (target == 0 || monitor.now() >= deadline) {
                    break;
                }
                Thread.sleep(250);
            }
            Monitor.Tick last = monitor.tickNow();
            double end = completeAt != null ? completeAt : monitor.now();
            double observed = end - submit.startedAt();
            List<Monitor.Tick> series = monitor.ticks();
            Double steady = steadyRate(series, target, completeAt);
            Verifier.Result verification = options.verifySample > 0 && !submitter.ids().isEmpty()
                    ? Verifier.verify(intake, apiKey, submitter.ids(), options.verifySample, 42) : null;
            long succeeded = last == null ? 0 : last.succeeded();
            long dead = last == null ? 0 : last.deadLettered();
            long retried = last == null ? 0 : last.retried();
            long finishedFinal = Math.max(finished, last == null ? 0 : last.finished());
            double e2e = completeAt != null ? target / observed : (observed > 0 ? finishedFinal / observed : 0);
            double drainSeconds = end - submit.finishedAt();
            Double drain = drainSeconds > 1 ? (finishedFinal - finishedWhenSubmitted) / drainSeconds : null;
            Result result = new Result("jobs", startedAt, Instant.now().toString(), settings, submit, enqueued, target, finishedFinal, succeeded, dead,
                    retried, completeAt, observed, e2e, steady, finishedWhenSubmitted, drain, monitor.maxLag(), verification, series, monitor.problems());
            print(result);
            if (json != null) {
                write(json, result);
                progress.println("results written to " + json);
            }
            boolean clean = submit.refused().isEmpty() && dead == 0;
            return drainFor != null || (completeAt != null && clean) ? LoadTest.EXIT_OK : EXIT_INCOMPLETE;
        }
    }

    /** Finishing rate between the times the finished count crossed 10 % and 90 % of {@code target} (linear between ticks). */
    static Double steadyRate(List<Monitor.Tick> series, long target, Double completeAt) {
        List<double[]> points = new ArrayList<>();
        series.forEach(t -> points.add(new double[] {t.t(), t.finished()}));
        return steadyRateOf(points, target, completeAt);
    }

    /** The same over {@code (t, count)} samples of any counter. */
    static Double steadyRateOf(List<double[]> samples, long target, Double completeAt) {
        if (target <= 0) {
            return null;
        }
        List<double[]> points = new ArrayList<>(samples);
        points.add(new double[] {0, 0});
        if (completeAt != null) {
            points.add(new double[] {completeAt, target});
        }
        points.sort((a, b) -> Double.compare(a[0], b[0]));
        Double t10 = crossing(points, 0.1 * target);
        Double t90 = crossing(points, 0.9 * target);
        if (t10 == null || t90 == null || t90 <= t10) {
            return null;
        }
        return 0.8 * target / (t90 - t10);
    }

    static Double crossing(List<double[]> points, double level) {
        for (int i = 1; i < points.size(); i++) {
            double[] a = points.get(i - 1);
            double[] b = points.get(i);
            if (b[1] >= level && a[1] < level) {
                return a[0] + (b[0] - a[0]) * (level - a[1]) / (b[1] - a[1]);
            }
        }
        return null;
    }

    private void print(Result r) {
        out.println();
        Submitter.Result s = r.submit();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"figure", "value"});
        rows.add(new String[] {"jobs accepted / sent", s.accepted() + " / " + s.sent() + " (" + s.distinctIds() + " distinct ids)"});
        rows.add(new String[] {"refused at submit", s.refused().isEmpty() ? "0" : s.refused().toString()});
        rows.add(new String[] {"enqueued (Kafka end offsets)", r.enqueued() == null ? "-" : r.enqueued()
                + (r.enqueued() != s.distinctIds() ? "  <-- differs from the accepted ids; waited for " + r.target() : "")});
        rows.add(new String[] {"submit time, rate", String.format(Locale.ROOT, "%.1f s, %.0f jobs/s (batch p50 %s ms, max %s ms)",
                s.seconds(), s.acceptedPerSecond(), fmt(s.batchP50Ms()), fmt(s.batchMaxMs()))});
        rows.add(new String[] {"finished (worker counter)", r.finished() + " = " + r.succeeded() + " succeeded + " + r.deadLettered()
                + " dead-lettered; " + r.retriedDeliveries() + " retry deliveries"});
        rows.add(new String[] {"all finished after", r.completeAt() == null ? "NOT all finished (observed " + fmt(r.observedSeconds()) + " s)"
                : fmt(r.completeAt() - s.startedAt()) + " s from the first submit"});
        rows.add(new String[] {"end-to-end jobs/s", String.format(Locale.ROOT, "%.1f", r.endToEndJobsPerSecond())
                + (r.completeAt() == null ? " (finished / observed time)" : " (accepted ids / time to finish all)")});
        rows.add(new String[] {"steady jobs/s (10%→90%)", r.steadyJobsPerSecond() == null ? "-" : String.format(Locale.ROOT, "%.1f", r.steadyJobsPerSecond())});
        rows.add(new String[] {"drain jobs/s after submit", r.drainJobsPerSecond() == null ? "-" : String.format(Locale.ROOT,
                "%.1f (%d of the jobs finished while submitting)", r.drainJobsPerSecond(), r.finishedWhenSubmitted())});
        rows.add(new String[] {"max consumer lag", r.maxLag() == null ? "-" : String.valueOf(r.maxLag())});
        Verifier.Result v = r.verification();
        if (v != null) {
            rows.add(new String[] {"GET sample", v.sampled() + " ids: " + v.byStatus() + ", " + v.finishedWithResult() + " with a result"});
            rows.add(new String[] {"sample accepted→finished", "p50 " + fmt(v.latencyP50Ms()) + " ms, p90 " + fmt(v.latencyP90Ms())
                    + " ms, p99 " + fmt(v.latencyP99Ms()) + " ms, max " + fmt(v.latencyMaxMs()) + " ms"});
            v.examples().forEach(e -> rows.add(new String[] {"  not succeeded", e}));
        }
        r.problems().forEach(p -> rows.add(new String[] {"problem", p}));
        out.print(Report.table(rows));
    }

    static String fmt(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** Writes a result record as JSON: snake_case, indented, money as plain decimals. */
    public static void write(Path file, Object result) throws IOException {
        new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
                .writeValue(file.toFile(), result);
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
