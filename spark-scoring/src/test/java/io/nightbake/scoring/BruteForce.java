package io.nightbake.scoring;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.retrain.train.FeatureEncoder;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The reference ranking: every allowed product scored one by one, written independently of the scorer's masks. */
final class BruteForce {

    record Scored(int product, float score) {
    }

    final TenantDataset data;
    final RankingFactors factors;
    final ScoringRules rules;

    BruteForce(TenantDataset data, FactorizationMachine model, ScoringRules rules) {
        this.data = data;
        this.factors = TenantRetrainer.fold(model, data, new FeatureEncoder(Fixtures.FEATURES));
        this.rules = rules;
    }

    Set<Integer> bought(int customer) {
        Set<Integer> bought = new HashSet<>();
        for (int i = 0; i < data.interactionCount(); i++) {
            String type = data.eventType(i);
            if (data.customer(i) == customer && !"view".equals(type) && !"click".equals(type)) {
                bought.add(data.product(i));
            }
        }
        return bought;
    }

    boolean allowed(int customer, int product, Set<Integer> bought) {
        if (rules.excludePurchased() && bought.contains(product)) {
            return false;
        }
        if (rules.excludeInactive() && !data.productActive(product)) {
            return false;
        }
        String category = data.productCategory(product);
        if (category != null && rules.blockedCategories().contains(category)) {
            return false;
        }
        String region = data.customerRegion(customer);
        Set<String> allowed = region == null ? null : rules.regionAllowedCategories().get(region);
        return allowed == null || (category != null && allowed.contains(category));
    }

    /** All allowed products, best first (before K and the threshold). */
    List<Scored> ranking(int customer) {
        Set<Integer> bought = bought(customer);
        List<Scored> scored = new ArrayList<>();
        for (int p = 0; p < data.productCount(); p++) {
            if (allowed(customer, p, bought)) {
                scored.add(new Scored(p, factors.score(customer, p)));
            }
        }
        scored.sort(Comparator.comparingDouble((Scored s) -> s.score).reversed());
        return scored;
    }

    /** The expected list: top k allowed, or empty when the best is under the threshold. */
    List<Scored> expected(int customer, int k) {
        List<Scored> all = ranking(customer);
        if (all.isEmpty() || (rules.minScore() != null && all.get(0).score() < rules.minScore())) {
            return List.of();
        }
        return all.subList(0, Math.min(k, all.size()));
    }
}
