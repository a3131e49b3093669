package dev.llmfleet.providersim.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.util.concurrent.atomic.AtomicLong;

/** Top-ups of the prepaid balance. An idempotency key is always honoured here: money is never added twice. */
@ApplicationScoped
public class CreditService {

    /** A completed top-up, replayed as is for a repeated idempotency key. */
    public record Topup(String topupId, BigDecimal toppedUpUsd, BigDecimal balanceUsd) {
    }

    private final Ledger ledger;
    private final ReplayStore replays;
    private final AtomicLong sequence = new AtomicLong();

    @Inject
    public CreditService(Ledger ledger, ReplayStore replays) {
        this.ledger = ledger;
        this.replays = replays;
    }

    /**
     * @param idempotencyKey may be null
     * @throws ApiException 400 when the amount is not positive
     */
    public Topup topUp(String apiKey, String idempotencyKey, BigDecimal amount) {
        if (amount == null || amount.signum() <= 0) {
            throw ApiException.invalidRequest("invalid_amount", "amount_usd", "'amount_usd' must be a number > 0.");
        }
        if (idempotencyKey == null) {
            return apply(amount);
        }
        String scope = ReplayStore.scope(apiKey, idempotencyKey);
        // Top-ups are rare: one lock makes "check, add, remember" atomic against a concurrent repeat.
        synchronized (this) {
            Topup earlier = replays.topups().get(scope);
            if (earlier != null) {
                return earlier;
            }
            Topup done = apply(amount);
            replays.topups().putIfAbsent(scope, done);
            return done;
        }
    }

    private Topup apply(BigDecimal amount) {
        BigDecimal balance = ledger.topUp(amount);
        return new Topup("topup_" + System.currentTimeMillis() + "_" + sequence.incrementAndGet(), amount, balance);
    }
}
