package dev.llmfleet.common.auth;

import dev.llmfleet.common.api.FleetException;

/** Who sent an authenticated request: the operator (admin key) or a tenant's {@link ApiKey}. */
public record Caller(ApiKey key) {
    /** The operator, holder of the admin key. */
    public static final Caller ADMIN = new Caller(null);

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

    /** Refuses (403) anyone but the operator. */
    public void requireAdmin() {
        if (!admin()) {
            throw FleetException.rejected(403, "admin_key_required", "This endpoint needs the admin key.");
        }
    }
}
