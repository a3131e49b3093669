package dev.llmfleet.billing.service;

/**
 * Unattributed spend: what the provider's balance lost that the ledger cannot explain.
 * <pre>
 *   expected   = anchor − charges + credits
 *   gap        = expected − latest
 *   unattributed = gap when gap > tolerance, else 0
 * </pre>
 * {@code anchor} is the first balance reading billing saw (its event time t0); {@code charges} is the ledger's
 * charged USD of every event that occurred after t0 (an event's own reading already includes its charge);
 * {@code credits} is what billing topped up since t0 plus credit added outside billing (a reading above
 * {@code expected} by more than the external-credit threshold); {@code latest} is the newest reading by event time.
 * All in nano-USD. The arithmetic runs atomically in Redis with the ledger; this class holds the reporting rule.
 */
public final class Reconciliation {
    private Reconciliation() {
    }

    /** The signed gap in nano-USD (positive: the provider took more than the ledger shows). */
    public static long gapNanos(long anchor, long charges, long credits, long latest) {
        return anchor - charges + credits - latest;
    }

    /** The reported unattributed spend: the gap above the tolerance, else 0. */
    public static long unattributedNanos(long gapNanos, long toleranceNanos) {
        return gapNanos > toleranceNanos ? gapNanos : 0;
    }
}
