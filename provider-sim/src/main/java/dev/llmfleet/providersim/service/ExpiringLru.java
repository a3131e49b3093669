package dev.llmfleet.providersim.service;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded map whose entries expire after a window: the oldest entry goes first when full, an
 * expired entry counts as absent. Synchronised: only requests carrying an idempotency key touch it.
 */
public final class ExpiringLru<V> {

    private record Entry<V>(V value, long expiresAtNanos) {
    }

    private final long windowNanos;
    private final int maxEntries;
    private final LinkedHashMap<String, Entry<V>> entries = new LinkedHashMap<>();

    public ExpiringLru(long windowNanos, int maxEntries) {
        this.windowNanos = windowNanos;
        this.maxEntries = Math.max(1, maxEntries);
    }

    /** The live value for {@code key}, or null. */
    public synchronized V get(String key) {
        Entry<V> e = entries.get(key);
        if (e == null) {
            return null;
        }
        if (e.expiresAtNanos - System.nanoTime() <= 0) {
            entries.remove(key);
            return null;
        }
        return e.value;
    }

    /** Stores {@code value} unless a live value exists; returns that live value, or null when stored. */
    public synchronized V putIfAbsent(String key, V value) {
        V existing = get(key);
        if (existing != null) {
            return existing;
        }
        long now = System.nanoTime();
        entries.remove(key);
        entries.put(key, new Entry<>(value, now + windowNanos));
        // Insertion order = expiry order (one window for all), so the head is always the oldest.
        Iterator<Map.Entry<String, Entry<V>>> it = entries.entrySet().iterator();
        while (it.hasNext() && entries.size() > maxEntries) {
            it.next();
            it.remove();
        }
        while (it.hasNext()) {
            if (it.next().getValue().expiresAtNanos - now > 0) {
                break;
            }
            it.remove();
        }
        return null;
    }

    /** Removes {@code key} only while it still maps to {@code value}. */
    public synchronized void remove(String key, V value) {
        Entry<V> e = entries.get(key);
        if (e != null && e.value == value) {
            entries.remove(key);
        }
    }

    public synchronized void clear() {
        entries.clear();
    }
}
