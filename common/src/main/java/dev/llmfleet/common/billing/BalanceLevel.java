package dev.llmfleet.common.billing;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How close the prepaid balance is to zero, and what the lanes do about it: OK runs freely, LOW slows
 * the async lane to what the runway allows, CRITICAL and DEPLETED pause it (interactive keeps the reserve).
 */
public enum BalanceLevel {
    OK, LOW, CRITICAL, DEPLETED;

    @JsonValue
    public String json() {
        return name();
    }

    /** The async lane must not start jobs at this level. */
    public boolean pausesAsync() {
        return this == CRITICAL || this == DEPLETED;
    }
}
