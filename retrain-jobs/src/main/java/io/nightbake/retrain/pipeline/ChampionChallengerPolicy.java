package io.nightbake.retrain.pipeline;

import java.util.Locale;

/**
 * Decides whether a challenger replaces the champion, by holdout RMSE (lower is better). A challenger is promoted
 * only when it improves on the champion by at least {@code margin} and by more than nothing, so a tie never
 * replaces the champion. A tenant's first model must beat the global-mean baseline.
 */
public record ChampionChallengerPolicy(double margin) {

    public ChampionChallengerPolicy {
        if (!(margin >= 0)) {
            throw new IllegalArgumentException("promotion margin must be >= 0, was " + margin);
        }
    }

    public record Decision(boolean promote, String reason) {
    }

    /** @param championRmse null when the tenant has no champion yet */
    public Decision decide(double challengerRmse, Double championRmse, double baselineRmse) {
        if (championRmse == null) {
            boolean promote = challengerRmse < baselineRmse;
            return new Decision(promote, String.format(Locale.ROOT, "first model: challenger RMSE %.4f %s global-mean baseline %.4f",
                    challengerRmse, promote ? "beats" : "does not beat", baselineRmse));
        }
        double improvement = championRmse - challengerRmse;
        boolean promote = improvement > 0 && improvement >= margin;
        return new Decision(promote, String.format(Locale.ROOT,
                "challenger RMSE %.4f vs champion %.4f: improvement %.4f %s margin %.4f",
                challengerRmse, championRmse, improvement, promote ? "meets" : "does not meet", margin));
    }
}
