package dev.llmfleet.common.config;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The features the fleet knows: the default feature and every feature with config under {@code fleet.features.*}
 * (the shared file, so every service knows the same set). Intake refuses any other; anything that keys state or
 * metrics by feature (ledger buckets, metric tags) names an unknown one {@link #OTHER}, so a feature name can never
 * grow them without bound.
 */
@ApplicationScoped
public class Features {
    /** The one bucket every unknown feature shares. */
    public static final String OTHER = "other";

    private final String defaultFeature;
    private final SortedSet<String> known;

    public Features(FleetConfig config) {
        this.defaultFeature = config.defaultFeature();
        SortedSet<String> names = new TreeSet<>(config.features().keySet());
        names.add(defaultFeature);
        this.known = Collections.unmodifiableSortedSet(names);
    }

    /** The feature of a request that names none ({@code fleet.default-feature}). */
    public String defaultFeature() {
        return defaultFeature;
    }

    /** Every known feature, sorted. */
    public SortedSet<String> known() {
        return known;
    }

    public boolean isKnown(String feature) {
        return feature != null && known.contains(feature);
    }

    /** {@code feature} when it is known, else {@link #OTHER}: a bounded name for ledger keys and metric tags. */
    public String bounded(String feature) {
        return isKnown(feature) ? feature : OTHER;
    }
}
