package dev.llmfleet.common.auth;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.math.BigDecimal;

/**
 * What applies to all of a tenant's keys together.
 *
 * @param monthlyBudgetUsd USD all the tenant's keys may spend per calendar month (UTC); null: no tenant budget
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TenantSettings(String tenant, BigDecimal monthlyBudgetUsd) {
}
