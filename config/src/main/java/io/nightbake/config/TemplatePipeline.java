package io.nightbake.config;

import java.util.List;
import java.util.Map;

/**
 * The template every tenant's pipeline is cloned from: features, algorithm, holdout, gate, K and rules,
 * with per-tenant rule overrides. Load it with {@link TemplateLoader}.
 *
 * @param holdoutFraction share of each tenant's most recent interactions (by event time) held out for evaluation
 * @param evaluation      how ranking metrics are computed on the holdout
 * @param minTrainingRows a tenant with fewer training rows than this gets the popularity baseline as its model
 */
public record TemplatePipeline(
        String name,
        int version,
        List<Feature> features,
        AlgorithmSettings algorithm,
        double holdoutFraction,
        GateSettings gate,
        EvaluationSettings evaluation,
        int minTrainingRows,
        int topK,
        BusinessRules rules,
        Map<String, BusinessRules> tenantRules) {

    public TemplatePipeline {
        features = List.copyOf(features);
        tenantRules = Map.copyOf(tenantRules);
    }

    public boolean uses(Feature feature) {
        return features.contains(feature);
    }

    /** The rules in force for one tenant: its override when it has one, else the template's. */
    public BusinessRules rulesFor(String tenantId) {
        return tenantRules.getOrDefault(tenantId, rules);
    }

    /** "name@version", as recorded in model lineage. */
    public String reference() {
        return name + "@" + version;
    }
}
