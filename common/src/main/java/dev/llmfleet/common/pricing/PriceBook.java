package dev.llmfleet.common.pricing;

import dev.llmfleet.common.config.FleetConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Optional;

/**
 * The fleet's own prices per model, for forecasts (pre-flight cost checks, routing savings) and for
 * pricing a streamed call whose charge never arrived. The provider's charge header stays the truth:
 * a wrong price here shows up as estimate drift, never as a silently wrong ledger.
 */
@ApplicationScoped
public class PriceBook {
    /** Money is kept to 1e-8 USD, finer than any single token's price. */
    public static final int SCALE = 8;
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private final Map<String, FleetConfig.Model> models;

    public PriceBook(FleetConfig config) {
        this.models = config.models();
    }

    public Optional<FleetConfig.Model> model(String name) {
        return Optional.ofNullable(models.get(name));
    }

    public Map<String, FleetConfig.Model> models() {
        return models;
    }

    /** What {@code promptTokens} in and {@code completionTokens} out cost on {@code model}. */
    public BigDecimal cost(String model, long promptTokens, long completionTokens) {
        FleetConfig.Model prices = models.get(model);
        if (prices == null) {
            throw new IllegalArgumentException("no price for model " + model);
        }
        return prices.inputUsdPerMillion().multiply(BigDecimal.valueOf(promptTokens))
                .add(prices.outputUsdPerMillion().multiply(BigDecimal.valueOf(completionTokens)))
                .divide(MILLION, SCALE, RoundingMode.HALF_UP);
    }

    /**
     * The most completion tokens that keep a call within {@code capUsd}, given its prompt; negative when
     * the prompt alone exceeds the cap.
     */
    public long maxCompletionTokensWithin(String model, long promptTokens, BigDecimal capUsd) {
        FleetConfig.Model prices = models.get(model);
        BigDecimal left = capUsd.multiply(MILLION).subtract(prices.inputUsdPerMillion().multiply(BigDecimal.valueOf(promptTokens)));
        if (left.signum() < 0) {
            return -1;
        }
        if (prices.outputUsdPerMillion().signum() == 0) {
            return Long.MAX_VALUE;
        }
        return left.divide(prices.outputUsdPerMillion(), 0, RoundingMode.FLOOR).longValue();
    }
}
