package io.nightbake.config;

import java.util.List;

/**
 * How a challenger is judged against the champion on the same holdout rows.
 *
 * @param metric          {@value #RMSE} (lower is better), {@value #NDCG} or {@value #PRECISION} (at the evaluation K,
 *                        higher is better)
 * @param promotionMargin the least improvement that promotes, in the metric's units ({@value #ABSOLUTE}) or as a share
 *                        of the champion's figure ({@value #RELATIVE}, e.g. 0.01 = 1%)
 * @param marginType      {@value #ABSOLUTE} or {@value #RELATIVE}
 * @param pairedTest      {@value #NO_TEST}, {@value #BOOTSTRAP} (paired bootstrap of the per-customer differences) or
 *                        {@value #T_TEST} (paired t-test on them): when not {@value #NO_TEST}, the improvement must also be
 *                        significant at {@code confidence}
 * @param confidence      e.g. 0.95: the one-sided confidence that the challenger is better
 * @param bootstrapSamples resamples of the paired bootstrap
 */
public record GateSettings(String metric, double promotionMargin, String marginType, String pairedTest, double confidence,
                           int bootstrapSamples) implements java.io.Serializable {

    public static final String RMSE = "rmse";
    public static final String NDCG = "ndcg";
    public static final String PRECISION = "precision";
    public static final List<String> METRICS = List.of(RMSE, NDCG, PRECISION);

    public static final String ABSOLUTE = "absolute";
    public static final String RELATIVE = "relative";
    public static final List<String> MARGIN_TYPES = List.of(ABSOLUTE, RELATIVE);

    public static final String NO_TEST = "none";
    public static final String BOOTSTRAP = "bootstrap";
    public static final String T_TEST = "t-test";
    public static final List<String> PAIRED_TESTS = List.of(NO_TEST, BOOTSTRAP, T_TEST);

    /** An absolute margin and no significance test. */
    public GateSettings(String metric, double promotionMargin) {
        this(metric, promotionMargin, ABSOLUTE, NO_TEST, 0.95, 1000);
    }

    public boolean lowerIsBetter() {
        return RMSE.equals(metric);
    }
}
