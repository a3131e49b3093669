package dev.llmfleet.loadtest.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Confirms the worker's counters against the jobs themselves: {@code GET /v1/jobs/{id}} for a random sample of the
 * accepted ids, counting statuses and, for finished jobs, the time from {@code created_at} to {@code finished_at}.
 */
public final class Verifier {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * @param byStatus      sampled jobs per status ({@code http_404} etc. when the GET itself failed)
     * @param latencyP50Ms  created→finished of the sampled finished jobs
     */
    public record Result(int sampled, Map<String, Long> byStatus, Long finishedWithResult, Double latencyP50Ms, Double latencyP90Ms,
                         Double latencyP99Ms, Double latencyMaxMs, List<String> examples) {
    }

    private Verifier() {
    }

    static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (RuntimeException e) {
            try {
                return Instant.ofEpochMilli((long) (Double.parseDouble(text) * (text.contains(".") ? 1000 : 1)));
            } catch (RuntimeException e2) {
                return null;
            }
        }
    }

    public static Result verify(URI intake, String apiKey, List<String> ids, int sample, long seed) throws InterruptedException {
        List<String> chosen = new ArrayList<>(ids);
        Collections.shuffle(chosen, new Random(seed));
        chosen = chosen.subList(0, Math.min(sample, chosen.size()));
        String base = Monitor.strip(intake.toString()).replaceAll("/v1$", "") + "/v1/jobs/";
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Semaphore permits = new Semaphore(8);
        Map<String, Long> byStatus = new TreeMap<>();
        Histogram latency = new Histogram(TimeUnit.HOURS.toMillis(2), 3);
        long[] withResult = {0};
        List<String> examples = new ArrayList<>();
        for (String id : chosen) {
            permits.acquire();
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + id)).timeout(Duration.ofSeconds(15))
                    .header("Authorization", "Bearer " + apiKey).GET().build();
            http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
                try {
                    String status;
                    if (failure != null) {
                        status = "transport_" + failure.getClass().getSimpleName();
                    } else if (response.statusCode() != 200) {
                        status = "http_" + response.statusCode();
                    } else {
                        JsonNode job = MAPPER.readTree(response.body());
                        status = job.path("status").asText("?");
                        synchronized (byStatus) {
                            if (job.hasNonNull("result")) {
                                withResult[0]++;
                            }
                            Instant created = instant(job.path("created_at").asText(null));
                            Instant finished = instant(job.path("finished_at").asText(null));
                            if (created != null && finished != null) {
                                long ms = Duration.between(created, finished).toMillis();
                                latency.recordValue(Math.max(0, Math.min(ms, latency.getHighestTrackableValue())));
                            }
                            if (!"succeeded".equals(status) && examples.size() < 3) {
                                examples.add(id + ": " + status + (job.hasNonNull("error") ? " (" + job.get("error").asText() + ")" : ""));
                            }
                        }
                    }
                    synchronized (byStatus) {
                        byStatus.merge(status, 1L, Long::sum);
                    }
                } catch (Exception e) {
                    synchronized (byStatus) {
                        byStatus.merge("unreadable", 1L, Long::sum);
                    }
                } finally {
                    permits.release();
                }
            });
        }
        permits.acquire(8);
        synchronized (byStatus) {
            boolean any = latency.getTotalCount() > 0;
            return new Result(chosen.size(), Map.copyOf(byStatus), withResult[0],
                    any ? (double) latency.getValueAtPercentile(50) : null, any ? (double) latency.getValueAtPercentile(90) : null,
                    any ? (double) latency.getValueAtPercentile(99) : null, any ? (double) latency.getMaxValue() : null, List.copyOf(examples));
        }
    }
}
