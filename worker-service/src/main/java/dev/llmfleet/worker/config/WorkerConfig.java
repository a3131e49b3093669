package dev.llmfleet.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How the async lane runs jobs: concurrency, rate, priorities, retries and callbacks. Scaling is a change here, not in code. */
@ConfigMapping(prefix = "fleet.worker")
public interface WorkerConfig {

    /** Adaptive concurrency (AIMD): provider calls in flight grow while calls succeed and halve on throttling. */
    Concurrency concurrency();

    /**
     * Most provider calls this worker starts per second, retries included (its share of the provider's requests per
     * minute); 0 = no rate limit, concurrency alone bounds it.
     */
    @WithDefault("0")
    double maxCallsPerSecond();

    /** Share of free slots each priority gets when all three wait: high, normal, bulk (lower is never starved to zero). */
    Weights weights();

    /**
     * Provider calls of one job, over all its runs, before a transient failure dead-letters it (each run already retries
     * in-line); calls refused for a depleted balance (402) do not count.
     */
    @WithDefault("24")
    int maxAttempts();

    /**
     * How long a run holds its job against other workers without renewing (it renews every third of it while the job
     * is in hand); a worker that died mid-run lets another take the job over after at most this.
     */
    @WithDefault("30s")
    Duration lease();

    /**
     * Longest a consumed record waits for its not-before time unacknowledged; one due later is put back on the retry
     * topic after this, so no wait trips the commit strategy's {@code unprocessed-record-max-age}.
     */
    @WithDefault("60s")
    Duration maxHold();

    /** On shutdown, how long in-flight jobs may take to finish before their leases are handed back for another worker. */
    @WithDefault("20s")
    Duration drainTimeout();

    /** Backoff of a job sent to the retry topic: full jitter between 0 and min(max, initial * 2^attempt). */
    @WithDefault("2s")
    Duration retryInitialBackoff();

    /** Upper bound of a job's retry backoff. */
    @WithDefault("5m")
    Duration retryMaxBackoff();

    /** Wait before retrying jobs while the provider's balance is depleted (402). */
    @WithDefault("30s")
    Duration balancePause();

    /** Callback delivery. */
    Callbacks callbacks();

    /** Adaptive concurrency settings. */
    interface Concurrency {
        /** Jobs in flight at start. */
        @WithDefault("8")
        int initial();

        /** Floor of the adaptive limit. */
        @WithDefault("1")
        int min();

        /** Ceiling of the adaptive limit. */
        @WithDefault("64")
        int max();

        /** Factor applied to the limit on a throttling signal (429, overload). */
        @WithDefault("0.7")
        double decrease();

        /** Shortest time between two decreases, so one burst of 429s counts once. */
        @WithDefault("1s")
        Duration decreaseCooldown();

        /**
         * Provider calls the whole fleet may have in flight (the provider's per-key limit), shared with the
         * interactive lane, which draws first; the live worker instances split the rest (the same value at each).
         * 0 when unknown (then AIMD alone finds the room).
         */
        @WithDefault("0")
        int providerBudget();

        /** Slots kept free for interactive bursts on top of what interactive traffic uses now. */
        @WithDefault("2")
        int interactiveReserve();
    }

    /** Priority weights. */
    interface Weights {
        @WithDefault("6")
        int high();

        @WithDefault("3")
        int normal();

        @WithDefault("1")
        int bulk();
    }

    /**
     * Callback delivery settings; retries, timeout and bulkhead are tuned under
     * {@code quarkus.fault-tolerance."dev.llmfleet.worker.client.CallbackClient/deliver"}.
     */
    interface Callbacks {
        /** Allow callbacks to loopback and private addresses (tests, in-cluster receivers). */
        @WithDefault("false")
        boolean allowPrivate();
    }
}
