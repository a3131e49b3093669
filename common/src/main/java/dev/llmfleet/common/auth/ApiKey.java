package dev.llmfleet.common.auth;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.llmfleet.common.api.FleetException;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * A tenant's API key as stored (never the key itself, which only its holder has): what it may use and the limits and
 * budget it carries. Limits and budget are null when the key has none.
 *
 * @param id                short public name of the key ({@code key_…}), what logs and the admin API show
 * @param features          features the key may use; empty: all
 * @param models            models the key may ask for; empty: all
 * @param monthlyBudgetUsd  USD the key may spend per calendar month (UTC)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ApiKey(String id, String tenant, String name, List<String> features, List<String> models, Integer requestsPerMinute,
                     Integer tokensPerMinute, Integer maxConcurrent, BigDecimal monthlyBudgetUsd, Instant createdAt) {

    public ApiKey {
        features = features == null ? List.of() : List.copyOf(features);
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** Refuses (403) a feature this key may not use. */
    public void checkFeature(String feature) {
        if (!features.isEmpty() && !features.contains(feature)) {
            throw FleetException.rejectedParameter(403, "feature", "feature_not_allowed",
                    "API key " + id + " may not use feature '" + feature + "'.");
        }
    }

    /** Refuses (403) a model this key may not ask for; a missing or malformed model is left to request validation. */
    public void checkModel(String model) {
        if (!models.isEmpty() && model != null && !models.contains(model)) {
            throw FleetException.rejectedParameter(403, "model", "model_not_allowed",
                    "API key " + id + " may not use model '" + model + "'.");
        }
    }
}
