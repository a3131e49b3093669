package dev.llmfleet.billing.service;

import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.billing.repository.AlertRepository;
import dev.llmfleet.billing.repository.LedgerRepository;
import dev.llmfleet.billing.repository.LedgerRepository.Counters;
import dev.llmfleet.billing.repository.LedgerRepository.GroupKey;
import dev.llmfleet.billing.repository.LedgerRepository.Resolution;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduled.ConcurrentExecution;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cost anomalies: every check interval, each feature's cost per request over the last window (minute buckets,
 * the current one included) against the baseline span just before it; above factor × baseline, with enough
 * requests in both, a {@code cost_anomaly} alert, at most once per feature per window length (claimed in Redis
 * with that expiry, so once across instances too, and not again at a wall-clock window boundary).
 */
@ApplicationScoped
public class AnomalyService {
    private static final Logger LOG = Logger.getLogger(AnomalyService.class);

    private final BillingConfig.Anomaly config;
    private final LedgerRepository ledger;
    private final AlertRepository alarms;
    private final AlertService alerts;
    private final BalanceService balance;

    public AnomalyService(BillingConfig config, LedgerRepository ledger, AlertRepository alarms, AlertService alerts,
                          BalanceService balance) {
        this.config = config.anomaly();
        this.ledger = ledger;
        this.alarms = alarms;
        this.alerts = alerts;
        this.balance = balance;
    }

    @Scheduled(every = "${fleet.billing.anomaly.check-interval}", concurrentExecution = ConcurrentExecution.SKIP)
    Uni<Void> checkNow() {
        if (!config.enabled()) {
            return Uni.createFrom().voidItem();
        }
        return check(System.currentTimeMillis()).replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("cost anomaly check failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** Runs one check; answers the number of alerts raised. */
    public Uni<Integer> check(long now) {
        int windowMinutes = BurnRate.buckets(config.window());
        int baselineMinutes = BurnRate.buckets(config.baseline());
        long current = Resolution.MINUTE.bucket(now);
        List<Long> minutes = new ArrayList<>();
        for (long m = current - windowMinutes - baselineMinutes + 1; m <= current; m++) {
            minutes.add(m);
        }
        return ledger.groupsPerBucket(Resolution.MINUTE, minutes, null).chain(perMinute -> {
            Map<String, Counters> baseline = new HashMap<>();
            Map<String, Counters> window = new HashMap<>();
            for (int i = 0; i < perMinute.size(); i++) {
                Map<String, Counters> into = i < baselineMinutes ? baseline : window;
                for (Map.Entry<GroupKey, Counters> e : perMinute.get(i).entrySet()) {
                    into.computeIfAbsent(e.getKey().feature(), f -> new Counters()).add(e.getValue());
                }
            }
            List<Uni<Boolean>> raised = new ArrayList<>();
            for (Map.Entry<String, Counters> e : window.entrySet()) {
                Counters w = e.getValue();
                Counters b = baseline.get(e.getKey());
                if (b == null || !AnomalyRule.anomalous(w.requests, w.chargedNanos, b.requests, b.chargedNanos, config.factor(), config.minRequests())) {
                    continue;
                }
                raised.add(alarms.claimAnomaly(e.getKey(), config.window())
                        .call(claimed -> claimed ? raise(e.getKey(), w, b) : Uni.createFrom().voidItem()));
            }
            if (raised.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            return Uni.join().all(raised).andCollectFailures().map(list -> (int) list.stream().filter(Boolean::booleanValue).count());
        });
    }

    private Uni<Void> raise(String feature, Counters window, Counters baseline) {
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("feature", feature);
        figures.put("window_cost_per_request_usd", Money.perRequest(window.chargedNanos, window.requests).toPlainString());
        figures.put("baseline_cost_per_request_usd", Money.perRequest(baseline.chargedNanos, baseline.requests).toPlainString());
        figures.put("window_requests", Long.toString(window.requests));
        figures.put("baseline_requests", Long.toString(baseline.requests));
        figures.put("factor", Double.toString(config.factor()));
        figures.put("window", config.window().toString());
        return alerts.raise("cost_anomaly", balance.view().level(), "Feature '" + feature + "' costs $"
                + figures.get("window_cost_per_request_usd") + " per request over the last " + config.window().toMinutes()
                + " min, more than " + config.factor() + "x its baseline $" + figures.get("baseline_cost_per_request_usd"), figures).replaceWithVoid();
    }
}
