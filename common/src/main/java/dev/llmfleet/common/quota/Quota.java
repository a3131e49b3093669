package dev.llmfleet.common.quota;

import java.math.BigDecimal;

/**
 * One API key's limits and budgets, as plain values (null: unlimited). The pipeline enforces them when a
 * {@code CompletionContext} carries one; a context without one is not limited.
 *
 * @param keyId                  the key's short id (never the secret): names its counters in Redis
 * @param tenant                 the key's tenant: names the tenant's budget
 * @param requestsPerMinute      requests the key may start per minute
 * @param tokensPerMinute        prompt plus completion tokens the key may use per minute
 * @param maxConcurrent          provider calls the key may have in flight at once
 * @param keyMonthlyBudgetUsd    what the key may spend per UTC calendar month
 * @param tenantMonthlyBudgetUsd what all the tenant's keys together may spend per UTC calendar month
 */
public record Quota(String keyId, String tenant, Integer requestsPerMinute, Integer tokensPerMinute, Integer maxConcurrent,
                    BigDecimal keyMonthlyBudgetUsd, BigDecimal tenantMonthlyBudgetUsd) {
    public Quota {
        if (keyId == null || tenant == null) {
            throw new IllegalArgumentException("a quota needs a key id and a tenant");
        }
    }

    /** Whether this quota has no limit and no budget at all: it only counts the month's spend. */
    public boolean limitsNothing() {
        return requestsPerMinute == null && tokensPerMinute == null && maxConcurrent == null && keyMonthlyBudgetUsd == null
                && tenantMonthlyBudgetUsd == null;
    }
}
