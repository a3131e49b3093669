package dev.llmfleet.common.quota;

import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.pipeline.Lane;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Duration;

import static dev.llmfleet.common.metrics.MetricNames.QUOTA_UNSETTLED;

/**
 * A key's limits and budgets as the completion pipeline applies them. On the interactive lane: every request counts
 * against requests per minute ({@link #admit}), and a request that calls the provider takes a concurrency slot, its
 * tokens and its worst-case cost ({@link #reserve}). A job is checked against the budgets only, when it runs: a rate
 * limit is a moment's state a job would wait out (its submission is what intake limits), while a spent budget stays
 * spent until the month ends, so a job over budget fails with {@code insufficient_quota} (docs/ARCHITECTURE.md).
 * A state Redis that cannot answer refuses the request (503 {@code quota_unavailable}, Retry-After 5) rather than let
 * it spend unchecked, unless the key has no limit or budget at all (then there is nothing to check).
 */
@ApplicationScoped
public class QuotaGate {
    private static final Logger LOG = Logger.getLogger(QuotaGate.class);
    private static final int SETTLE_ATTEMPTS = 3;
    private static final long UNAVAILABLE_RETRY_SECONDS = 5;

    private final RateLimiter rates;
    private final ConcurrentRequests concurrent;
    private final MonthlyBudget budget;
    private final MeterRegistry registry;

    public QuotaGate(RateLimiter rates, ConcurrentRequests concurrent, MonthlyBudget budget, MeterRegistry registry) {
        this.rates = rates;
        this.concurrent = concurrent;
        this.budget = budget;
        this.registry = registry;
    }

    /** Counts a request against its key's requests per minute (interactive lane; none for a null quota). */
    public Uni<Void> admit(Quota quota, Lane lane) {
        return quota == null || lane != Lane.INTERACTIVE ? Uni.createFrom().voidItem() : failClosed(rates.admitRequest(quota));
    }

    /**
     * Counts {@code jobs} submitted at once (one job, or a batch's valid jobs) against the key's requests per minute:
     * the async lane's rate limit is on submission, as a job is not rate limited when it runs.
     */
    public Uni<Void> admitJobs(Quota quota, int jobs) {
        return jobs == 0 ? Uni.createFrom().voidItem() : failClosed(rates.admitRequests(quota, jobs));
    }

    /**
     * Reserves what a provider call may use before it is made: a concurrency slot and {@code tokens} (interactive lane
     * only), then {@code worstCaseUsd} against the key's and the tenant's budgets. A refusal gives back what was taken.
     */
    public Uni<QuotaHold> reserve(Quota quota, Lane lane, long tokens, BigDecimal worstCaseUsd) {
        if (quota == null) {
            return Uni.createFrom().item(QuotaHold.NONE);
        }
        if (quota.limitsNothing()) {
            // nothing to enforce, only the month's spend to count: a Redis that cannot count it does not stop the request
            // (the lanes outlive a Redis outage as they did before keys); the charge is then missing from the month
            return budget.reserve(quota, worstCaseUsd)
                    .map(reserved -> new QuotaHold(this, ConcurrentRequests.Slot.NONE, RateLimiter.TokenHold.NONE, reserved))
                    .onFailure().recoverWithItem(e -> {
                        registry.counter(QUOTA_UNSETTLED).increment();
                        LOG.warnf("key %s: its spend could not be counted in its month (state Redis): %s", quota.keyId(), e.toString());
                        return QuotaHold.NONE;
                    });
        }
        boolean interactive = lane == Lane.INTERACTIVE;
        Uni<ConcurrentRequests.Slot> slot = interactive ? concurrent.acquire(quota) : Uni.createFrom().item(ConcurrentRequests.Slot.NONE);
        return failClosed(slot.chain(held -> (interactive ? rates.reserveTokens(quota, tokens) : Uni.createFrom().item(RateLimiter.TokenHold.NONE))
                .onFailure().call(e -> quietly(held.release()))
                .chain(taken -> budget.reserve(quota, worstCaseUsd)
                        .onFailure().call(e -> quietly(Uni.combine().all().unis(held.release(), taken.settle(0)).discardItems()))
                        .map(reserved -> new QuotaHold(this, held, taken, reserved)))));
    }

    /** A limit that cannot be checked is not waived: anything but a refusal becomes a 503 the caller may retry. */
    private static <T> Uni<T> failClosed(Uni<T> check) {
        return check.onFailure(e -> !(e instanceof FleetException)).transform(e -> FleetException.serverError(503, "quota_unavailable",
                "The fleet could not check this key's limits and budget (its state store did not answer); try again after the Retry-After delay.",
                UNAVAILABLE_RETRY_SECONDS));
    }

    /** Ends what a hold reserved, a few times over a failing Redis; a settlement that never lands is counted and logged. */
    Uni<Void> settle(QuotaHold hold, BigDecimal chargedUsd, long tokensUsed) {
        return Uni.combine().all().unis(
                        retried(hold.slot().release()),
                        retried(hold.tokens().settle(tokensUsed)),
                        retried(hold.budget().settle(chargedUsd)))
                .discardItems()
                .onFailure().invoke(e -> {
                    registry.counter(QUOTA_UNSETTLED).increment();
                    LOG.warnf("a quota reservation was not settled (charged $%s); it expires on its own: %s",
                            chargedUsd == null ? "0" : chargedUsd.toPlainString(), e.toString());
                });
    }

    private static Uni<Void> retried(Uni<Void> command) {
        return command.onFailure().retry().withBackOff(Duration.ofMillis(100)).atMost(SETTLE_ATTEMPTS - 1);
    }

    private static Uni<Void> quietly(Uni<Void> undo) {
        return undo.onFailure().recoverWithNull();
    }
}
