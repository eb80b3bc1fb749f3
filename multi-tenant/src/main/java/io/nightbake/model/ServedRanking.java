package io.nightbake.model;

/**
 * What a model version publishes: the ranking its lists are ordered by, chosen on the holdout, and the ranking guard's
 * verdict (issue 9). Figures are on the holdout's evaluated customers, their top-K lists after the "exclude purchased"
 * rule.
 *
 * @param ranking the served score, e.g. {@code blend(implicit-als + 0.1 x biased-mf)}, {@code implicit-als} or
 *                {@code popularity}
 * @param reason why this ranking was published (the candidates' NDCG and the guard's verdict)
 * @param guard {@value #PASSED} when the published lists are the model's and at least as good as popularity's,
 *              {@value #POPULARITY} when the guard fell back to the popularity lists
 * @param coverage share of the catalogue that appears in some evaluated list
 * @param distinctProducts products that appear in some evaluated list
 * @param topProductShare share of the evaluated lists holding the most frequent product
 * @param trainedThroughMicros the newest interaction (event time, epoch microseconds) the exported model was fitted
 *                             on: a later night scores this version only on interactions newer than this
 */
public record ServedRanking(String ranking, String reason, String guard, Double ndcg, Double popularityNdcg,
                            Double coverage, Double popularityCoverage, Integer distinctProducts, Double topProductShare,
                            long trainedThroughMicros) implements java.io.Serializable {

    public static final String PASSED = "passed";
    public static final String POPULARITY = "popularity";
}
