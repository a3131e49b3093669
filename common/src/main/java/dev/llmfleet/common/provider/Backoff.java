package dev.llmfleet.common.provider;

import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: the n-th retry waits a uniformly random time between 0 and
 * {@code min(max, initial * 2^(n-1))}, so many clients that failed together do not retry together.
 * A provider's {@code Retry-After} is a floor: retrying earlier only earns another 429.
 */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private final DoubleSupplier random;

    public Backoff(Duration initial, Duration max) {
        this(initial, max, () -> ThreadLocalRandom.current().nextDouble());
    }

    Backoff(Duration initial, Duration max, DoubleSupplier random) {
        this.initial = initial;
        this.max = max;
        this.random = random;
    }

    /** The wait before retry number {@code retry} (1-based); {@code retryAfter} may be null. */
    public Duration delay(int retry, Duration retryAfter) {
        long ceiling = ceilingMillis(retry);
        long jittered = (long) (random.getAsDouble() * ceiling);
        long floor = retryAfter == null ? 0 : retryAfter.toMillis();
        return Duration.ofMillis(Math.max(jittered, floor));
    }

    /**
     * Waits {@code wait} without blocking. A wait under a millisecond is none: full jitter may draw zero, and a job's
     * not-before may be a fraction of a millisecond away, which Mutiny's delay (on Vert.x timers) refuses.
     */
    public static Uni<Void> sleep(Duration wait) {
        Uni<Void> now = Uni.createFrom().voidItem();
        return wait.toMillis() < 1 ? now : now.onItem().delayIt().by(wait);
    }

    /** The upper bound of the jitter window for retry number {@code retry}. */
    long ceilingMillis(int retry) {
        int doublings = Math.min(Math.max(retry - 1, 0), 30);
        long exponential = initial.toMillis() << doublings;
        return Math.min(exponential < 0 ? Long.MAX_VALUE : exponential, max.toMillis());
    }
}
