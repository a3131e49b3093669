package dev.llmfleet.common.quota;

import io.smallrye.mutiny.Uni;

import java.math.BigDecimal;
import java.util.concurrent.atomic.AtomicBoolean;

/** What one run of the pipeline reserved before its provider call ({@link QuotaGate#reserve}), settled exactly once when the run ends. */
public final class QuotaHold {
    /** No quota: nothing reserved, nothing to settle. */
    public static final QuotaHold NONE = new QuotaHold(null, ConcurrentRequests.Slot.NONE, RateLimiter.TokenHold.NONE, null);

    private final QuotaGate gate;
    private final ConcurrentRequests.Slot slot;
    private final RateLimiter.TokenHold tokens;
    private final MonthlyBudget.BudgetHold budget;
    private final AtomicBoolean settled = new AtomicBoolean();

    QuotaHold(QuotaGate gate, ConcurrentRequests.Slot slot, RateLimiter.TokenHold tokens, MonthlyBudget.BudgetHold budget) {
        this.gate = gate;
        this.slot = slot;
        this.tokens = tokens;
        this.budget = budget;
    }

    ConcurrentRequests.Slot slot() {
        return slot;
    }

    RateLimiter.TokenHold tokens() {
        return tokens;
    }

    MonthlyBudget.BudgetHold budget() {
        return budget;
    }

    /**
     * Ends the hold: the slot back, the tokens corrected to {@code tokensUsed}, the budget charged {@code chargedUsd}
     * (the run's whole spend, its paid failed attempts included) and the rest released. Only the first call counts.
     */
    public Uni<Void> settle(BigDecimal chargedUsd, long tokensUsed) {
        if (gate == null || !settled.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        return gate.settle(this, chargedUsd, tokensUsed);
    }
}
