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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.DoubleSupplier;

/**
 * Submits {@code count} jobs through {@code POST /v1/jobs/batch} (JSON Lines, {@code batchSize} per request, at most
 * {@code concurrency} requests in flight), either as fast as intake takes them (a backlog) or paced so batch {@code i}
 * leaves at {@code i * batchSize / rate} seconds. Counts what intake accepted (entries with an id) and refused (by
 * error code), and keeps every accepted id.
 */
public final class Submitter {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** How to submit. {@code rate <= 0} submits as fast as intake answers. */
    public record Settings(URI intake, String apiKey, long count, int batchSize, double rate, int concurrency, Duration batchTimeout) {
    }

    /** What the submission did; times are on the caller's clock (seconds). */
    public record Result(long requested, long sent, long accepted, long distinctIds, Map<String, Long> refused,
                         int batches, int batchesFailed, double startedAt, Double firstAcceptedAt, double finishedAt,
                         double seconds, double acceptedPerSecond, Double batchP50Ms, Double batchMaxMs) {
    }

    private final Settings settings;
    private final JobSource source;
    private final DoubleSupplier clock;
    private final PrintStream progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong accepted = new AtomicLong();
    private final List<String> ids = new ArrayList<>();
    private final Set<String> distinct = new HashSet<>();
    private final Map<String, Long> refused = new TreeMap<>();
    private final List<Double> batchMillis = new ArrayList<>();
    private long sent;
    private int batchesFailed;
    private Double firstAcceptedAt;

    public Submitter(Settings settings, JobSource source, DoubleSupplier clock, PrintStream progress) {
        if (settings.batchSize() < 1 || settings.concurrency() < 1) {
            throw new IllegalArgumentException("batch size and submit concurrency must be at least 1");
        }
        this.settings = settings;
        this.source = source;
        this.clock = clock;
        this.progress = progress;
    }

    /** Jobs accepted so far. */
    public long accepted() {
        return accepted.get();
    }

    public synchronized List<String> ids() {
        return List.copyOf(ids);
    }

    /** Submits everything and returns when every batch is answered or failed. */
    public Result run() throws InterruptedException {
        URI uri = URI.create(Monitor.strip(settings.intake().toString()).replaceAll("/v1$", "") + "/v1/jobs/batch");
        Semaphore permits = new Semaphore(settings.concurrency());
        double startedAt = clock.getAsDouble();
        long startNanos = System.nanoTime();
        int batches = (int) ((settings.count() + settings.batchSize() - 1) / settings.batchSize());
        for (int b = 0; b < batches; b++) {
            if (settings.rate() > 0) {
                long due = startNanos + (long) (b * (double) settings.batchSize() / settings.rate() * 1e9);
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
            }
            permits.acquire();
            long from = (long) b * settings.batchSize();
            long to = Math.min(settings.count(), from + settings.batchSize());
            byte[] body = source.batch(from, to);
            synchronized (this) {
                sent += to - from;
            }
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(settings.batchTimeout())
                    .header("Content-Type", "application/x-ndjson")
                    .header("Authorization", "Bearer " + settings.apiKey())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            long t0 = System.nanoTime();
            int lines = (int) (to - from);
            http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, failure) -> {
                try {
                    record(response, failure, lines, (System.nanoTime() - t0) / 1e6);
                } finally {
                    permits.release();
                }
            });
        }
        permits.acquire(settings.concurrency());
        double finishedAt = clock.getAsDouble();
        synchronized (this) {
            double seconds = finishedAt - startedAt;
            List<Double> sorted = new ArrayList<>(batchMillis);
            sorted.sort(Double::compare);
            return new Result(settings.count(), sent, accepted.get(), distinct.size(), Map.copyOf(refused), batches, batchesFailed,
                    startedAt, firstAcceptedAt, finishedAt, seconds, seconds > 0 ? accepted.get() / seconds : 0,
                    sorted.isEmpty() ? null : sorted.get(sorted.size() / 2), sorted.isEmpty() ? null : sorted.get(sorted.size() - 1));
        }
    }

    private void record(HttpResponse<byte[]> response, Throwable failure, int lines, double millis) {
        synchronized (this) {
            batchMillis.add(millis);
        }
        if (failure != null) {
            refuse("transport_" + failure.getClass().getSimpleName(), lines, true, failure.toString());
            return;
        }
        if (response.statusCode() != 202) {
            String code = "http_" + response.statusCode();
            try {
                code += ":" + MAPPER.readTree(response.body()).path("error").path("code").asText("?");
            } catch (Exception ignored) {
                // not JSON: the status says enough
            }
            refuse(code, lines, true, new String(response.body(), 0, Math.min(200, response.body().length)));
            return;
        }
        JsonNode jobs;
        try {
            jobs = MAPPER.readTree(response.body()).path("jobs");
        } catch (Exception e) {
            refuse("unreadable_answer", lines, true, e.toString());
            return;
        }
        synchronized (this) {
            for (JsonNode entry : jobs) {
                String id = entry.path("id").asText(null);
                if (id != null && !entry.has("error")) {
                    ids.add(id);
                    distinct.add(id);
                    accepted.incrementAndGet();
                } else {
                    refused.merge(entry.path("error").path("code").asText("unknown"), 1L, Long::sum);
                }
            }
            if (firstAcceptedAt == null && accepted.get() > 0) {
                firstAcceptedAt = clock.getAsDouble();
            }
        }
    }

    private void refuse(String code, int lines, boolean wholeBatch, String detail) {
        boolean first;
        synchronized (this) {
            refused.merge(code, (long) lines, Long::sum);
            first = batchesFailed == 0;
            if (wholeBatch) {
                batchesFailed++;
            }
        }
        if (first) {
            progress.printf(Locale.ROOT, "  submit: a batch of %d failed: %s %s%n", lines, code, detail.replace('\n', ' '));
        }
    }
}
