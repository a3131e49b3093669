package dev.llmfleet.worker.service;

import dev.llmfleet.common.jobs.Priority;
import dev.llmfleet.worker.config.WorkerConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import static dev.llmfleet.worker.metrics.WorkerMetricNames.CONCURRENCY_IN_FLIGHT;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.CONCURRENCY_LIMIT;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.JOBS_WAITING;
import static dev.llmfleet.worker.metrics.WorkerMetricNames.TAG_PRIORITY;

/**
 * Grants the async lane's provider calls their slots: how many run at once, and which job's call waits least (a job
 * takes a slot for each call it makes, only while that call is at the provider). It dispatches; the pieces decide:
 * the {@link AimdLimit} adapts the limit to how calls end (a throttling signal — 429, overload — cuts it), a ceiling
 * leaves the provider room the interactive lane is using, the balance's share scales it down (0 pauses the lane), free
 * slots go to the priorities by {@link WeightedRoundRobin}, and with {@code max-calls-per-second} set a
 * {@link TokenBucket} also paces the grants. Nothing here blocks: a job waits as a pending {@link Uni}, and a paced
 * grant waits for a timer.
 */
@ApplicationScoped
public class ConcurrencyLimiter {
    /** How a finished call ended, as far as the limit is concerned. */
    public enum Signal { OK, THROTTLED, OTHER }

    private final WorkerConfig.Concurrency settings;
    private final Map<Priority, ArrayDeque<Waiter>> waiting = new EnumMap<>(Priority.class);
    private final LongSupplier clock;
    private final Scheduler scheduler;
    private final AimdLimit aimd;
    private final TokenBucket pace;
    private final WeightedRoundRobin turns;
    private boolean wakeUpPending;
    private boolean probeDue;
    private int ceiling;
    private double share = 1.0;
    private int inFlight;

    @Inject
    public ConcurrencyLimiter(WorkerConfig config, MeterRegistry registry, Vertx vertx) {
        this(config, System::nanoTime, (nanos, task) -> vertx.setTimer(Math.max(1, nanos / 1_000_000), id -> task.run()));
        Gauge.builder(CONCURRENCY_LIMIT, this, ConcurrencyLimiter::limit)
                .description("Provider calls the worker lets run at once now (adaptive)").register(registry);
        Gauge.builder(CONCURRENCY_IN_FLIGHT, this, ConcurrencyLimiter::inFlight)
                .description("The worker's provider calls in flight now").register(registry);
        for (Priority priority : Priority.values()) {
            Gauge.builder(JOBS_WAITING, this, l -> l.waiting(priority)).tag(TAG_PRIORITY, priority.json())
                    .description("Jobs ready to call the provider, waiting for a slot").register(registry);
        }
    }

    /** Runs a task after a delay: how paced grants wait for their next token. */
    interface Scheduler {
        void after(long nanos, Runnable task);
    }

    ConcurrencyLimiter(WorkerConfig config, LongSupplier clock, Scheduler scheduler) {
        this.settings = config.concurrency();
        this.clock = clock;
        this.scheduler = scheduler;
        this.aimd = new AimdLimit(settings, clock.getAsLong());
        this.pace = new TokenBucket(config.maxCallsPerSecond(), clock.getAsLong());
        this.turns = new WeightedRoundRobin(config.weights());
        this.ceiling = settings.max();
        for (Priority priority : Priority.values()) {
            waiting.put(priority, new ArrayDeque<>());
        }
    }

    /** A slot for one provider call; give it back with {@link #release(Permit, Signal)}. */
    public static final class Permit {
        private boolean released;
    }

    /** The async lane is paused (balance) and this call's turn as the probe has not come: the call was not made. */
    public static final class Paused extends RuntimeException {
        Paused() {
            super("the async lane is paused by the balance", null, false, false);
        }
    }

    /**
     * A slot, when one is free; fails with {@link Paused} at once while the lane is paused (unless it is the probe), so no
     * job waits out a pause holding its Kafka record. A waiter cancelled before its slot reached it leaves the queue or
     * gives the slot back.
     */
    public Uni<Permit> acquire(Priority priority) {
        Waiter waiter = new Waiter(priority);
        return Uni.createFrom().<Permit>emitter(emitter -> {
            List<Runnable> grants;
            synchronized (this) {
                waiter.emitter = emitter;
                waiting.get(priority).add(waiter);
                grants = dispatch();
            }
            grants.forEach(Runnable::run);
        }).onCancellation().invoke(() -> abandon(waiter));
    }

    /** A job waiting for a slot; {@code permit} is set (under the lock) once a slot is granted to it. */
    private static final class Waiter {
        final Priority priority;
        UniEmitter<? super Permit> emitter;
        Permit permit;

        Waiter(Priority priority) {
            this.priority = priority;
        }
    }

    /** The waiter was cancelled before its permit reached it: out of the queue, or the slot it was granted back. */
    private void abandon(Waiter waiter) {
        Permit granted;
        synchronized (this) {
            if (waiting.get(waiter.priority).remove(waiter)) {
                return;
            }
            granted = waiter.permit;
        }
        if (granted != null) {
            release(granted, Signal.OTHER);
        }
    }

    /** True while a job would be refused a slot: paused, and no probe due. */
    public synchronized boolean paused() {
        return share <= 0.0 && !probeDue;
    }

    public void release(Permit permit, Signal signal) {
        List<Runnable> grants;
        synchronized (this) {
            if (permit.released) {
                return;
            }
            permit.released = true;
            inFlight--;
            adapt(signal);
            grants = dispatch();
        }
        grants.forEach(Runnable::run);
    }

    /**
     * Lets the async lane use this share of its limit (billing's balance state): 1 runs freely, less slows it
     * down, 0 pauses it — waiting jobs are then refused with {@link Paused} and put aside (see JobRunner).
     */
    public void allowShare(double value) {
        List<Runnable> grants;
        synchronized (this) {
            share = Math.max(0.0, Math.min(1.0, value));
            grants = dispatch();
        }
        grants.forEach(Runnable::run);
    }

    /**
     * While paused, lets the next job that asks run if none is running: a probe whose usage event carries a fresh
     * balance reading, so billing notices a top-up made outside the fleet and the lane can resume.
     */
    public void probe() {
        List<Runnable> grants;
        synchronized (this) {
            if (effectiveLimit() == 0 && inFlight == 0) {
                probeDue = true;
            }
            grants = dispatch();
        }
        grants.forEach(Runnable::run);
    }

    /** Caps the limit at what the provider has left after the interactive lane (called as that changes). */
    public void capAt(int value) {
        List<Runnable> grants;
        synchronized (this) {
            ceiling = Math.max(settings.min(), Math.min(settings.max(), value));
            grants = dispatch();
        }
        grants.forEach(Runnable::run);
    }

    private void adapt(Signal signal) {
        if (signal == Signal.OK) {
            aimd.onSuccess();
        } else if (signal == Signal.THROTTLED) {
            aimd.onDrop(clock.getAsLong());
        }
    }

    /**
     * Grants free slots (and tokens, when paced) to waiters, weighted by priority, and refuses every waiter while paused
     * with no probe due; the grants and refusals run outside the lock.
     */
    private List<Runnable> dispatch() {
        List<Runnable> grants = new ArrayList<>();
        while (hasWaiters() && (inFlight < effectiveLimit() || takeProbe()) && takeToken()) {
            Waiter waiter = waiting.get(turns.next(priority -> !waiting.get(priority).isEmpty())).poll();
            inFlight++;
            Permit permit = new Permit();
            waiter.permit = permit;
            grants.add(() -> waiter.emitter.complete(permit));
        }
        if (paused()) {
            for (ArrayDeque<Waiter> queue : waiting.values()) {
                for (Waiter waiter = queue.poll(); waiter != null; waiter = queue.poll()) {
                    UniEmitter<? super Permit> refused = waiter.emitter;
                    grants.add(() -> refused.fail(new Paused()));
                }
            }
        }
        return grants;
    }

    private boolean takeProbe() {
        if (probeDue && inFlight == 0) {
            probeDue = false;
            return true;
        }
        return false;
    }

    private boolean hasWaiters() {
        for (ArrayDeque<Waiter> queue : waiting.values()) {
            if (!queue.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** One token of the rate limit, if there is one now; otherwise a wake-up is scheduled for when there will be. */
    private boolean takeToken() {
        if (pace.tryTake(clock.getAsLong())) {
            return true;
        }
        if (!wakeUpPending) {
            wakeUpPending = true;
            scheduler.after(pace.nanosToNextToken(), this::refill);
        }
        return false;
    }

    /** The scheduled wake-up: tokens have accrued, grant what they allow. */
    void refill() {
        List<Runnable> grants;
        synchronized (this) {
            wakeUpPending = false;
            grants = dispatch();
        }
        grants.forEach(Runnable::run);
    }

    synchronized int effectiveLimit() {
        if (share <= 0.0) {
            return 0;
        }
        int adaptive = Math.max(settings.min(), Math.min((int) aimd.limit(), ceiling));
        return Math.max(1, (int) Math.floor(adaptive * share));
    }

    synchronized double limit() {
        return Math.min(aimd.limit(), ceiling);
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized int waiting(Priority priority) {
        return waiting.get(priority).size();
    }
}
