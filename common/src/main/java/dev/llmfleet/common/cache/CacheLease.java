package dev.llmfleet.common.cache;

import io.smallrye.mutiny.Uni;

import java.util.function.Supplier;

/**
 * The right to call the provider for one cache key while identical requests wait for the answer
 * ({@link RequestCoalescer}). Given up once the answer is stored, or at once when the call fails, so a waiter takes
 * over; {@link #NONE} when no lease was taken (coalescing off, the cache Redis failing, or the wait was over).
 */
public final class CacheLease {
    public static final CacheLease NONE = new CacheLease(() -> Uni.createFrom().voidItem());

    private final Supplier<Uni<Void>> release;

    CacheLease(Supplier<Uni<Void>> release) {
        this.release = release;
    }

    /** Gives the lease up; never fails (an unreleased lease expires by itself). */
    public Uni<Void> release() {
        return release.get().onFailure().recoverWithNull();
    }
}
