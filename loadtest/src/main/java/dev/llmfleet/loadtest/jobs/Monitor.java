package dev.llmfleet.loadtest.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Samples the async lane while a run goes on: every {@code interval} one {@link Tick} (jobs finished according to the
 * worker's {@code fleet_jobs_completed_total}, consumer lag, the worker's concurrency limit and in-flight calls), and
 * every 250 ms the simulator's {@code in_flight} (its {@code GET /admin/totals}), averaged into the ticks and kept for
 * phase averages. Printed as it goes, so a long run shows its progress.
 */
public final class Monitor implements AutoCloseable {
    /** Outcomes of {@code fleet_jobs_completed_total} that do not end a job (it runs again later). */
    static final Set<String> NOT_FINAL = Set.of("retried", "paused");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * One sample of the lane.
     *
     * @param t                 seconds since the monitor started
     * @param accepted          jobs accepted by intake so far (this run)
     * @param finished          jobs finished by the worker since the monitor started (succeeded + dead-lettered + poison)
     * @param finishedPerSecond finishing rate since the previous tick
     * @param enqueued          records written to llm.jobs.high|normal|bulk since the monitor started (Kafka's own count of what
     *                          intake enqueued; null without Kafka access)
     * @param lag               consumer lag of group llm-fleet-worker on llm.jobs.* (null without Kafka access)
     * @param lagByTopic        the same per topic
     * @param workerLagMax      the worker's own {@code kafka_consumer_fetch_manager_records_lag_max} (max over its consumers)
     * @param simInFlightMean   mean of the simulator's in-flight requests over the tick (sampled every 250 ms)
     */
    public record Tick(double t, long accepted, Long enqueued, long finished, long succeeded, long deadLettered, long retried,
                       double finishedPerSecond, Long lag, Map<String, Long> lagByTopic, Double workerLagMax,
                       Double limit, Double inFlight, Double waiting, Double interactiveInFlight,
                       Double simInFlightMean, Double simInFlightMax) {
    }

    /** The simulator's in-flight count at a moment, with its running totals of calls and 429 answers. */
    public record SimSample(double t, int inFlight, long calls, long throttled) {
    }

    private final URI workerMetrics;
    private final URI simTotals;
    private final KafkaLag kafka;
    private final Duration interval;
    private final LongSupplier accepted;
    private final PrintStream progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "monitor");
        t.setDaemon(true);
        return t;
    });
    private final List<Tick> ticks = new ArrayList<>();
    private final List<SimSample> simSamples = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private long startNanos;
    private Counts baseline;
    private Counts previous;
    private double previousT;
    private int simSinceTick;
    private long simSumSinceTick;
    private int simMaxSinceTick = -1;
    private String lagError;
    private Long enqueuedBaseline;

    /** Terminal outcome counts read from the worker. */
    record Counts(long finished, long succeeded, long deadLettered, long retried) {
        Counts minus(Counts o) {
            return new Counts(finished - o.finished, succeeded - o.succeeded, deadLettered - o.deadLettered, retried - o.retried);
        }
    }

    /**
     * @param workerUrl   the worker's base URL (its {@code /q/metrics} is read)
     * @param providerUrl the simulator's base URL (with or without {@code /v1}), or null
     * @param kafka       lag reader, or null
     */
    public Monitor(String workerUrl, String providerUrl, KafkaLag kafka, Duration interval, LongSupplier accepted, PrintStream progress) {
        this.workerMetrics = URI.create(strip(workerUrl) + "/q/metrics");
        this.simTotals = providerUrl == null ? null : URI.create(strip(providerUrl).replaceAll("/v1$", "") + "/admin/totals");
        this.kafka = kafka;
        this.interval = interval;
        this.accepted = accepted;
        this.progress = progress;
    }

    public static String strip(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Reads the baseline counters (so only this run's jobs count) and starts sampling. */
    public void start() throws Exception {
        Prometheus first = workerMetricsNow();
        baseline = counts(first);
        if (kafka != null) {
            try {
                enqueuedBaseline = kafka.snapshot().enqueued();
            } catch (Exception e) {
                lagError = e.toString();
            }
        }
        previous = new Counts(0, 0, 0, 0);
        startNanos = System.nanoTime();
        progress.printf("%7s %9s %9s %9s %8s %9s %9s %6s %7s %8s %8s %9s%n", "t s", "accepted", "enqueued", "finished", "jobs/s", "lag",
                "lag max*", "limit", "in-fl", "waiting", "inter.", "sim in-fl");
        if (simTotals != null) {
            scheduler.scheduleAtFixedRate(this::sampleSim, 0, 250, TimeUnit.MILLISECONDS);
        }
        scheduler.scheduleAtFixedRate(this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public double now() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private Prometheus workerMetricsNow() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(workerMetrics).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("worker metrics " + workerMetrics + " answered " + r.statusCode());
        }
        return Prometheus.parse(r.body());
    }

    static Counts counts(Prometheus m) {
        String name = "fleet_jobs_completed_total";
        long finished = round(m.sum(name, l -> !NOT_FINAL.contains(l.get("outcome"))));
        long succeeded = round(m.sum(name, l -> "succeeded".equals(l.get("outcome"))));
        long dead = round(m.sum(name, l -> "dead_lettered".equals(l.get("outcome")) || "poison".equals(l.get("outcome"))));
        long retried = round(m.sum(name, l -> "retried".equals(l.get("outcome"))));
        return new Counts(finished, succeeded, dead, retried);
    }

    private static long round(Double v) {
        return v == null ? 0 : Math.round(v);
    }

    private void sampleSim() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(simTotals).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return;
            }
            JsonNode totals = MAPPER.readTree(r.body());
            int inFlight = totals.path("in_flight").asInt(0);
            long calls = totals.path("calls").asLong(0);
            long throttled = totals.path("errors").path("429").asLong(0);
            synchronized (this) {
                simSamples.add(new SimSample(now(), inFlight, calls, throttled));
                simSinceTick++;
                simSumSinceTick += inFlight;
                simMaxSinceTick = Math.max(simMaxSinceTick, inFlight);
            }
        } catch (Exception e) {
            // a missed sample is only a gap in the series
        }
    }

    private void tick() {
        try {
            tickOnce();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (scheduler.isShutdown()) {
                return;
            }
            synchronized (this) {
                problems.add(String.format(Locale.ROOT, "t=%.1f: %s", now(), e));
            }
            progress.println("  monitor: " + e);
        }
    }

    private void tickOnce() throws Exception {
        Prometheus m = workerMetricsNow();
        double t = now();
        Counts c = counts(m).minus(baseline);
        Map<String, Long> lagByTopic = null;
        Long lag = null;
        Long enqueued = null;
        if (kafka != null) {
            try {
                KafkaLag.Snapshot snapshot = kafka.snapshot();
                lagByTopic = snapshot.lag();
                lag = snapshot.totalLag();
                enqueued = enqueuedBaseline == null ? null : snapshot.enqueued() - enqueuedBaseline;
            } catch (Exception e) {
                if (lagError == null) {
                    lagError = e.toString();
                    progress.println("  monitor: Kafka lag unavailable: " + e);
                }
            }
        }
        Double simMean;
        Double simMax;
        Tick tick;
        synchronized (this) {
            simMean = simSinceTick == 0 ? null : (double) simSumSinceTick / simSinceTick;
            simMax = simMaxSinceTick < 0 ? null : (double) simMaxSinceTick;
            simSinceTick = 0;
            simSumSinceTick = 0;
            simMaxSinceTick = -1;
            double dt = t - previousT;
            tick = new Tick(t, accepted.getAsLong(), enqueued, c.finished(), c.succeeded(), c.deadLettered(), c.retried(),
                    dt > 0 ? (c.finished() - previous.finished()) / dt : 0, lag, lagByTopic,
                    m.max("kafka_consumer_fetch_manager_records_lag_max"),
                    m.sum("fleet_worker_concurrency_limit"), m.sum("fleet_worker_concurrency_in_flight"),
                    m.sum("fleet_worker_jobs_waiting"), m.sum("fleet_worker_interactive_in_flight"), simMean, simMax);
            ticks.add(tick);
            previous = c;
            previousT = t;
        }
        progress.printf(Locale.ROOT, "%7.1f %9d %9s %9d %8.1f %9s %9s %6s %7s %8s %8s %9s%n", t, tick.accepted(),
                enqueued == null ? "-" : enqueued, tick.finished(),
                tick.finishedPerSecond(), lag == null ? "-" : lag, num(tick.workerLagMax()), num(tick.limit()), num(tick.inFlight()),
                num(tick.waiting()), num(tick.interactiveInFlight()),
                simMean == null ? "-" : String.format(Locale.ROOT, "%.1f/%d", simMean, simMax.intValue()));
    }

    private static String num(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }

    /** Takes one more tick right now (e.g. at a phase boundary) and answers it. */
    public Tick tickNow() {
        tick();
        synchronized (this) {
            return ticks.isEmpty() ? null : ticks.get(ticks.size() - 1);
        }
    }

    /** Records intake wrote to the priority topics since the monitor started, read now; null without Kafka. */
    public Long enqueuedNow() {
        if (kafka == null || enqueuedBaseline == null) {
            return null;
        }
        try {
            return kafka.snapshot().enqueued() - enqueuedBaseline;
        } catch (Exception e) {
            return null;
        }
    }

    /** Jobs finished since the monitor started, read now from the worker (not from the last tick). */
    public long finishedNow() throws Exception {
        return counts(workerMetricsNow()).minus(baseline).finished();
    }

    public synchronized List<Tick> ticks() {
        return List.copyOf(ticks);
    }

    public synchronized List<String> problems() {
        List<String> all = new ArrayList<>(problems);
        if (lagError != null) {
            all.add("Kafka lag unavailable: " + lagError);
        }
        return all;
    }

    /** Mean and max of the simulator's in-flight requests between two monitor times; null without samples. */
    public synchronized double[] simInFlight(double from, double to) {
        long n = 0;
        long sum = 0;
        int max = 0;
        for (SimSample s : simSamples) {
            if (s.t() >= from && s.t() <= to) {
                n++;
                sum += s.inFlight();
                max = Math.max(max, s.inFlight());
            }
        }
        return n == 0 ? null : new double[] {(double) sum / n, max, n};
    }

    /** The simulator's charged calls and 429 answers between two monitor times (first and last sample inside); null without samples. */
    public synchronized long[] simCounts(double from, double to) {
        SimSample first = null;
        SimSample last = null;
        for (SimSample s : simSamples) {
            if (s.t() >= from && s.t() <= to) {
                if (first == null) {
                    first = s;
                }
                last = s;
            }
        }
        return first == null ? null : new long[] {last.calls() - first.calls(), last.throttled() - first.throttled()};
    }

    /** Mean of a tick field over the ticks between two monitor times; null when none has it. */
    public synchronized Double mean(double from, double to, java.util.function.Function<Tick, Double> field) {
        double sum = 0;
        int n = 0;
        for (Tick t : ticks) {
            Double v = field.apply(t);
            if (t.t() >= from && t.t() <= to && v != null) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? null : sum / n;
    }

    /** Largest value of a tick field over the ticks between two monitor times; null when none has it. */
    public synchronized Double max(double from, double to, java.util.function.Function<Tick, Double> field) {
        Double max = null;
        for (Tick t : ticks) {
            Double v = field.apply(t);
            if (t.t() >= from && t.t() <= to && v != null && (max == null || v > max)) {
                max = v;
            }
        }
        return max;
    }

    public synchronized Long maxLag() {
        return ticks.stream().map(Tick::lag).filter(java.util.Objects::nonNull).max(Long::compare).orElse(null);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
