package dev.llmfleet.common.provider;

import java.time.Duration;

/**
 * When a request must have its answer (the interactive lane's overall deadline), or {@link #NONE}: every call,
 * backoff and fallback of the request fits inside it, so the caller hears within the deadline.
 */
public final class Deadline {
    /** No overall deadline (the async lane: each call still has its own timeout). */
    public static final Deadline NONE = new Deadline(null, Long.MAX_VALUE);

    /** Less than this left is no time for another call. */
    private static final long MIN_CALL_NANOS = Duration.ofMillis(50).toNanos();

    private final Duration length;
    private final long endsAtNanos;

    private Deadline(Duration length, long endsAtNanos) {
        this.length = length;
        this.endsAtNanos = endsAtNanos;
    }

    /** A deadline {@code length} from now. */
    public static Deadline in(Duration length) {
        return new Deadline(length, System.nanoTime() + length.toNanos());
    }

    /** How long the request may take in all, or null when there is no deadline. */
    public Duration length() {
        return length;
    }

    /** Time left; very long when there is no deadline. */
    Duration remaining() {
        return this == NONE ? Duration.ofNanos(Long.MAX_VALUE) : Duration.ofNanos(Math.max(0, endsAtNanos - System.nanoTime()));
    }

    /** Whether a call may still start after waiting {@code wait}. */
    boolean allows(Duration wait) {
        return remaining().minus(wait).toNanos() >= MIN_CALL_NANOS;
    }

    /** Whether the deadline has passed (no time left for a call). */
    boolean passed() {
        return !allows(Duration.ZERO);
    }

    /** {@code wait}, cut to the time left. */
    Duration clamp(Duration wait) {
        Duration left = remaining();
        return wait.compareTo(left) > 0 ? left : wait;
    }
}
