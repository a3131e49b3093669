package dev.llmfleet.billing.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmfleet.billing.config.BillingConfig;
import dev.llmfleet.billing.repository.AlertRepository;
import dev.llmfleet.billing.repository.LedgerRepository;
import dev.llmfleet.billing.repository.LedgerRepository.Snapshot;
import dev.llmfleet.billing.repository.TopupRepository;
import dev.llmfleet.billing.repository.TopupRepository.Reservation;
import dev.llmfleet.common.billing.BalanceLevel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.llmfleet.billing.metrics.BillingMetricNames.*;

/**
 * Automated top-up (mode {@code auto}; {@code alert-only} never spends). Once per crossing into LOW or worse it
 * reserves the amount against the UTC day's limit in Redis, names the top-up {@code fleet-topup-<day>-<seq>} and
 * sends that as the Idempotency-Key, retrying transient failures with the same key, so neither a retry nor a
 * restart (which resumes the pending reservation) tops up twice. The returned balance is a fresh reading.
 * If the balance is still LOW once a top-up has settled ({@code settle}: late answers to calls charged before it report
 * the old balance), the next evaluation may top up again, within the limit.
 */
@ApplicationScoped
public class TopupService {
    private static final Logger LOG = Logger.getLogger(TopupService.class);
    private static final String ALARM = "topup";

    private final BillingConfig.Topup config;
    private final TopupRepository repository;
    private final LedgerRepository ledger;
    private final AlertRepository alarms;
    private final AlertService alerts;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final HttpClient http;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private volatile boolean armed = true;
    private volatile boolean rearmedInRedis;
    private volatile long settledAtMs;

    public TopupService(BillingConfig config, TopupRepository repository, LedgerRepository ledger, AlertRepository alarms,
                        AlertService alerts, ObjectMapper mapper, MeterRegistry registry, Vertx vertx) {
        this.config = config.topup();
        this.repository = repository;
        this.ledger = ledger;
        this.alarms = alarms;
        this.alerts = alerts;
        this.mapper = mapper;
        this.registry = registry;
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) this.config.timeout().toMillis()));
    }

    /** Called on every evaluation: tops up on a crossing into LOW or worse; answers the fresh reading, or null. */
    public Uni<Snapshot> onLevel(BalanceLevel level, BigDecimal balance) {
        if (!config.auto()) {
            return Uni.createFrom().nullItem();
        }
        if (level == BalanceLevel.OK) {
            if (!armed || !rearmedInRedis) {
                armed = true;
                rearmedInRedis = true;
                return alarms.rearm(ALARM).replaceWith((Snapshot) null);
            }
            return Uni.createFrom().nullItem();
        }
        if (!armed || System.currentTimeMillis() < settledAtMs || !inFlight.compareAndSet(false, true)) {
            return Uni.createFrom().nullItem();
        }
        armed = false;
        return alarms.fire(ALARM)
                .chain(mine -> mine ? start(level, balance) : Uni.createFrom().<Snapshot>nullItem())
                .eventually(() -> inFlight.set(false));
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
        return repository.reserve(day, amount, Money.toNanos(config.dailyLimitUsd())).chain(reservation -> {
            if (reservation == null) {
                registry.counter(TOPUPS, TAG_OUTCOME, "limit_reached").increment();
                Map<String, String> figures = new LinkedHashMap<>();
                figures.put("balance_usd", balance == null ? "unknown" : balance.toPlainString());
                figures.put("amount_usd", config.amountUsd().toPlainString());
                figures.put("daily_limit_usd", config.dailyLimitUsd().toPlainString());
                return saveLast(null, "limit_reached", null, null, "daily limit reached")
                        .chain(() -> alerts.raise("topup_failed", level, "Automatic top-up skipped: the daily limit of $"
                                + config.dailyLimitUsd().toPlainString() + " is reached", figures))
                        .replaceWith((Snapshot) null);
            }
            return execute(reservation, level);
        });
    }

    private Uni<Snapshot> execute(Reservation reservation, BalanceLevel level) {
        BigDecimal amount = Money.toUsd(reservation.amountNanos());
        return Uni.createFrom().deferred(() -> post(amount, reservation.idempotencyKey()))
                .onFailure(Retryable.class).retry().withBackOff(Duration.ofMillis(500), Duration.ofSeconds(10)).withJitter(0.2)
                .atMost(Math.max(0, config.maxAttempts() - 1))
                .chain(answer -> succeeded(reservation, amount, answer))
                .onFailure().recoverWithUni(e -> failed(reservation, amount, level, e));
    }

    private Uni<Snapshot> succeeded(Reservation reservation, BigDecimal amount, JsonNode answer) {
        String balanceText = answer.path("balance_usd").asText(null);
        String topupId = answer.path("topup_id").asText(reservation.idempotencyKey());
        registry.counter(TOPUPS, TAG_OUTCOME, "succeeded").increment();
        Counter.builder(TOPPED_UP).baseUnit(USD).description("USD topped up by billing").register(registry).increment(amount.doubleValue());
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("amount_usd", amount.toPlainString());
        figures.put("balance_usd", balanceText == null ? "unknown" : balanceText);
        figures.put("topup_id", topupId);
        Uni<Snapshot> reading = balanceText == null ? ledger.snapshot()
                : ledger.credit(reservation.amountNanos(), Money.toNanos(new BigDecimal(balanceText)), System.currentTimeMillis(), topupId);
        return repository.complete(reservation, true)
                .chain(() -> reading)
                .call(() -> saveLast(amount, "succeeded", balanceText, topupId, null))
                .call(() -> alerts.raise("topup_succeeded", BalanceLevel.OK, "Topped up $" + amount.toPlainString()
                        + "; provider balance now $" + figures.get("balance_usd"), figures))
                .invoke(() -> {
                    // a top-up that left the balance LOW may be followed by another one, within the daily limit, once settled
                    settledAtMs = System.currentTimeMillis() + config.settle().toMillis();
                    armed = true;
                    rearmedInRedis = false;
                });
    }

    private Uni<Snapshot> failed(Reservation reservation, BigDecimal amount, BalanceLevel level, Throwable e) {
        registry.counter(TOPUPS, TAG_OUTCOME, "failed").increment();
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        LOG.warnf("top-up %s of $%s failed: %s", reservation.idempotencyKey(), amount.toPlainString(), reason);
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("amount_usd", amount.toPlainString());
        figures.put("idempotency_key", reservation.idempotencyKey());
        return repository.complete(reservation, false)
                .call(() -> saveLast(amount, "failed", null, null, reason))
                .call(() -> alerts.raise("topup_failed", level, "Automatic top-up of $" + amount.toPlainString() + " failed: " + reason, figures))
                .replaceWith((Snapshot) null);
    }

    /** One POST; 5xx, 429 and I/O failures are {@link Retryable}, other answers final. The key is never logged. */
    private Uni<JsonNode> post(BigDecimal amount, String idempotencyKey) {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(config.url())
                .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json")
                .putHeader("Idempotency-Key", idempotencyKey).setTimeout(config.timeout().toMillis());
        config.apiKey().filter(k -> !k.isBlank()).ifPresent(key -> request.putHeader("Authorization", "Bearer " + key));
        ObjectNode body = mapper.createObjectNode().put("amount_usd", amount);
        return http.request(request)
                .onFailure().transform(Retryable::new)
                .chain(req -> req.send(Buffer.buffer(body.toString())).onFailure().transform(Retryable::new))
                .chain(response -> response.body().map(buffer -> {
                    int status = response.statusCode();
                    if (status == 200 || status == 201) {
                        try {
                            return mapper.readTree(buffer.toString());
                        } catch (java.io.IOException ex) {
                            throw new IllegalStateException("top-up answer is not JSON");
                        }
                    }
                    String message = "top-up endpoint answered HTTP " + status;
                    if (status >= 500 || status == 429) {
                        throw new Retryable(new IllegalStateException(message));
                    }
                    throw new IllegalStateException(message);
                }));
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

    /** A failure worth another attempt with the same Idempotency-Key. */
    static final class Retryable extends RuntimeException {
        Retryable(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
