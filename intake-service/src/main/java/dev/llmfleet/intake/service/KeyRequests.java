package dev.llmfleet.intake.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmfleet.common.api.FleetException;
import dev.llmfleet.common.auth.ApiKey;
import dev.llmfleet.common.auth.KeyHasher;
import dev.llmfleet.common.auth.TenantSettings;
import dev.llmfleet.common.config.Features;
import dev.llmfleet.common.pricing.PriceBook;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Reads the admin API's bodies into keys and tenant settings, strictly: unknown fields, wrong types, unknown features
 * or models and non-positive limits are a 400 naming the field, so an operator's typo never becomes a key without a limit.
 */
@ApplicationScoped
public class KeyRequests {
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> CREATE_FIELDS = Set.of("tenant", "name", "features", "models", "requests_per_minute",
            "tokens_per_minute", "max_concurrent", "monthly_budget_usd");
    private static final Set<String> PATCH_FIELDS = Set.of("name", "features", "models", "requests_per_minute", "tokens_per_minute",
            "max_concurrent", "monthly_budget_usd");
    private static final Set<String> TENANT_FIELDS = Set.of("monthly_budget_usd");

    private final Features features;
    private final PriceBook prices;

    public KeyRequests(Features features, PriceBook prices) {
        this.features = features;
        this.prices = prices;
    }

    /** A new key of {@code POST /v1/admin/keys}: {@code tenant} and {@code name} required, the rest optional. */
    public ApiKey create(JsonNode body) {
        checkFields(body, CREATE_FIELDS);
        String tenant = tenant(text(body, "tenant"));
        return new ApiKey(KeyHasher.newId(), tenant, name(text(body, "name")), features(body.get("features")),
                models(body.get("models")), positive(body, "requests_per_minute"), positive(body, "tokens_per_minute"),
                positive(body, "max_concurrent"), money(body, "monthly_budget_usd"), Instant.now());
    }

    /** {@code old} with the fields {@code body} names changed (null clears a limit); the tenant never changes. */
    public ApiKey patch(ApiKey old, JsonNode body) {
        checkFields(body, PATCH_FIELDS);
        return new ApiKey(old.id(), old.tenant(),
                body.has("name") ? name(text(body, "name")) : old.name(),
                body.has("features") ? features(body.get("features")) : old.features(),
                body.has("models") ? models(body.get("models")) : old.models(),
                body.has("requests_per_minute") ? positive(body, "requests_per_minute") : old.requestsPerMinute(),
                body.has("tokens_per_minute") ? positive(body, "tokens_per_minute") : old.tokensPerMinute(),
                body.has("max_concurrent") ? positive(body, "max_concurrent") : old.maxConcurrent(),
                body.has("monthly_budget_usd") ? money(body, "monthly_budget_usd") : old.monthlyBudgetUsd(),
                old.createdAt());
    }

    /** The settings of {@code PUT /v1/admin/tenants/{tenant}}. */
    public TenantSettings tenantSettings(String tenant, JsonNode body) {
        checkFields(body, TENANT_FIELDS);
        return new TenantSettings(tenant(tenant), money(body, "monthly_budget_usd"));
    }

    /** {@code tenant} when it is a valid tenant name (1-64 letters, digits, '.', '_', '-'), else a 400. */
    public String tenant(String tenant) {
        if (tenant == null || !TENANT.matcher(tenant).matches()) {
            throw FleetException.invalidParameter("tenant", "invalid_tenant", "A tenant is 1-64 letters, digits, '.', '_' or '-'.");
        }
        return tenant;
    }

    private static void checkFields(JsonNode body, Set<String> allowed) {
        if (body == null || !body.isObject()) {
            throw FleetException.invalid("invalid_body", "The body must be a JSON object.");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw FleetException.invalidParameter(name, "unknown_parameter", "Unknown field '" + name + "'; known: " + allowed + ".");
            }
        }
    }

    /** The required string {@code field} of {@code body}. */
    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw FleetException.invalidParameter(field, "missing_parameter", "'" + field + "' is required.");
        }
        if (!value.isTextual()) {
            throw FleetException.invalidParameter(field, "invalid_type", "'" + field + "' must be a string.");
        }
        return value.textValue();
    }

    private static String name(String name) {
        if (name.isBlank() || name.length() > 128 || name.chars().anyMatch(Character::isISOControl)) {
            throw FleetException.invalidParameter("name", "invalid_name", "'name' must be 1-128 printable characters.");
        }
        return name;
    }

    private List<String> features(JsonNode value) {
        return names(value, "features", features::isKnown, "unknown_feature");
    }

    private List<String> models(JsonNode value) {
        return names(value, "models", model -> prices.models().containsKey(model), "model_not_found");
    }

    private static List<String> names(JsonNode value, String field, Predicate<String> known, String unknownCode) {
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw FleetException.invalidParameter(field, "invalid_type", "'" + field + "' must be an array of strings (empty: all).");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw FleetException.invalidParameter(field, "invalid_type", "'" + field + "' must be an array of strings (empty: all).");
            }
            if (!known.test(item.textValue())) {
                throw FleetException.invalidParameter(field, unknownCode, "'" + field + "' names '" + item.textValue() + "', which the fleet does not know.");
            }
            if (!names.contains(item.textValue())) {
                names.add(item.textValue());
            }
        }
        return names;
    }

    private static Integer positive(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
            throw FleetException.invalidParameter(field, "invalid_limit", "'" + field + "' must be a whole number from 1 to " + Integer.MAX_VALUE + ", or null for none.");
        }
        return value.intValue();
    }

    private static BigDecimal money(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        // read from the number's text, so 0.1 stays 0.1 whatever the JSON reader made of it
        BigDecimal usd = value.isNumber() ? new BigDecimal(value.asText()) : null;
        if (usd == null || usd.signum() < 0 || usd.compareTo(new BigDecimal("1000000000")) > 0) {
            throw FleetException.invalidParameter(field, "invalid_budget", "'" + field + "' must be a USD amount from 0 to 1e9, or null for none.");
        }
        return usd;
    }
}
