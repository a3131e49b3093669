package dev.llmfleet.providersim.service;

import dev.llmfleet.providersim.config.SimConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulator's own price book: what Model Database charges. Deliberately separate from the
 * fleet's price book, so that a wrong fleet price shows up as estimate drift.
 */
@ApplicationScoped
public class PriceBook {

    /** Charges are rounded to this many decimal places of a dollar (HALF_UP). */
    public static final int SCALE = 8;
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /** One priced model. {@code created} is fixed so {@code /v1/models} is stable across restarts. */
    public record Model(String id, String ownedBy, BigDecimal inputUsdPerMillion, BigDecimal outputUsdPerMillion,
                        int contextWindow, long created) {
    }

    private final Map<String, Model> models;

    @Inject
    public PriceBook(SimConfig config) {
        Map<String, Model> byId = new TreeMap<>();
        config.models().forEach((id, m) -> {
            if (m.inputUsdPerMillion().signum() < 0 || m.outputUsdPerMillion().signum() < 0 || m.contextWindow() < 1) {
                throw new IllegalArgumentException("sim.models.\"" + id + "\": prices must be >= 0 and context-window >= 1");
            }
            int slash = id.indexOf('/');
            String owner = slash > 0 ? id.substring(0, slash) : "model-database";
            byId.put(id, new Model(id, owner, m.inputUsdPerMillion(), m.outputUsdPerMillion(), m.contextWindow(), 1_715_000_000L));
        });
        this.models = Collections.unmodifiableMap(byId);
    }

    /** The model, or null when the price book does not know it. */
    public Model find(String id) {
        return models.get(id);
    }

    public Collection<Model> all() {
        return models.values();
    }

    /** {@code prompt*in/1e6 + completion*out/1e6}, rounded HALF_UP to 8 decimals. */
    public static BigDecimal charge(Model model, long promptTokens, long completionTokens) {
        return exactCost(model, promptTokens, completionTokens).setScale(SCALE, RoundingMode.HALF_UP);
    }

    /**
     * Most completion tokens whose charge, with this prompt, stays within {@code cap}; -1 when the
     * prompt alone already costs more than the cap.
     */
    public static long maxCompletionTokensWithin(Model model, long promptTokens, BigDecimal cap) {
        if (charge(model, promptTokens, 0).compareTo(cap) > 0) {
            return -1;
        }
        if (model.outputUsdPerMillion().signum() == 0) {
            return Long.MAX_VALUE;
        }
        BigDecimal left = cap.subtract(exactCost(model, promptTokens, 0)).multiply(MILLION);
        long tokens = left.divide(model.outputUsdPerMillion(), 0, RoundingMode.FLOOR).longValue();
        // Rounding the total HALF_UP can add up to half a unit of the 8th decimal: step back if it does.
        while (tokens > 0 && charge(model, promptTokens, tokens).compareTo(cap) > 0) {
            tokens--;
        }
        return Math.max(tokens, 0);
    }

    private static BigDecimal exactCost(Model model, long promptTokens, long completionTokens) {
        return model.inputUsdPerMillion().multiply(BigDecimal.valueOf(promptTokens))
                .add(model.outputUsdPerMillion().multiply(BigDecimal.valueOf(completionTokens)))
                .movePointLeft(6); // exact "/ 1e6" without a division on the hot path
    }
}
