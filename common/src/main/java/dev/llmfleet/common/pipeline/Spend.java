package dev.llmfleet.common.pipeline;

import java.math.BigDecimal;

/**
 * What one run of the pipeline was charged, summed over all its provider call attempts (a failed attempt
 * the provider charged for included), filled in as the answers arrive. The caller creates it and reads it
 * after the run, whatever the outcome: a job adds it to what its earlier runs cost.
 */
public final class Spend {
    private BigDecimal total = BigDecimal.ZERO;

    synchronized void add(BigDecimal charged) {
        if (charged != null) {
            total = total.add(charged);
        }
    }

    public synchronized BigDecimal total() {
        return total;
    }
}
