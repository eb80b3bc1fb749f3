package io.nightbake.retrain.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.model.ServedRanking;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ranking guard: never publish lists worse than popularity's, nor lists one rarely-seen product dominates. */
class RankingChoiceTest {

    /** Figures of 10 customers with the given NDCG each, whose lists hold product 0 in {@code topLists} of them. */
    private static RankingEvaluation.Figures figures(double ndcg, int topLists) {
        int n = 10;
        int[] customers = new int[n];
        double[] values = new double[n];
        double[] ones = new double[n];
        for (int i = 0; i < n; i++) {
            customers[i] = i;
            values[i] = ndcg;
            ones[i] = 1;
        }
        int[] counts = new int[20];
        counts[0] = topLists;
        for (int p = 1; p < counts.length; p++) {
            counts[p] = 3;
        }
        CustomerFigures f = new CustomerFigures(CustomerFigures.NDCG, customers, values, ones);
        return new RankingEvaluation.Figures(10, f, f, f, new RankingEvaluation.Lists(n, counts));
    }

    @Test
    void theBestPersonalCandidateAbovePopularityIsPublished() {
        RankingEvaluation.Figures popularity = figures(0.20, 10);
        RankingChoice.Outcome outcome = RankingChoice.choose(List.of(
                new RankingChoice.Candidate("a", null, figures(0.25, 4)),
                new RankingChoice.Candidate("b", null, figures(0.30, 4))), popularity);
        assertThat(outcome.ranking()).isEqualTo("b");
        assertThat(outcome.guard()).isEqualTo(ServedRanking.PASSED);
        assertThat(outcome.figures().ndcg().value()).isCloseTo(0.30, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(outcome.reason()).contains("published b", "a 0.2500", "b 0.3000", "popularity 0.2000");
    }

    @Test
    void aCandidateNotAbovePopularityFallsBackToThePopularityLists() {
        RankingEvaluation.Figures popularity = figures(0.20, 10);
        RankingChoice.Outcome outcome = RankingChoice.choose(List.of(
                new RankingChoice.Candidate("a", null, figures(0.15, 4)),
                new RankingChoice.Candidate("b", null, figures(0.20, 4))), popularity);
        assertThat(outcome.popularity()).isTrue();
        assertThat(outcome.ranking()).isEqualTo("popularity");
        assertThat(outcome.guard()).isEqualTo(ServedRanking.POPULARITY);
        assertThat(outcome.figures()).isSameAs(popularity);
        assertThat(outcome.reason()).contains("ranking guard", "not above popularity");
    }

    @Test
    void listsDominatedByOneProductThatPopularityDoesNotPushAreRejected() {
        // popularity has product 0 in 2 of 10 lists; the candidate in 9 of 10 (near-identical lists)
        RankingEvaluation.Figures popularity = figures(0.20, 2);
        RankingChoice.Outcome outcome = RankingChoice.choose(List.of(
                new RankingChoice.Candidate("dominated", null, figures(0.40, 9)),
                new RankingChoice.Candidate("personal", null, figures(0.25, 4))), popularity);
        assertThat(outcome.ranking()).isEqualTo("personal");
        assertThat(outcome.reason()).contains("one product in 90% of its lists");

        // when popularity itself puts that product in most lists, it may be there
        RankingEvaluation.Figures popular = figures(0.20, 8);
        assertThat(RankingChoice.choose(List.of(new RankingChoice.Candidate("dominated", null, figures(0.40, 9))), popular)
                .ranking()).isEqualTo("dominated");
    }
}
