package dev.llmfleet.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.loadtest.jobs.KafkaLag;
import dev.llmfleet.loadtest.jobs.Prometheus;
import dev.llmfleet.loadtest.usage.UsageEvents;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code usage} command: how many usage events per second billing ingests. Produces N synthetic
 * {@code llm.usage} events (both lanes, cache hits, a share of redeliveries) straight to Kafka as fast as the
 * producer goes (or at {@code --rate}), watches billing's own counters and its consumer lag until every record is
 * in the ledger or dropped as a duplicate, then checks the ledger: its spend grew by exactly what was sent, and it
 * finds nothing unattributed.
 */
public final class UsageRun {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String INGESTED = "fleet_billing_events_ingested_total";
    private static final String DUPLICATE = "fleet_billing_events_duplicate_total";
    private static final String REJECTED = "fleet_billing_events_rejected_total";

    /** Settings of one run, as the JSON shows them. */
    public record Settings(String runId, String kafka, String billing, String group, long events, double duplicateShare,
                           double cacheHitShare, double rate, double intervalSeconds, double maxWaitSeconds) {
    }

    /** One sample: records produced (acknowledged by Kafka) and handled by billing since the start, the rate since the last tick. */
    public record Tick(double t, long produced, long ingested, long duplicates, long rejected, double handledPerSecond, Long lag) {
    }

    /**
     * The whole run; times in seconds from the first send.
     *
     * @param completeAt             when billing had handled every record (null if it never did)
     * @param recordsPerSecond       records / completeAt (without completion: handled / observed time)
     * @param steadyRecordsPerSecond handling rate between 10 % and 90 % of the records
     */
    public record Result(String command, String startedAt, String finishedAt, Settings settings, long records, long distinct,
                         long duplicatesSent, double produceSeconds, double producedPerSecond, Double completeAt,
                         double recordsPerSecond, Double steadyRecordsPerSecond, Long maxLag, BigDecimal chargedSentUsd,
                         BigDecimal ledgerGrowthUsd, BigDecimal unattributedUsd, List<Tick> series, List<String> problems) {
    }

    private final Settings settings;
    private final Path json;
    private final PrintStream out;
    private final PrintStream progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    /** Billing's balance is the operator's: read with the admin key (kept out of {@link Settings}, which is reported). */
    private final String adminKey;

    public UsageRun(String kafka, String billingUrl, String adminKey, String group, long events, double duplicateShare, double cacheHitShare,
                    double rate, Duration interval, Duration maxWait, Path json, PrintStream out, PrintStream progress) {
        this.settings = new Settings("usage-" + UUID.randomUUID().toString().substring(0, 8), kafka,
                billingUrl.replaceAll("/+$", ""), group, events, duplicateShare, cacheHitShare, rate,
                interval.toMillis() / 1000.0, maxWait.toMillis() / 1000.0);
        this.adminKey = adminKey;
        this.json = json;
        this.out = out;
        this.progress = progress;
    }

    /** Billing's record counters: first deliveries, dropped redeliveries, refused records. */
    private record Counts(long ingested, long duplicates, long rejected) {
        long handled() {
            return ingested + duplicates + rejected;
        }
    }

    /**
     * Produces, watches and checks; answers the exit code. Event times are one millisecond apart (the ledger's
     * resolution), ending now or, when billing already holds later readings, starting just after them.
     */
    public int run() throws Exception {
        String startedAt = Instant.now().toString();
        List<String> problems = new ArrayList<>();
        Counts base = counts();
        BigDecimal spendBefore = ledgerTotal();
        // the events continue billing's balance line: from its latest reading, after it in event time
        JsonNode gauge = MAPPER.readTree(get("/v1/billing/balance"));
        BigDecimal startBalance = gauge.hasNonNull("balance_usd") ? new BigDecimal(gauge.get("balance_usd").asText()) : new BigDecimal("1000000");
        long startMillis = System.currentTimeMillis() - settings.events();
        if (gauge.hasNonNull("as_of")) {
            startMillis = Math.max(startMillis, Instant.parse(gauge.get("as_of").asText()).toEpochMilli() + 1);
        }
        UsageEvents events = new UsageEvents(settings.runId(), 42, settings.duplicateShare(), settings.cacheHitShare(),
                startBalance, startMillis);
        progress.printf(Locale.ROOT, "loadtest usage %s: %d distinct events (+%.0f%% redelivered) to llm.usage at %s, %s; billing %s%n",
                settings.runId(), settings.events(), 100 * settings.duplicateShare(), settings.kafka(),
                settings.rate() > 0 ? settings.rate() + " records/s" : "as fast as the producer goes", settings.billing());
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        List<Tick> series = new ArrayList<>();
        try (KafkaProducer<String, String> producer = producer();
             KafkaLag lag = new KafkaLag(settings.kafka(), settings.group(), List.of("llm.usage"))) {
            long start = System.nanoTime();
            CompletableFuture<Long> sending = CompletableFuture.supplyAsync(() -> {
                long sent = 0;
                while (events.distinct() < settings.events() || events.hasPendingDuplicate()) {
                    UsageEvents.Event e = events.next();
                    producer.send(new ProducerRecord<>("llm.usage", e.key(), e.value()), (meta, failure) -> {
                        if (failure != null) {
                            sendFailure.compareAndSet(null, failure);
                        } else {
                            acked.incrementAndGet();
                        }
                    });
                    sent++;
                    pace(start, sent);
                }
                producer.flush();
                return sent;
            });
            Counts previous = base;
            double previousT = 0;
            double nextTick = settings.intervalSeconds();
            double deadline = Double.MAX_VALUE;
            Long records = null;
            double produceSeconds = 0;
            Double completeAt = null;
            Long maxLag = null;
            while (completeAt == null) {
                Thread.sleep(100);
                double t = (System.nanoTime() - start) / 1e9;
                if (records == null && sending.isDone()) {
                    records = sending.join();
                    produceSeconds = t;
                    deadline = t + settings.maxWaitSeconds();
                    progress.printf(Locale.ROOT, "  produced %d records in %.1f s (%.0f/s)%n", records, t, records / t);
                }
                Counts now = counts();
                if (records != null && now.handled() - base.handled() >= records) {
                    completeAt = t;
                }
                if (t >= nextTick || completeAt != null || t >= deadline) {
                    Long l = null;
                    try {
                        l = lag.snapshot().totalLag();
                        maxLag = maxLag == null ? l : Math.max(maxLag, l);
                    } catch (Exception e) {
                        problems.add("lag unreadable at " + Math.round(t) + " s: " + e.getMessage());
                    }
                    double rate = (now.handled() - previous.handled()) / Math.max(1e-3, t - previousT);
                    Tick tick = new Tick(t, acked.get(), now.ingested() - base.ingested(), now.duplicates() - base.duplicates(),
                            now.rejected() - base.rejected(), rate, l);
                    series.add(tick);
                    progress.printf(Locale.ROOT, "  t=%5.1fs produced %d, ingested %d, duplicates %d, rejected %d, %.0f records/s, lag %s%n",
                            t, tick.produced(), tick.ingested(), tick.duplicates(), tick.rejected(), rate, l == null ? "-" : l);
                    previous = now;
                    previousT = t;
                    nextTick = t + settings.intervalSeconds();
                }
                if (t >= deadline) {
                    break;
                }
            }
            if (sendFailure.get() != null) {
                problems.add("some records were not produced: " + sendFailure.get().getMessage());
            }
            Counts end = counts();
            if (end.rejected() > base.rejected()) {
                problems.add((end.rejected() - base.rejected()) + " records rejected by billing");
            }
            BigDecimal growth = completeAt == null ? null : ledgerTotal().subtract(spendBefore);
            if (growth != null && growth.compareTo(events.charged()) != 0) {
                problems.add("the ledger grew by " + growth.toPlainString() + " USD, the events carried " + events.charged().toPlainString());
            }
            double observed = completeAt != null ? completeAt : (System.nanoTime() - start) / 1e9;
            long handled = completeAt != null ? records : end.handled() - base.handled();
            List<double[]> points = new ArrayList<>();
            series.forEach(x -> points.add(new double[] {x.t(), x.ingested() + x.duplicates() + x.rejected()}));
            Result result = new Result("usage", startedAt, Instant.now().toString(), settings, records, events.distinct(),
                    records - events.distinct(), produceSeconds, records / Math.max(1e-3, produceSeconds), completeAt,
                    handled / observed, JobsRun.steadyRateOf(points, records, completeAt), maxLag, events.charged(), growth,
                    unattributed(), series, problems);
            print(result);
            if (json != null) {
                JobsRun.write(json, result);
                progress.println("results written to " + json);
            }
            return completeAt == null ? JobsRun.EXIT_INCOMPLETE : problems.isEmpty() ? LoadTest.EXIT_OK : 1;
        }
    }

    /** Holds the producer to {@code --rate}, if one is set. */
    private void pace(long startNanos, long sent) {
        if (settings.rate() <= 0) {
            return;
        }
        long due = startNanos + (long) (sent * 1e9 / settings.rate());
        long wait = due - System.nanoTime();
        if (wait > 1_000_000) {
            try {
                Thread.sleep(wait / 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A producer as intake and the worker configure theirs: acks from all replicas, batched. */
    private KafkaProducer<String, String> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafka());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "loadtest-usage");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    private Counts counts() throws IOException, InterruptedException {
        Prometheus metrics = Prometheus.parse(get("/q/metrics"));
        return new Counts(count(metrics, INGESTED), count(metrics, DUPLICATE), count(metrics, REJECTED));
    }

    private static long count(Prometheus metrics, String name) {
        Double value = metrics.sum(name);
        return value == null ? 0 : Math.round(value);
    }

    /** The ledger's spend over the last week (day buckets: events a little ahead of the clock are in it too). */
    private BigDecimal ledgerTotal() throws IOException, InterruptedException {
        return new BigDecimal(MAPPER.readTree(get("/v1/billing/summary?window=7d")).path("total_usd").asText("0"));
    }

    private BigDecimal unattributed() throws IOException, InterruptedException {
        JsonNode balance = MAPPER.readTree(get("/v1/billing/balance"));
        return balance.hasNonNull("unattributed_usd") ? new BigDecimal(balance.get("unattributed_usd").asText()) : null;
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(settings.billing() + path))
                .header("Authorization", "Bearer " + adminKey).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private void print(Result r) {
        out.println();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"figure", "value"});
        rows.add(new String[] {"records produced", r.records() + " = " + r.distinct() + " distinct + " + r.duplicatesSent() + " redelivered"});
        rows.add(new String[] {"produce time, rate", String.format(Locale.ROOT, "%.1f s, %.0f records/s", r.produceSeconds(), r.producedPerSecond())});
        rows.add(new String[] {"all handled by billing after", r.completeAt() == null ? "NOT all handled" : JobsRun.fmt(r.completeAt()) + " s"});
        rows.add(new String[] {"billing records/s (all / time)", String.format(Locale.ROOT, "%.0f", r.recordsPerSecond())});
        rows.add(new String[] {"billing records/s (10%→90%)", r.steadyRecordsPerSecond() == null ? "-"
                : String.format(Locale.ROOT, "%.0f", r.steadyRecordsPerSecond())});
        rows.add(new String[] {"max consumer lag", r.maxLag() == null ? "-" : String.valueOf(r.maxLag())});
        rows.add(new String[] {"charged USD sent / ledger growth", r.chargedSentUsd().toPlainString() + " / "
                + (r.ledgerGrowthUsd() == null ? "-" : r.ledgerGrowthUsd().toPlainString())});
        rows.add(new String[] {"unattributed USD", r.unattributedUsd() == null ? "-" : r.unattributedUsd().toPlainString()});
        r.problems().forEach(p -> rows.add(new String[] {"problem", p}));
        out.print(Report.table(rows));
    }
}
