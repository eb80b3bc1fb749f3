package io.nightbake.retrain.pipeline;

import io.nightbake.model.ServedRanking;
import io.nightbake.retrain.model.FactorizationMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Picks the ranking a tenant publishes among candidates scored on the same holdout sample, with the ranking guard:
 * a candidate is eligible only when its NDCG@K beats the popularity baseline's and its lists are personal (no product
 * in more than {@value #MAX_TOP_SHARE} of the lists unless the popularity lists have it there too, which also rejects
 * near-identical lists for every customer). The eligible candidate with the best NDCG@K wins; when none is eligible,
 * the popularity lists are published.
 */
public final class RankingChoice {

    /** No product in more than this share of the lists, unless popularity puts it there as well. */
    public static final double MAX_TOP_SHARE = 0.5;

    /** One candidate ranking: how it is described in lineage, its model (fitted on the training rows) and its figures. */
    public record Candidate(String name, FactorizationMachine model, RankingEvaluation.Figures figures) {
    }

    /** The outcome: {@code chosen} is null when the popularity lists are published. */
    public record Outcome(Candidate chosen, RankingEvaluation.Figures figures, String guard, String reason) {

        public boolean popularity() {
            return chosen == null;
        }

        public String ranking() {
            return chosen == null ? PopularityBaseline.ALGORITHM : chosen.name();
        }
    }

    private RankingChoice() {
    }

    public static Outcome choose(List<Candidate> candidates, RankingEvaluation.Figures popularity) {
        double bar = popularity.ndcg().value();
        Candidate best = null;
        List<String> notes = new ArrayList<>();
        for (Candidate c : candidates) {
            double ndcg = c.figures().ndcg().value();
            String verdict = eligibility(c.figures(), popularity);
            notes.add(String.format(Locale.ROOT, "%s %.4f%s", c.name(), ndcg, verdict == null ? "" : " (" + verdict + ")"));
            if (verdict == null && (best == null || ndcg > best.figures().ndcg().value())) {
                best = c;
            }
        }
        String figures = String.format(Locale.ROOT, "NDCG@%d on %d holdout customers: %s; popularity %.4f", popularity.k(),
                popularity.ndcg().size(), String.join(", ", notes), bar);
        if (best == null) {
            return new Outcome(null, popularity, ServedRanking.POPULARITY,
                    "ranking guard: no model ranking beats popularity with personal lists, so the popularity lists are "
                            + "published; " + figures);
        }
        return new Outcome(best, best.figures(), ServedRanking.PASSED, "published " + best.name() + "; " + figures);
    }

    /** Why a candidate may not be published, or null when it may. */
    static String eligibility(RankingEvaluation.Figures f, RankingEvaluation.Figures popularity) {
        double ndcg = f.ndcg().value();
        double bar = popularity.ndcg().value();
        if (!(ndcg > bar)) {
            return "not above popularity";
        }
        RankingEvaluation.Lists lists = f.lists();
        int top = lists.topProduct();
        if (lists.share(top) > MAX_TOP_SHARE && popularity.lists().share(top) <= MAX_TOP_SHARE) {
            return String.format(Locale.ROOT, "one product in %.0f%% of its lists", 100 * lists.share(top));
        }
        return null;
    }
}
