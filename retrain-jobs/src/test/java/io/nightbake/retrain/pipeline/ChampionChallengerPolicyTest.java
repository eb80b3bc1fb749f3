package io.nightbake.retrain.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nightbake.config.GateSettings;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChampionChallengerPolicyTest {

    private final ChampionChallengerPolicy policy = new ChampionChallengerPolicy(0.01);

    @Test
    void worseChallengerIsNotPromoted() {
        ChampionChallengerPolicy.Decision d = policy.decide(0.95, 0.90, 1.2);
        assertThat(d.promote()).isFalse();
        assertThat(d.reason()).contains("0.9500", "0.9000", "does not meet");
    }

    @Test
    void aFiniteChallengerReplacesANonFiniteChampion() {
        ChampionChallengerPolicy.Decision d = policy.decide(0.95, Double.NaN, 1.2);
        assertThat(d.promote()).isTrue();
        assertThat(d.reason()).contains("champion's figure is not finite");
        assertThat(policy.decide(0.95, Double.POSITIVE_INFINITY, 1.2).promote()).isTrue();
    }

    @Test
    void betterChallengerIsPromoted() {
        assertThat(policy.decide(0.85, 0.90, 1.2).promote()).isTrue();
    }

    @Test
    void tiesAndGainsBelowTheMarginFollowTheMargin() {
        assertThat(policy.decide(0.90, 0.90, 1.2).promote()).as("tie").isFalse();
        assertThat(policy.decide(0.895, 0.90, 1.2).promote()).as("better by less than the margin").isFalse();
        assertThat(policy.decide(0.875, 0.90, 1.2).promote()).as("better by more than the margin").isTrue();
        ChampionChallengerPolicy noMargin = new ChampionChallengerPolicy(0);
        assertThat(noMargin.decide(0.90, 0.90, 1.2).promote()).as("a tie never replaces the champion").isFalse();
        assertThat(noMargin.decide(0.8999, 0.90, 1.2).promote()).isTrue();
    }

    @Test
    void firstModelMustBeatTheGlobalMeanBaseline() {
        assertThat(policy.decide(1.0, null, 1.1).promote()).isTrue();
        ChampionChallengerPolicy.Decision d = policy.decide(1.2, null, 1.1);
        assertThat(d.promote()).isFalse();
        assertThat(d.reason()).contains("first model", "baseline");
    }

    @Test
    void negativeMarginIsRejected() {
        assertThatThrownBy(() -> new ChampionChallengerPolicy(-0.1)).hasMessageContaining("margin");
    }

    // ---------------------------------------------------------------- per-customer figures

    /** RMSE figures of n customers with 4 rows each whose errors are {@code error +- noise}. */
    private static CustomerFigures rmse(int n, double error, double noise, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] customers = new int[n];
        double[] sums = new double[n];
        double[] counts = new double[n];
        for (int i = 0; i < n; i++) {
            customers[i] = i;
            for (int r = 0; r < 4; r++) {
                double e = error + noise * (rng.nextDouble() * 2 - 1);
                sums[i] += e * e;
            }
            counts[i] = 4;
        }
        return new CustomerFigures(CustomerFigures.RMSE, customers, sums, counts);
    }

    private static CustomerFigures ndcg(double... perCustomer) {
        int[] customers = new int[perCustomer.length];
        double[] ones = new double[perCustomer.length];
        for (int i = 0; i < customers.length; i++) {
            customers[i] = i;
            ones[i] = 1;
        }
        return new CustomerFigures(CustomerFigures.NDCG, customers, perCustomer.clone(), ones);
    }

    @Test
    void challengerBetterByLessThanTheMarginIsNotPromotedAndTheReasonSaysTheNumbers() {
        ChampionChallengerPolicy gate = new ChampionChallengerPolicy(new GateSettings("rmse", 0.01), 10, 1);
        CustomerFigures champion = rmse(200, 0.900, 0, 1);
        CustomerFigures slightlyBetter = rmse(200, 0.895, 0, 1);
        ChampionChallengerPolicy.Decision d = gate.decide(slightlyBetter, champion, 1.2, 800);
        assertThat(d.promote()).isFalse();
        assertThat(d.reason()).contains("challenger RMSE 0.8950 vs champion 0.9000", "same 800 holdout rows (200 customers)",
                "improvement 0.0050 does not meet margin 0.0100", "not promoted");
        assertThat(gate.decide(rmse(200, 0.880, 0, 1), champion, 1.2, 800).promote()).isTrue();
    }

    @Test
    void relativeMarginIsAShareOfTheChampionsFigure() {
        ChampionChallengerPolicy gate = new ChampionChallengerPolicy(
                new GateSettings("rmse", 0.02, "relative", "none", 0.95, 1000), 10, 1);
        CustomerFigures champion = rmse(100, 1.000, 0, 1);
        assertThat(gate.decide(rmse(100, 0.985, 0, 1), champion, 2, 400).promote()).as("1.5% < 2%").isFalse();
        ChampionChallengerPolicy.Decision d = gate.decide(rmse(100, 0.975, 0, 1), champion, 2, 400);
        assertThat(d.promote()).as("2.5% >= 2%").isTrue();
        assertThat(d.reason()).contains("(2.50%) meets relative margin 2.00%");
    }

    @Test
    void rankingGateIsHigherIsBetterAndAFirstModelMustBeatPopularity() {
        ChampionChallengerPolicy gate = new ChampionChallengerPolicy(new GateSettings("ndcg", 0.01), 10, 1);
        CustomerFigures champion = ndcg(0.1, 0.2, 0.3, 0.2);
        assertThat(gate.decide(ndcg(0.2, 0.3, 0.4, 0.3), champion, 0.05, 40).promote()).isTrue();
        ChampionChallengerPolicy.Decision worse = gate.decide(ndcg(0.0, 0.1, 0.2, 0.1), champion, 0.05, 40);
        assertThat(worse.promote()).isFalse();
        assertThat(worse.reason()).contains("NDCG@10 0.1000 vs champion 0.2000", "improvement -0.1000");
        ChampionChallengerPolicy.Decision first = gate.decide(ndcg(0.1, 0.1), null, 0.2, 10);
        assertThat(first.promote()).isFalse();
        assertThat(first.reason()).contains("first model", "does not beat popularity baseline 0.2000");
        assertThat(gate.decide(ndcg(0.3, 0.3), null, 0.2, 10).promote()).isTrue();
        assertThat(gate.decide(ndcg(), null, 0.2, 10).reason()).contains("no holdout customer has a relevant product");
    }

    @Test
    void pairedTestBlocksAnImprovementThatIsNoise() {
        // the same mean gain (0.02), once consistent over customers, once noise: half the customers much better,
        // half much worse
        double[] champ = new double[40];
        double[] steady = new double[40];
        double[] noisy = new double[40];
        for (int i = 0; i < 40; i++) {
            champ[i] = 0.30;
            steady[i] = 0.32 + (i % 2 == 0 ? 0.005 : -0.005);
            noisy[i] = i % 2 == 0 ? 0.62 : 0.02;
        }
        for (String test : new String[] {"bootstrap", "t-test"}) {
            ChampionChallengerPolicy gate = new ChampionChallengerPolicy(
                    new GateSettings("ndcg", 0.01, "absolute", test, 0.95, 2000), 10, 7);
            ChampionChallengerPolicy.Decision significant = gate.decide(ndcg(steady), ndcg(champ), 0.1, 400);
            assertThat(significant.promote()).as(test).isTrue();
            assertThat(significant.reason()).contains(test.equals("bootstrap") ? "paired bootstrap (2000 resamples of 40 customers)"
                    : "paired t-test (40 customers)", "significant at 95.0% confidence", "; promoted");
            ChampionChallengerPolicy.Decision noise = gate.decide(ndcg(noisy), ndcg(champ), 0.1, 400);
            assertThat(noise.promote()).as(test).isFalse();
            assertThat(noise.reason()).contains("improvement 0.0200 meets margin 0.0100", "not significant", "not promoted");
        }
    }

    @Test
    void pairedBootstrapOnRmseIsReproducibleForASeed() {
        GateSettings settings = new GateSettings("rmse", 0.0, "absolute", "bootstrap", 0.95, 500);
        CustomerFigures champion = rmse(300, 1.0, 0.5, 3);
        CustomerFigures challenger = rmse(300, 0.95, 0.5, 4);
        String first = new ChampionChallengerPolicy(settings, 10, 11).decide(challenger, champion, 2, 1200).reason();
        String again = new ChampionChallengerPolicy(settings, 10, 11).decide(challenger, champion, 2, 1200).reason();
        assertThat(again).isEqualTo(first).contains("paired bootstrap", "p = ");
    }
}
