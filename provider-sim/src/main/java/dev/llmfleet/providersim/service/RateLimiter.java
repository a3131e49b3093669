package dev.llmfleet.providersim.service;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-API-key limits: in-flight requests and requests per fixed one-minute window. Limits come
 * from the current settings on every call, so a change takes effect at once. A key with both
 * limits at 0 keeps no state at all (the benchmark path).
 */
@ApplicationScoped
public class RateLimiter {

    private static final long WINDOW_MS = 60_000;
    private static final Runnable NOTHING_TO_RELEASE = () -> { };

    private final ConcurrentHashMap<String, KeyState> keys = new ConcurrentHashMap<>();

    private static final class KeyState {
        final AtomicInteger inFlight = new AtomicInteger();
        long windowStartMs;
        int windowCount;
    }

    /**
     * Takes a slot for one request.
     *
     * @return what to run exactly once when the request is over
     * @throws ApiException 429 with a Retry-After when a limit is reached
     */
    public Runnable acquire(String apiKey, int maxConcurrent, int perMinute) {
        if (maxConcurrent <= 0 && perMinute <= 0) {
            return NOTHING_TO_RELEASE;
        }
        KeyState state = keys.computeIfAbsent(apiKey, k -> new KeyState());
        if (perMinute > 0) {
            long now = System.currentTimeMillis();
            synchronized (state) {
                if (now - state.windowStartMs >= WINDOW_MS) {
                    state.windowStartMs = now;
                    state.windowCount = 0;
                }
                if (state.windowCount >= perMinute) {
                    long waitMs = state.windowStartMs + WINDOW_MS - now;
                    throw ApiException.rateLimited("Rate limit reached: " + perMinute + " requests per minute.", (waitMs + 999) / 1000);
                }
                state.windowCount++;
            }
        }
        if (maxConcurrent > 0 && state.inFlight.incrementAndGet() > maxConcurrent) {
            state.inFlight.decrementAndGet();
            // Concurrent slots free up as answers finish: one second is an honest lower bound.
            throw ApiException.rateLimited("Rate limit reached: " + maxConcurrent + " concurrent requests.", 1);
        }
        if (maxConcurrent <= 0) {
            return NOTHING_TO_RELEASE;
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                state.inFlight.decrementAndGet();
            }
        };
    }

    /** Forgets every window and counter (in-flight requests still release into their old state). */
    public void reset() {
        keys.clear();
    }
}
