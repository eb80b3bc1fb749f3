package io.nightbake.config;

import java.util.Map;
import java.util.Set;

/**
 * Rules applied to a tenant's ranked lists when prebaking.
 *
 * @param regionAllowedCategories region to the categories its customers may see; empty means no restriction
 * @param minScore recommend nothing to a customer whose best score is under this; null disables the threshold
 */
public record BusinessRules(
        boolean excludePurchased,
        boolean excludeInactive,
        Set<String> blockedCategories,
        Map<String, Set<String>> regionAllowedCategories,
        Double minScore) implements java.io.Serializable {

    public BusinessRules {
        blockedCategories = Set.copyOf(blockedCategories);
        regionAllowedCategories = Map.copyOf(regionAllowedCategories);
    }
}
