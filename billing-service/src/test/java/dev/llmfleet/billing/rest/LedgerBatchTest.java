package dev.llmfleet.billing.rest;

import dev.llmfleet.billing.BillingApi;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmfleet.billing.IsolatedLedger;
import dev.llmfleet.billing.UsageEvents;
import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.billing.repository.LedgerRepository;
import dev.llmfleet.billing.repository.LedgerRepository.Entry;
import dev.llmfleet.billing.repository.LedgerRepository.Recorded;
import dev.llmfleet.billing.repository.LedgerRepository.Resolution;
import dev.llmfleet.billing.repository.LedgerRepository.Snapshot;
import dev.llmfleet.billing.service.LedgerService;
import dev.llmfleet.billing.service.Money;
import dev.llmfleet.common.messaging.UsageRecorded;
import dev.llmfleet.common.redis.LuaScript;
import dev.llmfleet.localstack.testing.LocalStackResource;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;

import static dev.llmfleet.billing.UsageEvents.attempt;
import static dev.llmfleet.billing.UsageEvents.call;
import static dev.llmfleet.billing.UsageEvents.id;
import static dev.llmfleet.billing.UsageEvents.json;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The ledger a batch at a time (one Kafka poll, one Redis script): each event id counts once and each request id once as a
 * request, within a batch as across batches; unreadable records in a batch are rejected without holding back the rest; a
 * batch is one guarded Redis call; and the batch script leaves Redis exactly as the one-event script it replaced did.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(IsolatedLedger.class)
class LedgerBatchTest {
    @BeforeEach
    void asAdmin() {
        BillingApi.asAdmin();
    }

    /** The scripts billing ran before batches (test resources lua/*-one.lua): the reference. */
    private static final LuaScript ONE_EVENT = LuaScript.load(LedgerBatchTest.class, "ledger-functions-one", "ledger-record-one");
    private static final LuaScript CREDIT_ONE = LuaScript.load(LedgerBatchTest.class, "ledger-functions-one", "ledger-credit-one");
    private static final LuaScript SNAPSHOT_ONE = LuaScript.load(LedgerBatchTest.class, "ledger-functions-one", "ledger-snapshot-one");

    @Inject
    ObjectMapper mapper;

    @Inject
    LedgerService ledger;

    @Inject
    BillingConfig config;

    @Inject
    ReactiveRedisDataSource reactiveRedis;

    @Inject
    RedisDataSource redis;

    private String value(UsageRecorded usage) {
        try {
            return mapper.writeValueAsString(usage);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Record values as Kafka hands them to billing. */
    private static List<byte[]> utf8(String... values) {
        return Arrays.stream(values).map(v -> v.getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static JsonNode summary(String tenant) {
        return json(given().queryParam("window", "15m").queryParam("by", "feature").queryParam("tenant", tenant)
                .get("/v1/billing/summary").then().statusCode(200).extract().asString());
    }

    @Test
    void aBatchCountsEachEventIdOnceWithinItAndAcrossBatchesAndRejectsOnlyItsUnreadableRecords() {
        String tenant = "t-" + UUID.randomUUID();
        String feature = "search-index";
        Instant now = Instant.now();
        String retried = id();
        String other = id();
        String first = value(attempt(retried, 1, feature, tenant, "openai/gpt-4o-mini", 500, "0.00000100", "header", null, now));
        String second = value(attempt(retried, 2, feature, tenant, "openai/gpt-4o-mini", 200, "0.00000200", "header", null, now));
        String single = value(call(other, feature, tenant, "openai/gpt-4o-mini", "async", 10, 5, "0.00000400", null, now));
        double duplicates = LedgerTest.metric("fleet_billing_events_duplicate_total");
        double rejected = LedgerTest.metric("fleet_billing_events_rejected_total");
        double calls = ledgerCalls();

        // one batch: a redelivery inside it, a second attempt of the same request, and three records billing cannot read
        ledger.ingest(utf8(first, "not json", first, second,
                "{\"schema_version\":\"2.0\",\"request_id\":\"" + id() + "\",\"charged_usd\":1}",
                "{\"schema_version\":\"1.2\",\"charged_usd\":1}", single)).await().atMost(Duration.ofSeconds(30));
        JsonNode s = summary(tenant);
        assertThat(s.path("requests").asLong()).as("one request per request id").isEqualTo(2);
        assertThat(s.path("total_usd").decimalValue()).isEqualByComparingTo("0.00000700");
        assertThat(s.path("prompt_tokens").asLong()).isEqualTo(110);
        assertThat(LedgerTest.metric("fleet_billing_events_duplicate_total") - duplicates).isEqualTo(1);
        assertThat(LedgerTest.metric("fleet_billing_events_rejected_total") - rejected).isEqualTo(3);
        assertThat(ledgerCalls() - calls).as("the readable records of a batch go to Redis in one call").isEqualTo(1);

        // the next batch: redeliveries of the last one (both of a request's attempts, the single call) and one new call
        String third = value(call(id(), feature, tenant, "openai/gpt-4o-mini", "interactive", 1, 1, "0.00000010", null, now));
        ledger.ingest(utf8(second, single, third, first)).await().atMost(Duration.ofSeconds(30));
        s = summary(tenant);
        assertThat(s.path("requests").asLong()).isEqualTo(3);
        assertThat(s.path("total_usd").decimalValue()).isEqualByComparingTo("0.00000710");
        assertThat(LedgerTest.metric("fleet_billing_events_duplicate_total") - duplicates).isEqualTo(4);
        assertThat(ledgerCalls() - calls).isEqualTo(2);

        // a batch of nothing but unreadable records never reaches the ledger, and is done
        ledger.ingest(utf8("", "[1,2,3]")).await().atMost(Duration.ofSeconds(30));
        assertThat(LedgerTest.metric("fleet_billing_events_rejected_total") - rejected).isEqualTo(5);
        assertThat(ledgerCalls() - calls).isEqualTo(2);

        // bytes are read as UTF-8 text, as ever: JSON in UTF-16 is not JSON, a stray Latin-1 byte in a string is U+FFFD
        byte[] utf16 = value(call(id(), feature, tenant, "openai/gpt-4o-mini", "async", 1, 1, "0.5", null, now)).getBytes(StandardCharsets.UTF_16LE);
        String request = id();
        byte[] latin1 = value(new UsageRecorded("1.2", request + ".1", request, "job_caf\u00e9", "async", feature, tenant, "openai/gpt-4o-mini",
                "openai/gpt-4o-mini", 1, 1, new BigDecimal("0.00000020"), null, "header", false, null, "ok", 200, 5, 1, now, null))
                .getBytes(StandardCharsets.ISO_8859_1);
        ledger.ingest(List.of(utf16, latin1)).await().atMost(Duration.ofSeconds(30));
        s = summary(tenant);
        assertThat(s.path("requests").asLong()).isEqualTo(4);
        assertThat(s.path("total_usd").decimalValue()).isEqualByComparingTo("0.00000730");
        assertThat(LedgerTest.metric("fleet_billing_events_rejected_total") - rejected).isEqualTo(6);
        assertThat(given().get("/q/metrics").asString()).contains("reason=\"unparseable\"");
    }

    @Test
    void aBurstOnOnePartitionIsLedgeredOncePerEventIdThroughTheConsumer() {
        String tenant = "t-" + UUID.randomUUID();
        String feature = "ticket-classify";
        Instant now = Instant.now();
        String request = id();
        UsageRecorded once = call(request, feature, tenant, "openai/gpt-4o-mini", "async", 3, 4, "0.00000123", null, now);
        try (UsageEvents events = new UsageEvents(mapper);
             KafkaProducer<String, String> burst = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class),
                     ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, "50",
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            events.awaitConsumer();
            // all on one partition, sent together: they reach the consumer in the same poll, so the same batch
            List<String> values = new ArrayList<>(List.of(value(once), "{\"schema_version\":\"1.2\"", value(once)));
            for (int i = 0; i < 20; i++) {
                values.add(value(call(id(), feature, tenant, "openai/gpt-4o-mini", "async", 1, 1, "0.00000001", null, now)));
            }
            values.add(value(once));
            for (String value : values) {
                burst.send(new ProducerRecord<>("llm.usage", 0, request, value));
            }
            burst.flush();
        }
        JsonNode s = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> summary(tenant), r -> r.path("requests").asLong() >= 21);
        UsageEvents.sleep(1500);
        s = summary(tenant);
        assertThat(s.path("requests").asLong()).isEqualTo(21);
        assertThat(s.path("total_usd").decimalValue()).isEqualByComparingTo("0.00000143");
    }

    /**
     * The same events, with readings in and out of order, estimated charges, 402s, outside credit, redeliveries (some in
     * the same batch), several attempts per request, big and negative figures, and billing's own top-ups between batches:
     * recorded one at a time by the scripts billing ran before batches (test resources lua/*-one.lua) and in batches of
     * every size by today's, each in a namespace of its own. Every outcome and snapshot, and every key Redis then holds
     * (contents and TTL), must be the same.
     */
    @Test
    void theBatchScriptLeavesRedisExactlyAsTheOneEventScriptDid() {
        String base = "test:" + UUID.randomUUID() + ":";
        String oneNs = base + "one:";
        String batchNs = base + "batch:";
        LedgerRepository batchLedger = new LedgerRepository(reactiveRedis, namespaced(batchNs));
        List<Entry> entries = events(new SplittableRandom(20261207L), 600);
        SplittableRandom random = new SplittableRandom(7);
        Duration wait = Duration.ofSeconds(30);
        int recorded = 0;
        int credits = 0;
        for (int from = 0; from < entries.size(); ) {
            int to = Math.min(entries.size(), from + 1 + random.nextInt(random.nextInt(4) == 0 ? 3 : 120));
            List<Entry> batch = entries.subList(from, to);
            List<Recorded> actual = batchLedger.record(batch).await().atMost(wait);
            assertThat(actual).hasSameSizeAs(batch);
            for (int i = 0; i < batch.size(); i++) {
                assertThat(actual.get(i)).as("outcome of event %d (%s)", from + i, batch.get(i)).isEqualTo(recordOne(oneNs, batch.get(i)));
                recorded += actual.get(i).isNew() ? 1 : 0;
            }
            if (random.nextInt(2) == 0) {
                // a top-up of billing's own: credited, and its answer a fresh reading (sometimes older than the latest)
                long amount = Money.toNanos(BigDecimal.valueOf(1 + random.nextInt(50)));
                long balance = amount + random.nextLong(60_000_000_000L);
                long at = batch.get(batch.size() - 1).occurredAtMs() + random.nextInt(2_000) - 1_000;
                String reference = "fleet-topup-" + credits++;
                assertThat(batchLedger.credit(amount, balance, at, reference).await().atMost(wait)).as("credit %s", reference)
                        .isEqualTo(snapshot(CREDIT_ONE.run(reactiveRedis, List.of(oneNs + "balance", oneNs + "recon", oneNs + "depleted_at"),
                                List.of(Long.toString(amount), Long.toString(balance), Long.toString(at), reference)).await().atMost(wait)));
            }
            from = to;
        }
        assertThat(entries.size() - recorded).as("redeliveries in the data").isGreaterThan(20);
        assertThat(credits).as("top-ups in the data").isGreaterThan(2);
        assertThat(batchLedger.snapshot().await().atMost(wait)).isEqualTo(snapshot(SNAPSHOT_ONE.run(reactiveRedis,
                List.of(oneNs + "balance", oneNs + "recon", oneNs + "depleted_at"), List.of()).await().atMost(wait)));
        Map<String, Object> one = dump(oneNs);
        Map<String, Object> batch = dump(batchNs);
        assertThat(one).as("keys written").hasSizeGreaterThan(600);
        assertThat(batch.keySet()).isEqualTo(one.keySet());
        for (String key : one.keySet()) {
            assertThat(batch.get(key)).as(key).isEqualTo(one.get(key));
        }
    }

    /** The FT guard's successful invocations of the ledger write (one per Redis call). */
    private static double ledgerCalls() {
        double sum = 0;
        for (String line : given().get("/q/metrics").asString().split("\n")) {
            if (line.startsWith("ft_invocations_total{") && line.contains("method=\"dev.llmfleet.billing.repository.LedgerRepository.record\"")
                    && line.contains("result=\"valueReturned\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** This application's billing settings with another Redis namespace. */
    private BillingConfig namespaced(String ns) {
        return (BillingConfig) Proxy.newProxyInstance(BillingConfig.class.getClassLoader(), new Class<?>[] {BillingConfig.class},
                (proxy, method, args) -> method.getName().equals("redisNamespace") ? ns : method.invoke(config, args));
    }

    /** Records one event with the one-event script, as LedgerRepository did before batches. */
    private Recorded recordOne(String ns, Entry e) {
        long t = e.occurredAtMs();
        String group = String.join(String.valueOf(LedgerRepository.SEP), part(e.feature()), part(e.model()), part(e.lane()), part(e.tenant()));
        List<String> keys = List.of(ns + "seen:" + e.eventId(),
                ns + "agg:m:" + Resolution.MINUTE.bucket(t), ns + "agg:h:" + Resolution.HOUR.bucket(t), ns + "agg:d:" + Resolution.DAY.bucket(t),
                ns + "totals", ns + "spend:m:" + Resolution.MINUTE.bucket(t), ns + "balance", ns + "recon", ns + "depleted_at",
                ns + "req:" + e.requestId());
        List<String> args = List.of(Long.toString(config.dedupeTtl().toSeconds()), group,
                Long.toString(e.promptTokens()), Long.toString(e.completionTokens()), Long.toString(e.chargedNanos()),
                e.cacheHit() ? "1" : "0", Long.toString(e.savedNanos()),
                Long.toString(config.retention().minutes().toSeconds()), Long.toString(config.retention().hours().toSeconds()),
                Long.toString(config.retention().days().toSeconds()), Long.toString(t),
                e.balanceNanos() == null ? "" : Long.toString(e.balanceNanos()), e.requestId(), e.depleted() ? "1" : "0",
                Long.toString(Money.toNanos(config.externalCreditThresholdUsd())), e.chargeSource());
        Response r = ONE_EVENT.run(reactiveRedis, keys, args).await().atMost(Duration.ofSeconds(30));
        return r.get(0).toLong() == 1 ? new Recorded(true, snapshot(r)) : new Recorded(false, null);
    }

    /** A snapshot as the scripts answer it: {1, balance, at, anchor, charges, credits, depleted at, drift, drift_est}. */
    private static Snapshot snapshot(Response r) {
        return new Snapshot(num(r.get(1)), num(r.get(2)), num(r.get(3)), num(r.get(4)), num(r.get(5)), num(r.get(6)), num(r.get(7)),
                num(r.get(8)));
    }

    private static String part(String value) {
        return value == null || value.isBlank() ? "unknown" : value;
    }

    private static Long num(Response r) {
        String s = r == null ? null : r.toString();
        return s == null || s.isEmpty() ? null : Long.parseLong(s);
    }

    /** Every key under {@code ns} (without it) with its contents and its TTL in 10-minute steps (the two scripts ran a few seconds apart). */
    private Map<String, Object> dump(String ns) {
        Map<String, Object> out = new TreeMap<>();
        for (String key : redis.key().keys(ns + "*")) {
            String type = redis.key().type(key).name();
            Object content = type.equals("HASH") ? new TreeMap<>(redis.hash(String.class).hgetall(key)) : redis.value(String.class).get(key);
            long ttl = redis.key().ttl(key);
            out.put(key.substring(ns.length()), List.of(type, content, ttl < 0 ? ttl : Math.round(ttl / 600.0)));
        }
        return out;
    }

    /** Synthetic events: what producers send, and the odd figure the ledger must also keep exact. */
    private static List<Entry> events(SplittableRandom random, int count) {
        String[] features = {"support-chat", "doc-summarize", "other"};
        String[] models = {"openai/gpt-4o-mini", "google/gemini-2.0-flash", null};
        String[] sources = {"header", "trailer", "event", "estimated", "estimated", "none", "unknown", "other"};
        String[] lanes = {"interactive", "async", null};
        // event time around an hour boundary, so minute, hour and day buckets differ within a batch
        long start = Instant.parse("2026-12-06T23:58:30Z").toEpochMilli();
        long balance = Money.toNanos(new BigDecimal("50"));
        List<Entry> entries = new ArrayList<>();
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (!entries.isEmpty() && random.nextInt(10) == 0) {
                // a redelivery: the same event id (often right after itself, so in the same batch), maybe other figures
                Entry again = entries.get(random.nextInt(10) < 6 ? entries.size() - 1 : random.nextInt(entries.size()));
                entries.add(random.nextBoolean() ? again : new Entry(again.eventId(), again.requestId(), again.feature(), again.model(),
                        again.lane(), again.tenant(), 999, 999, 123_456, again.chargeSource(), false, 0, again.occurredAtMs(), 1L, false));
                continue;
            }
            String request = !requests.isEmpty() && random.nextInt(4) == 0 ? requests.get(random.nextInt(requests.size())) : "req_" + i;
            requests.add(request);
            long charged = switch (random.nextInt(12)) {
                case 0, 1 -> 0;
                case 2 -> 2_000_000_000_000_000L - random.nextInt(1000); // ≈ $2M: beyond what the script sums as doubles
                case 3 -> 600_000_000_000_000L + random.nextInt(1000); // ≈ $600k: two of them pass 1e15 nano-USD
                default -> 1 + random.nextInt(5_000_000);
            };
            long at = start + (long) i * 450 + (random.nextInt(8) == 0 ? -random.nextInt(60_000) : 0) - (random.nextInt(10) == 0 ? 450 : 0);
            Long reading = null;
            int kind = random.nextInt(10);
            if (kind < 6) {
                balance -= charged % 1_000_000_000 + random.nextInt(3) * 1_000;
                reading = balance;
            } else if (kind == 6) {
                balance += 5_000_000_000L; // $5 from outside billing
                reading = balance;
            } else if (kind == 7) {
                reading = balance + 1_000_000; // an old, higher reading arriving late
                at -= 30_000;
            }
            boolean hit = random.nextInt(5) == 0;
            entries.add(new Entry(request + "." + i, request, features[random.nextInt(features.length)], models[random.nextInt(models.length)],
                    lanes[random.nextInt(lanes.length)], random.nextInt(6) == 0 ? "tenant-b" : "default", random.nextInt(2000),
                    random.nextInt(500), charged, sources[random.nextInt(sources.length)], hit,
                    hit ? random.nextInt(3_000_000) - (random.nextInt(6) == 0 ? 3_000_000 : 0) : 0, at, reading, random.nextInt(20) == 0));
        }
        return entries;
    }
}
