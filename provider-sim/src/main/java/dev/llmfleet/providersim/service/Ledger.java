package dev.llmfleet.providersim.service;

import dev.llmfleet.providersim.config.SimConfig;
import dev.llmfleet.providersim.metrics.SimMetricNames;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The prepaid account and the running totals. Balance check and debit happen under one lock, so
 * the balance can go below zero only by the single call that crossed zero: every call after it
 * sees a balance <= 0 and gets 402. Counters that need no consistency with money are lock-free.
 */
@ApplicationScoped
public class Ledger {

    private final BigDecimal startBalance;
    private final Object lock = new Object();
    /** Written under {@link #lock}; volatile so error answers can read it without the lock. */
    private volatile BigDecimal balance;
    private BigDecimal charged = BigDecimal.ZERO;
    private BigDecimal toppedUp = BigDecimal.ZERO;
    private long calls;
    private long promptTokens;
    private long completionTokens;
    private final Map<String, ModelTotals> byModel = new TreeMap<>();

    private final LongAdder requests = new LongAdder();
    private final LongAdder replays = new LongAdder();
    private final LongAdder chargedRepeats = new LongAdder();
    private final LongAdder topupRequests = new LongAdder();
    private final Map<Integer, LongAdder> errors = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();

    private static final class ModelTotals {
        long calls;
        long promptTokens;
        long completionTokens;
        BigDecimal charged = BigDecimal.ZERO;
    }

    @Inject
    public Ledger(SimConfig config, MeterRegistry registry) {
        this.startBalance = config.balanceUsd();
        this.balance = startBalance;
        Gauge.builder(SimMetricNames.BALANCE, this, l -> l.balance.doubleValue())
                .description("Prepaid credit left, USD").register(registry);
        FunctionCounter.builder(SimMetricNames.CHARGED, this, l -> l.chargedTotal().doubleValue())
                .description("USD charged since start or the last reset").register(registry);
        FunctionCounter.builder(SimMetricNames.REQUESTS, requests, LongAdder::doubleValue)
                .description("Chat completion requests received").register(registry);
        Gauge.builder(SimMetricNames.IN_FLIGHT, inFlight, AtomicInteger::get)
                .description("Chat completion requests being answered").register(registry);
    }

    /**
     * Debits a completed call.
     *
     * @return the balance after the debit
     * @throws ApiException 402 when the balance is already <= 0 (nothing is debited then)
     */
    public BigDecimal debit(String model, int prompt, int completion, BigDecimal charge) {
        synchronized (lock) {
            if (balance.signum() <= 0) {
                throw ApiException.insufficientBalance();
            }
            balance = balance.subtract(charge);
            charged = charged.add(charge);
            calls++;
            promptTokens += prompt;
            completionTokens += completion;
            ModelTotals m = byModel.computeIfAbsent(model, k -> new ModelTotals());
            m.calls++;
            m.promptTokens += prompt;
            m.completionTokens += completion;
            m.charged = m.charged.add(charge);
            return balance;
        }
    }

    /** Adds credit; returns the balance after. */
    public BigDecimal topUp(BigDecimal amount) {
        synchronized (lock) {
            balance = balance.add(amount);
            toppedUp = toppedUp.add(amount);
            return balance;
        }
    }

    public BigDecimal balance() {
        return balance;
    }

    public void setBalance(BigDecimal value) {
        synchronized (lock) {
            balance = value;
        }
    }

    /** Zeroes every total; the balance becomes {@code newBalance}, or the configured start balance when null. */
    public void reset(BigDecimal newBalance) {
        synchronized (lock) {
            balance = newBalance != null ? newBalance : startBalance;
            charged = BigDecimal.ZERO;
            toppedUp = BigDecimal.ZERO;
            calls = 0;
            promptTokens = 0;
            completionTokens = 0;
            byModel.clear();
            requests.reset();
            replays.reset();
            chargedRepeats.reset();
            topupRequests.reset();
            errors.clear();
            peakInFlight.set(inFlight.get());
        }
    }

    public void countRequest() {
        requests.increment();
    }

    public void countTopupRequest() {
        topupRequests.increment();
    }

    public void countReplay() {
        replays.increment();
    }

    /** A charged call whose idempotency key had been charged before: the client paid twice for one piece of work. */
    public void countChargedRepeat() {
        chargedRepeats.increment();
    }

    public void countError(int status) {
        errors.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    /** A chat request is being answered from now on (the peak since start or the last reset follows). */
    public void requestStarted() {
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    }

    /** A chat request's answer is over (once per {@link #requestStarted()}). */
    public void requestEnded() {
        inFlight.decrementAndGet();
    }

    private BigDecimal chargedTotal() {
        synchronized (lock) {
            return charged;
        }
    }

    /** A consistent snapshot for {@code GET /admin/totals}; money as exact decimal strings. */
    public Map<String, Object> totals() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((status, n) -> errorCounts.put(String.valueOf(status), n.sum()));
        synchronized (lock) {
            out.put("calls", calls);
            out.put("requests", requests.sum());
            out.put("replays", replays.sum());
            out.put("charged_repeats", chargedRepeats.sum());
            out.put("errors", errorCounts);
            out.put("in_flight", inFlight.get());
            out.put("peak_in_flight", peakInFlight.get());
            out.put("charged_usd", Money.format(charged));
            out.put("prompt_tokens", promptTokens);
            out.put("completion_tokens", completionTokens);
            out.put("balance_usd", Money.format(balance));
            out.put("topped_up_usd", Money.format(toppedUp));
            out.put("topup_requests", topupRequests.sum());
            Map<String, Object> models = new LinkedHashMap<>();
            byModel.forEach((id, m) -> {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("calls", m.calls);
                one.put("prompt_tokens", m.promptTokens);
                one.put("completion_tokens", m.completionTokens);
                one.put("charged_usd", Money.format(m.charged));
                models.put(id, one);
            });
            out.put("by_model", models);
        }
        return out;
    }
}
