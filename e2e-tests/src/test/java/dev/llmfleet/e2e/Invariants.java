package dev.llmfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.localstack.ServiceProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every fault test checks once its fault is over, as deltas from a mark taken before the fault (fault tests
 * share a fleet one after another):
 * <ol>
 *     <li>every job answered 202 reached a final status, and only the statuses the test allows, and its result is on
 *     {@code llm.results};</li>
 *     <li>what the provider charged equals the ledger to the nano-dollar, or (where charged calls can go unrecorded: a
 *     process killed after the provider answered, a stream dropped before its charge arrived) exceeds it by exactly
 *     the unattributed spend billing reports;</li>
 *     <li>no idempotency key was charged twice by the provider;</li>
 *     <li>where the ledger is exact, the jobs' own {@code charged_usd} add up to the ledger's async lane.</li>
 * </ol>
 * Each check's figures go to {@code target/fault-results.tsv} before the assertions, so a failing run is measured too.
 */
final class Invariants {
    private static final Path RESULTS = FleetHarness.home().resolve("e2e-tests/target/fault-results.tsv");
    private static final Pattern UNDELIVERED = Metrics.series("fleet_usage_undelivered");
    private static final Set<String> FINAL = Set.of("succeeded", "failed", "dead_lettered", "cancelled");

    /** How the fault may end. {@code ledgerExact}: no charge may go unrecorded; {@code statuses}: the final statuses allowed. */
    record Expect(boolean ledgerExact, Set<String> statuses, Duration jobsTimeout) {
        static Expect exact() {
            return new Expect(true, Set.of("succeeded"), Duration.ofMinutes(4));
        }

        /** The ledger may fall short of the provider, by exactly the unattributed spend billing reports. */
        static Expect reconciled() {
            return new Expect(false, Set.of("succeeded"), Duration.ofMinutes(4));
        }
    }

    /** The figures of one check: deltas over the fault. */
    record Result(String fault, int accepted, int lost, Map<String, Integer> statuses, long providerCalls, BigDecimal providerUsd,
                  BigDecimal ledgerUsd, BigDecimal unattributedUsd, long chargedRepeats, BigDecimal jobsUsd, BigDecimal ledgerAsyncUsd) {
        BigDecimal gap() {
            return providerUsd.subtract(ledgerUsd);
        }
    }

    private record Totals(BigDecimal providerUsd, long providerCalls, long chargedRepeats, BigDecimal ledgerUsd,
                          BigDecimal ledgerAsyncUsd, BigDecimal unattributedUsd, long ledgerRequests) {
    }

    private final OwnFleet own;
    private final String fault;
    private final Totals before;
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();

    private Invariants(OwnFleet own, String fault, Totals before) {
        this.own = own;
        this.fault = fault;
        this.before = before;
    }

    /** Waits until the fleet is quiet (no job in hand, no provider call in flight, the ledger settled), then marks. */
    static Invariants mark(OwnFleet own, String fault) {
        Worker.awaitIdle(own.worker);
        await("the provider to have no call in flight").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> own.sim.totals().path("in_flight").asLong() == 0);
        return new Invariants(own, fault, settled(own));
    }

    /** Totals once the ledger's request count stood still for two readings in a row. */
    private static Totals settled(OwnFleet own) {
        Totals[] last = {totals(own)};
        await("the ledger to settle").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1500)).until(() -> {
            Totals now = totals(own);
            boolean still = now.ledgerRequests() == last[0].ledgerRequests() && now.providerCalls() == last[0].providerCalls();
            last[0] = now;
            return still;
        });
        return last[0];
    }

    private static Totals totals(OwnFleet own) {
        JsonNode sim = own.sim.totals();
        JsonNode summary = own.billing.summary();
        return new Totals(new BigDecimal(sim.get("charged_usd").asText()), sim.get("calls").asLong(), sim.path("charged_repeats").asLong(),
                new BigDecimal(summary.get("total_usd").asText()), own.billing.laneUsd("async"), own.billing.unattributedUsd(),
                summary.get("requests").asLong());
    }

    /** Jobs the fleet answered with an id (202, or an existing job): each must end. */
    void accepted(Collection<String> ids) {
        accepted.addAll(ids);
    }

    Set<String> acceptedIds() {
        return Set.copyOf(accepted);
    }

    /** Checks the invariants (see the class comment) and answers the figures. */
    Result check(Expect expect) {
        Set<String> ids = new LinkedHashSet<>(accepted);
        Map<String, JsonNode> finished = own.jobs.pollFinished(ids, expect.jobsTimeout().toMillis());
        Map<String, Integer> statuses = new TreeMap<>();
        finished.values().forEach(job -> statuses.merge(job.path("status").asText(), 1, Integer::sum));
        BigDecimal jobsUsd = finished.values().stream().map(Jobs::charged).reduce(BigDecimal.ZERO, BigDecimal::add);

        Totals after = reconciledTotals();
        Result result = new Result(fault, ids.size(), ids.size() - finished.size(), statuses,
                after.providerCalls() - before.providerCalls(), after.providerUsd().subtract(before.providerUsd()),
                after.ledgerUsd().subtract(before.ledgerUsd()), after.unattributedUsd().subtract(before.unattributedUsd()),
                after.chargedRepeats() - before.chargedRepeats(), jobsUsd, after.ledgerAsyncUsd().subtract(before.ledgerAsyncUsd()));
        record(result);

        assertThat(result.lost()).as("%s: jobs answered 202 that never ended (%s)", fault, result).isZero();
        assertThat(statuses.keySet()).as("%s: final statuses", fault).isSubsetOf(expect.statuses());
        try (TopicReader results = new TopicReader(own.fleet.kafkaBootstrapServers(), "llm.results")) {
            results.await(finished.keySet(), Duration.ofSeconds(60)); // fails naming a job whose end was never announced
        }
        assertThat(result.chargedRepeats()).as("%s: provider charges of an idempotency key already charged", fault).isZero();
        assertThat(result.gap()).as("%s: provider charged minus ledger, against the unattributed spend billing reports (%s)", fault, result)
                .isEqualByComparingTo(result.unattributedUsd());
        if (expect.ledgerExact()) {
            assertThat(result.unattributedUsd()).as("%s: unattributed spend (%s)", fault, result).isZero();
            assertThat(result.jobsUsd()).as("%s: the jobs' charged_usd against the ledger's async lane (%s)", fault, result)
                    .isEqualByComparingTo(result.ledgerAsyncUsd());
        }
        return result;
    }

    /**
     * Puts the provider back to normal and makes one interactive call last, so billing's latest balance reading is the provider's final balance, then waits
     * (bounded) until the ledger and the unattributed spend explain every charge, the ledger stood still and intake and
     * the worker hold no undelivered usage event (a send awaiting Kafka, the outbox); answers
     * the totals then, or the last ones seen when the wait ran out (the assertions say what is wrong).
     */
    private Totals reconciledTotals() {
        // the fault is over: the provider behaves again, so the anchor call is answered
        own.sim.configure(Simulator.NORMAL);
        String anchor = "{\"model\":\"openai/gpt-4o-mini\",\"temperature\":0,\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":"
                + Http.quote("anchor " + UUID.randomUUID()) + "}]}";
        HttpResponse<String> response = Http.post(own.intake.url() + "/v1/chat/completions", anchor, "X-Fleet-Feature", "default");
        assertThat(response.statusCode()).as("%s: the anchor call after the fault: %s", fault, response.body()).isEqualTo(200);
        Totals[] last = {totals(own)};
        try {
            await("the ledger to explain every charge").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(1500)).until(() -> {
                Totals now = totals(own);
                boolean still = now.ledgerRequests() == last[0].ledgerRequests() && now.ledgerUsd().compareTo(last[0].ledgerUsd()) == 0;
                last[0] = now;
                BigDecimal gap = now.providerUsd().subtract(before.providerUsd()).subtract(now.ledgerUsd().subtract(before.ledgerUsd()));
                return still && gap.compareTo(now.unattributedUsd().subtract(before.unattributedUsd())) == 0
                        && !usageHeld();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // reported by the assertions, with the figures
        }
        return last[0];
    }

    /**
     * Whether intake or the worker still holds a usage event (a send awaiting Kafka, the outbox): while one waits, a
     * standing ledger is not yet the final one. A service not answering, or not exposing the series yet, counts as holding.
     */
    private boolean usageHeld() {
        for (ServiceProcess service : List.of(own.intake, own.worker)) {
            try {
                Double held = Metrics.sum(service, UNDELIVERED);
                if (held == null || held > 0) {
                    return true;
                }
            } catch (RuntimeException down) {
                return true;
            }
        }
        return false;
    }

    private static synchronized void record(Result r) {
        try {
            Files.createDirectories(RESULTS.getParent());
            boolean header = !Files.exists(RESULTS);
            String line = String.join("\t", r.fault(), Integer.toString(r.accepted()), Integer.toString(r.lost()), r.statuses().toString(),
                    Long.toString(r.providerCalls()), r.providerUsd().toPlainString(), r.ledgerUsd().toPlainString(),
                    r.unattributedUsd().toPlainString(), r.gap().toPlainString(), Long.toString(r.chargedRepeats()),
                    r.jobsUsd().toPlainString(), r.ledgerAsyncUsd().toPlainString()) + "\n";
            Files.writeString(RESULTS, (header ? "fault\taccepted\tlost\tstatuses\tprovider_calls\tprovider_usd\tledger_usd\tunattributed_usd"
                    + "\tgap_usd\tcharged_repeats\tjobs_usd\tledger_async_usd\n" : "") + line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("FAULT-RESULT " + r);
    }
}
