package dev.llmfleet.billing.service;

/** The cost anomaly rule: a feature's cost per request in the recent window far above its baseline's. */
public final class AnomalyRule {
    private AnomalyRule() {
    }

    /**
     * True when both spans have at least {@code minRequests} requests, the baseline cost something and the
     * window's cost per request exceeds {@code factor} × the baseline's.
     */
    public static boolean anomalous(long windowRequests, long windowNanos, long baselineRequests, long baselineNanos,
                                    double factor, long minRequests) {
        if (windowRequests < minRequests || baselineRequests < minRequests || baselineNanos <= 0) {
            return false;
        }
        double window = (double) windowNanos / windowRequests;
        double baseline = (double) baselineNanos / baselineRequests;
        return window > factor * baseline;
    }
}
