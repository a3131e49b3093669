package dev.llmfleet.common.auth;

import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.quota.Quota;

/**
 * Who sent an authenticated request (or submitted a job): the operator (admin key) or a tenant's {@link ApiKey}, with
 * that tenant's settings as they were read together with the key.
 */
public record Caller(ApiKey key, TenantSettings tenant) {
    /** The operator, holder of the admin key. */
    public static final Caller ADMIN = new Caller(null, null);

    public boolean admin() {
        return key == null;
    }

    /** The tenant's key; the admin key is refused (403): it administers, it does not spend. */
    public ApiKey requireTenantKey() {
        if (admin()) {
            throw FleetException.rejected(403, "tenant_key_required",
                    "The admin key cannot be used here; create a tenant key with POST /v1/admin/keys.");
        }
        return key;
    }

    /** The limits and budgets the tenant key's requests run under: its own, and its tenant's monthly budget. */
    public Quota quota() {
        ApiKey tenantKey = requireTenantKey();
        return new Quota(tenantKey.id(), tenantKey.tenant(), tenantKey.requestsPerMinute(), tenantKey.tokensPerMinute(),
                tenantKey.maxConcurrent(), tenantKey.monthlyBudgetUsd(), tenant.monthlyBudgetUsd());
    }

    /** Refuses (403) anyone but the operator. */
    public void requireAdmin() {
        if (!admin()) {
            throw FleetException.rejected(403, "admin_key_required", "This endpoint needs the admin key.");
        }
    }
}
