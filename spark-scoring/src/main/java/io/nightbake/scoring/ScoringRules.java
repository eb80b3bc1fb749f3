package io.nightbake.scoring;

import io.nightbake.config.BusinessRules;

import java.io.Serializable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A serializable copy of {@link BusinessRules} (the config record is not {@link Serializable}), shipped to
 * Spark executors inside a {@link ScoringTask}.
 *
 * @param regionAllowedCategories region to the categories its customers may see; empty means no restriction,
 *                                and a region without an entry is not restricted either
 * @param minScore                recommend nothing to a customer whose best remaining score is under this; null
 *                                disables the threshold
 */
public record ScoringRules(
        boolean excludePurchased,
        boolean excludeInactive,
        Set<String> blockedCategories,
        Map<String, Set<String>> regionAllowedCategories,
        Double minScore) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** No rules at all: every product may be recommended to every customer. */
    public static final ScoringRules NONE = new ScoringRules(false, false, Set.of(), Map.of(), null);

    public ScoringRules {
        // Set.copyOf / Map.copyOf give unmodifiable, serializable collections
        blockedCategories = Set.copyOf(Objects.requireNonNull(blockedCategories, "blockedCategories"));
        Map<String, Set<String>> regions = new HashMap<>();
        Objects.requireNonNull(regionAllowedCategories, "regionAllowedCategories")
                .forEach((region, categories) -> regions.put(region, Set.copyOf(categories)));
        regionAllowedCategories = Map.copyOf(regions);
        if (minScore != null && !Double.isFinite(minScore)) {
            throw new IllegalArgumentException("minScore must be finite or null, was " + minScore);
        }
    }

    public static ScoringRules of(BusinessRules rules) {
        return new ScoringRules(rules.excludePurchased(), rules.excludeInactive(), rules.blockedCategories(),
                rules.regionAllowedCategories(), rules.minScore());
    }

    public BusinessRules toBusinessRules() {
        return new BusinessRules(excludePurchased, excludeInactive, new HashSet<>(blockedCategories),
                new HashMap<>(regionAllowedCategories), minScore);
    }
}
