package io.nightbake.retrain.pipeline;

import io.nightbake.config.GateSettings;
import java.util.Locale;

/**
 * Decides whether a challenger replaces the champion, on the gate's metric computed for both on the same holdout
 * rows: RMSE (lower is better) or NDCG@K / precision@K (higher is better).
 *
 * <p>A challenger is promoted only when (1) it improves on the champion by more than nothing, so a tie never replaces
 * the champion; (2) the improvement reaches the margin, absolute (in the metric's units) or relative (a share of the
 * champion's figure); and (3) when a paired test is configured, the improvement is significant at the configured
 * confidence on the per-customer figures (paired bootstrap over customers, or paired t-test). A tenant's first model
 * must beat the baseline: the global-mean predictor for RMSE, the popularity ranking for ranking metrics.
 * Every decision's reason states the figures, the margin and the test's result.
 *
 * @param k    the K of the ranking metrics (for the reason's wording)
 * @param seed the paired bootstrap's seed, so a decision is reproducible
 */
public record ChampionChallengerPolicy(GateSettings gate, int k, long seed) {

    public ChampionChallengerPolicy {
        if (!(gate.promotionMargin() >= 0)) {
            throw new IllegalArgumentException("promotion margin must be >= 0, was " + gate.promotionMargin());
        }
    }

    /** RMSE with an absolute margin and no paired test. */
    public ChampionChallengerPolicy(double margin) {
        this(new GateSettings(GateSettings.RMSE, margin), 10, 0L);
    }

    public record Decision(boolean promote, String reason) {
    }

    /**
     * Decides on pooled RMSE figures alone (no per-customer figures, so no paired test even when one is configured).
     *
     * @param championRmse null when the tenant has no champion yet
     */
    public Decision decide(double challengerRmse, Double championRmse, double baselineRmse) {
        return decide("RMSE", true, challengerRmse, championRmse, baselineRmse, "global-mean baseline", null, null, -1);
    }

    /**
     * Decides on the gate metric's per-customer figures of challenger and champion on the same holdout.
     *
     * @param champion null when the tenant has no champion yet
     * @param baseline the baseline's pooled figure (the global-mean RMSE, or the popularity ranking's figure)
     * @param holdoutRows how many holdout rows both were scored on (for the reason)
     */
    public Decision decide(CustomerFigures challenger, CustomerFigures champion, double baseline, int holdoutRows) {
        if (!challenger.metric().equals(gate.metric())) {
            throw new IllegalArgumentException("the gate metric is " + gate.metric() + ", not " + challenger.metric());
        }
        boolean lower = gate.lowerIsBetter();
        return decide(label(), lower, challenger.value(), champion == null ? null : champion.value(), baseline,
                lower ? "global-mean baseline" : "popularity baseline", challenger, champion, holdoutRows);
    }

    private Decision decide(String metric, boolean lowerIsBetter, double challenger, Double champion, double baseline,
                            String baselineName, CustomerFigures challengerFigures, CustomerFigures championFigures,
                            int holdoutRows) {
        if (Double.isNaN(challenger)) {
            return new Decision(false, String.format(Locale.ROOT, "challenger %s cannot be computed: no holdout customer has a "
                    + "relevant product not already taken in training; not promoted", metric));
        }
        if (champion != null && !Double.isFinite(champion) && Double.isFinite(challenger)) {
            // a champion whose figure is NaN or infinite (a model that diverged) can never be beaten by a margin:
            // any finite challenger replaces it, or the tenant would stay locked on a broken model
            return new Decision(true, String.format(Locale.ROOT, "challenger %s %.4f vs champion %s: the champion's figure "
                    + "is not finite, so the finite challenger replaces it; promoted", metric, challenger, champion));
        }
        if (champion == null) {
            boolean promote = lowerIsBetter ? challenger < baseline : challenger > baseline;
            return new Decision(promote, String.format(Locale.ROOT, "first model: challenger %s %.4f %s %s %.4f",
                    metric, challenger, promote ? "beats" : "does not beat", baselineName, baseline));
        }
        double improvement = lowerIsBetter ? champion - challenger : challenger - champion;
        boolean relative = GateSettings.RELATIVE.equals(gate.marginType());
        double measured = relative ? (champion == 0 ? (improvement > 0 ? Double.POSITIVE_INFINITY : 0) : improvement / Math.abs(champion))
                : improvement;
        boolean meetsMargin = improvement > 0 && measured >= gate.promotionMargin();
        StringBuilder reason = new StringBuilder(String.format(Locale.ROOT, "challenger %s %.4f vs champion %.4f", metric,
                challenger, champion));
        if (holdoutRows >= 0 && challengerFigures != null) {
            reason.append(String.format(Locale.ROOT, " on the same %d holdout rows (%d customers)", holdoutRows,
                    challengerFigures.size()));
        }
        if (relative) {
            reason.append(String.format(Locale.ROOT, ": improvement %.4f (%.2f%%) %s relative margin %.2f%%", improvement,
                    100 * measured, meetsMargin ? "meets" : "does not meet", 100 * gate.promotionMargin()));
        } else {
            reason.append(String.format(Locale.ROOT, ": improvement %.4f %s margin %.4f", improvement,
                    meetsMargin ? "meets" : "does not meet", gate.promotionMargin()));
        }
        boolean promote = meetsMargin;
        if (!GateSettings.NO_TEST.equals(gate.pairedTest())) {
            if (challengerFigures == null || championFigures == null) {
                reason.append("; paired ").append(gate.pairedTest()).append(" not run (no per-customer figures)");
            } else if (!meetsMargin) {
                reason.append("; paired ").append(gate.pairedTest()).append(" not needed");
            } else {
                double p = GateSettings.BOOTSTRAP.equals(gate.pairedTest())
                        ? PairedTests.bootstrap(challengerFigures, championFigures, gate.bootstrapSamples(), seed)
                        : PairedTests.tTest(challengerFigures, championFigures);
                double alpha = 1 - gate.confidence();
                boolean significant = p <= alpha;
                String test = GateSettings.BOOTSTRAP.equals(gate.pairedTest())
                        ? String.format(Locale.ROOT, "paired bootstrap (%d resamples of %d customers)", gate.bootstrapSamples(),
                        challengerFigures.size())
                        : String.format(Locale.ROOT, "paired t-test (%d customers)", challengerFigures.size());
                reason.append(String.format(Locale.ROOT, "; %s p = %.4f %s %.4f: %s at %.1f%% confidence", test, p,
                        significant ? "<=" : ">", alpha, significant ? "significant" : "not significant",
                        100 * gate.confidence()));
                promote = significant;
            }
        }
        reason.append(promote ? "; promoted" : "; not promoted");
        return new Decision(promote, reason.toString());
    }

    private String label() {
        return switch (gate.metric()) {
            case GateSettings.RMSE -> "RMSE";
            case GateSettings.NDCG -> "NDCG@" + k;
            case GateSettings.PRECISION -> "precision@" + k;
            default -> gate.metric();
        };
    }
}
