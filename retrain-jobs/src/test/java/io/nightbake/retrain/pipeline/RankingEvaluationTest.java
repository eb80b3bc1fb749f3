package io.nightbake.retrain.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.nightbake.config.EvaluationSettings;
import io.nightbake.model.RankingMetrics;
import io.nightbake.retrain.data.FeedbackKind;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.tenant.TenantId;
import org.junit.jupiter.api.Test;

/** Ranking metrics on a tenant small enough to check by hand. */
class RankingEvaluationTest {

    /**
     * Products p0..p4. Training: c0 took p0, c1 took p1. Holdout: c0 rates p2 5, p3 2 and p0 (seen in training) 5;
     * c1 rates p1 again (seen, so c1 has nothing relevant and is not evaluated).
     */
    private static TenantDataset data(String eventType) {
        TenantDataset.Builder b = TenantDataset.builder(TenantId.of("hand"));
        for (int p = 0; p < 5; p++) {
            b.addProduct("p" + p, true, null);
        }
        b.addInteraction("c0", "p0", 4, 1, eventType);
        b.addInteraction("c1", "p1", 4, 2, eventType);
        b.addInteraction("c0", "p2", 5, 3, eventType);
        b.addInteraction("c0", "p3", 2, 4, eventType);
        b.addInteraction("c0", "p0", 5, 5, eventType);
        b.addInteraction("c1", "p1", 5, 6, eventType);
        return b.build();
    }

    private static final HoldoutSplit SPLIT = new HoldoutSplit(new int[] {0, 1}, new int[] {2, 3, 4, 5});
    /** The same scores for everybody: p0 best, p4 worst. */
    private static final RankingEvaluation.Scorer FIXED = RankingEvaluation.scorer(new float[] {10, 9, 8, 7, 6});

    @Test
    void explicitRatingsCountOnlyHighRatingsOfUnseenProducts() {
        RankingEvaluation evaluation = RankingEvaluation.prepare(data("rating"), SPLIT, new EvaluationSettings(2, 4.0));
        assertThat(evaluation.feedback()).isEqualTo(FeedbackKind.EXPLICIT);
        assertThat(evaluation.customerCount()).isEqualTo(1);
        // c0's ranking without p0 (taken in training): p1, p2 | p3, p4; relevant {p2}: a hit at position 2
        RankingMetrics m = evaluation.evaluate(FIXED).metrics();
        assertThat(m.k()).isEqualTo(2);
        assertThat(m.customers()).isEqualTo(1);
        assertThat(m.precision()).isEqualTo(0.5);
        assertThat(m.recall()).isEqualTo(1.0);
        assertThat(m.ndcg()).isCloseTo(1 / (Math.log(3) / Math.log(2)), within(1e-12));
    }

    @Test
    void implicitFeedbackCountsEveryHeldOutProduct() {
        RankingEvaluation evaluation = RankingEvaluation.prepare(data("purchase"), SPLIT, new EvaluationSettings(2, 4.0));
        assertThat(evaluation.feedback()).isEqualTo(FeedbackKind.IMPLICIT);
        // relevant {p2, p3}; top 2 = p1, p2: one hit at position 2 out of an ideal two hits
        RankingMetrics m = evaluation.evaluate(FIXED).metrics();
        double d2 = 1 / (Math.log(3) / Math.log(2));
        assertThat(m.precision()).isEqualTo(0.5);
        assertThat(m.recall()).isEqualTo(0.5);
        assertThat(m.ndcg()).isCloseTo(d2 / (1 + d2), within(1e-12));
    }

    @Test
    void popularityRanksByCustomersWhoTookAProductInTraining() {
        TenantDataset data = data("purchase");
        PopularityBaseline popularity = PopularityBaseline.fit(data, SPLIT.trainRows());
        // two training customers: p0 and p1 each taken by one of them
        assertThat(popularity.scores()).containsExactly(0.5f, 0.5f, 0f, 0f, 0f);
        RankingMetrics m = RankingEvaluation.prepare(data, SPLIT, new EvaluationSettings(2, 4.0))
                .evaluate(popularity.scorer()).metrics();
        // c0: p0 excluded; p1 first, then p2 (lowest index among the zero scores): one hit at position 2
        assertThat(m.precision()).isEqualTo(0.5);
    }

    @Test
    void largeHoldoutsAreSampledReproducibly() {
        TenantDataset.Builder b = TenantDataset.builder(TenantId.of("many"));
        b.addProduct("p0", true, null);
        b.addProduct("p1", true, null);
        for (int c = 0; c < 100; c++) {
            b.addInteraction("c" + c, "p0", 1, c, "purchase");
            b.addInteraction("c" + c, "p1", 1, 1000 + c, "purchase");
        }
        TenantDataset data = b.build();
        int[] train = new int[100];
        int[] holdout = new int[100];
        for (int i = 0; i < 100; i++) {
            train[i] = 2 * i;
            holdout[i] = 2 * i + 1;
        }
        HoldoutSplit split = new HoldoutSplit(train, holdout);
        EvaluationSettings capped = new EvaluationSettings(1, 4.0, 30);
        RankingEvaluation a = RankingEvaluation.prepare(data, split, capped, 5);
        assertThat(a.customerCount()).isEqualTo(30);
        RankingEvaluation.Figures fa = a.evaluate(RankingEvaluation.scorer(new float[] {1, 0}));
        RankingEvaluation.Figures fb = RankingEvaluation.prepare(data, split, capped, 5)
                .evaluate(RankingEvaluation.scorer(new float[] {1, 0}));
        assertThat(fb.ndcg().customers()).isEqualTo(fa.ndcg().customers()).isSorted();
        assertThat(fa.metrics().ndcg()).isEqualTo(1.0); // p0 is excluded (taken in training), p1 is the hit
    }

    @Test
    void noRelevantCustomerGivesNoMetrics() {
        HoldoutSplit onlySeen = new HoldoutSplit(new int[] {0, 1, 2, 3}, new int[] {4, 5});
        RankingEvaluation evaluation = RankingEvaluation.prepare(data("rating"), onlySeen, new EvaluationSettings(2, 4.0));
        assertThat(evaluation.customerCount()).isZero();
        assertThat(evaluation.evaluate(FIXED).metrics()).isNull();
    }
}
