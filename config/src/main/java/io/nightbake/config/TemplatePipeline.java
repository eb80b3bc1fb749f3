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
 * @param implicitAlgorithm the algorithm for tenants whose interactions are implicit feedback (not ratings)
 * @param implicitGate    the gate for those tenants
 * @param control         automatic control (A/B test, bandit) of opted-in tenants; manual by default
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
        AlgorithmSettings implicitAlgorithm,
        GateSettings implicitGate,
        int topK,
        BusinessRules rules,
        Map<String, BusinessRules> tenantRules,
        ControlSettings control) implements java.io.Serializable {

    public TemplatePipeline {
        features = List.copyOf(features);
        tenantRules = Map.copyOf(tenantRules);
        control = control == null ? ControlSettings.DEFAULTS : control;
    }

    /** A template without a {@code control:} section: every tenant in manual mode. */
    public TemplatePipeline(String name, int version, List<Feature> features, AlgorithmSettings algorithm,
                            double holdoutFraction, GateSettings gate, EvaluationSettings evaluation, int minTrainingRows,
                            AlgorithmSettings implicitAlgorithm, GateSettings implicitGate, int topK, BusinessRules rules,
                            Map<String, BusinessRules> tenantRules) {
        this(name, version, features, algorithm, holdoutFraction, gate, evaluation, minTrainingRows, implicitAlgorithm,
                implicitGate, topK, rules, tenantRules, ControlSettings.DEFAULTS);
    }

    /**
     * The algorithm for a tenant: {@link #implicitAlgorithm()} when its interactions are implicit feedback (purchases,
     * clicks, views), else {@link #algorithm()} (explicit ratings).
     */
    public AlgorithmSettings algorithmFor(boolean implicitFeedback) {
        return implicitFeedback ? implicitAlgorithm : algorithm;
    }

    /** The gate for a tenant, by the kind of its interactions (see {@link #algorithmFor}). */
    public GateSettings gateFor(boolean implicitFeedback) {
        return implicitFeedback ? implicitGate : gate;
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
