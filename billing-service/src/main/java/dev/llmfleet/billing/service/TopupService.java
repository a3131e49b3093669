package dev.llmfleet.billing.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.billing.client.TopupClient;
import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.billing.repository.LedgerRepository;
import dev.llmfleet.billing.repository.LedgerRepository.Snapshot;
import dev.llmfleet.billing.repository.TopupRepository;
import dev.llmfleet.billing.repository.TopupRepository.Reservation;
import dev.llmfleet.common.billing.BalanceLevel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.llmfleet.billing.metrics.BillingMetricNames.*;
import static dev.llmfleet.common.metrics.MetricNames.TAG_OUTCOME;

/**
 * Automated top-up (mode {@code auto}; {@code alert-only} never spends). At LOW or worse it reserves the amount against
 * the UTC day's limit in Redis, names the top-up {@code fleet-topup-<day>-<seq>} and sends that as the Idempotency-Key.
 * A top-up stays pending until the provider gives a definite answer: one whose outcome is unknown (timeout, I/O error,
 * 5xx, 429, an unreadable answer) may have been credited, so the {@link TopupClient} retries it with the same key for
 * as long as it takes; it is never refunded and re-issued under a new one, and a restart resumes it. Only a definite refusal (a 4xx) gives the amount
 * back to the limit and holds top-ups until the level is OK again. After a success no other top-up starts for
 * {@code settle} (answers to calls charged before it still report the old balance); a level still LOW after that tops
 * up again, within the limit. The returned balance is a fresh reading.
 */
@ApplicationScoped
public class TopupService {
    private static final Logger LOG = Logger.getLogger(TopupService.class);

    private final BillingConfig.Topup config;
    private final TopupRepository repository;
    private final LedgerRepository ledger;
    private final AlertService alerts;
    private final TopupClient client;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    /** Local mirrors of the Redis state, so that evaluations at LOW do not ask Redis each time. */
    private volatile boolean held;
    private volatile boolean releaseDue = true;
    private volatile long notBeforeMs;

    public TopupService(BillingConfig config, TopupRepository repository, LedgerRepository ledger, AlertService alerts,
                        TopupClient client, ObjectMapper mapper, MeterRegistry registry) {
        this.config = config.topup();
        this.repository = repository;
        this.ledger = ledger;
        this.alerts = alerts;
        this.client = client;
        this.mapper = mapper;
        this.registry = registry;
    }

    /** Called on every evaluation: tops up at LOW or worse when none is pending, settling or held; answers the fresh reading, or null. */
    public Uni<Snapshot> onLevel(BalanceLevel level, BigDecimal balance) {
        if (!config.auto()) {
            return Uni.createFrom().nullItem();
        }
        if (level == BalanceLevel.OK) {
            held = false;
            if (releaseDue) {
                releaseDue = false;
                return repository.release().replaceWith((Snapshot) null);
            }
            return Uni.createFrom().nullItem();
        }
        releaseDue = true;
        if (held || System.currentTimeMillis() < notBeforeMs || !inFlight.compareAndSet(false, true)) {
            return Uni.createFrom().nullItem();
        }
        return start(level, balance).eventually(() -> inFlight.set(false));
    }

    /** Finishes a top-up a previous run reserved but did not complete (same Idempotency-Key). */
    public Uni<Snapshot> resumePending() {
        if (!config.auto()) {
            return Uni.createFrom().nullItem();
        }
        return repository.pending().chain(pending -> {
            if (pending == null || !inFlight.compareAndSet(false, true)) {
                return Uni.createFrom().nullItem();
            }
            LOG.infof("resuming top-up %s left pending by a previous run", pending.idempotencyKey());
            return execute(pending, BalanceLevel.LOW).eventually(() -> inFlight.set(false));
        });
    }

    private Uni<Snapshot> start(BalanceLevel level, BigDecimal balance) {
        String day = LocalDate.now(ZoneOffset.UTC).toString();
        long amount = Money.toNanos(config.amountUsd());
        return repository.reserve(day, amount, Money.toNanos(config.dailyLimitUsd())).chain(decision -> {
            if (decision.reservation() != null) {
                return execute(decision.reservation(), level);
            }
            held = decision.held();
            notBeforeMs = System.currentTimeMillis() + decision.settlingMs();
            if (!decision.limitReached()) {
                return Uni.createFrom().nullItem();
            }
            registry.counter(TOPUPS, TAG_OUTCOME, "limit_reached").increment();
            Map<String, String> figures = new LinkedHashMap<>();
            figures.put("balance_usd", balance == null ? "unknown" : balance.toPlainString());
            figures.put("amount_usd", config.amountUsd().toPlainString());
            figures.put("daily_limit_usd", config.dailyLimitUsd().toPlainString());
            return saveLast(null, "limit_reached", null, null, "daily limit reached")
                    .chain(() -> alerts.raise("topup_failed", level, "Automatic top-up skipped: the daily limit of $"
                            + config.dailyLimitUsd().toPlainString() + " is reached", figures))
                    .replaceWith((Snapshot) null);
        });
    }

    /**
     * Marks the top-up pending and has the client post it until a definite answer, the same key every time. Only a
     * refusal is handled as a failure: any other failure (Redis down while recording the success) leaves the top-up
     * pending for the next evaluation or a restart.
     */
    private Uni<Snapshot> execute(Reservation reservation, BalanceLevel level) {
        BigDecimal amount = Money.toUsd(reservation.amountNanos());
        return saveLast(amount, "pending", null, null, null)
                .chain(() -> client.topup(amount, reservation.idempotencyKey()))
                .chain(answer -> succeeded(reservation, amount, answer))
                .onFailure(TopupClient.Refused.class).recoverWithUni(e -> refused(reservation, amount, level, e));
    }

    private Uni<Snapshot> succeeded(Reservation reservation, BigDecimal amount, JsonNode answer) {
        String balanceText = answer.path("balance_usd").asText(null);
        String topupId = answer.path("topup_id").asText(reservation.idempotencyKey());
        return repository.complete(reservation, true, config.settle()).chain(mine -> {
            // a top-up lets the balance settle before the next one, whoever ended it
            notBeforeMs = System.currentTimeMillis() + config.settle().toMillis();
            if (!mine) {
                return ledger.snapshot();
            }
            registry.counter(TOPUPS, TAG_OUTCOME, "succeeded").increment();
            Counter.builder(TOPPED_UP).baseUnit(USD).description("USD topped up by billing").register(registry).increment(amount.doubleValue());
            Map<String, String> figures = new LinkedHashMap<>();
            figures.put("amount_usd", amount.toPlainString());
            figures.put("balance_usd", balanceText == null ? "unknown" : balanceText);
            figures.put("topup_id", topupId);
            Uni<Snapshot> reading = balanceText == null ? ledger.snapshot()
                    : ledger.credit(reservation.amountNanos(), Money.toNanos(new BigDecimal(balanceText)), System.currentTimeMillis(), topupId);
            return reading
                    .call(() -> saveLast(amount, "succeeded", balanceText, topupId, null))
                    .call(() -> alerts.raise("topup_succeeded", BalanceLevel.OK, "Topped up $" + amount.toPlainString()
                            + "; provider balance now $" + figures.get("balance_usd"), figures));
        });
    }

    private Uni<Snapshot> refused(Reservation reservation, BigDecimal amount, BalanceLevel level, Throwable e) {
        return repository.complete(reservation, false, config.settle()).invoke(() -> held = true).chain(mine -> {
            if (!mine) {
                return Uni.createFrom().nullItem();
            }
            registry.counter(TOPUPS, TAG_OUTCOME, "failed").increment();
            String reason = e.getMessage();
            LOG.warnf("top-up %s of $%s refused: %s", reservation.idempotencyKey(), amount.toPlainString(), reason);
            Map<String, String> figures = new LinkedHashMap<>();
            figures.put("amount_usd", amount.toPlainString());
            figures.put("idempotency_key", reservation.idempotencyKey());
            return saveLast(amount, "failed", null, null, reason)
                    .call(() -> alerts.raise("topup_failed", level, "Automatic top-up of $" + amount.toPlainString() + " failed: " + reason, figures))
                    .replaceWith((Snapshot) null);
        });
    }

    private Uni<Void> saveLast(BigDecimal amount, String status, String balance, String topupId, String error) {
        ObjectNode last = mapper.createObjectNode();
        last.put("at", Instant.now().toString());
        last.put("status", status);
        last.put("amount_usd", amount);
        last.put("balance_usd", balance == null ? null : new BigDecimal(balance));
        last.put("topup_id", topupId);
        last.put("error", error);
        return repository.saveLast(last.toString()).onFailure().recoverWithNull();
    }

    /** The last top-up billing attempted (JSON object), or null. */
    public Uni<JsonNode> last() {
        return repository.last().map(json -> {
            if (json == null) {
                return null;
            }
            try {
                return mapper.readTree(json);
            } catch (java.io.IOException e) {
                return null;
            }
        });
    }
}
