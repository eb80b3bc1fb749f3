package io.nightbake.config;

/**
 * How a challenger is judged: the metric computed on the holdout (lower is better for RMSE)
 * and the margin by which it must beat the champion to be promoted.
 */
public record GateSettings(String metric, double promotionMargin) {
    public static final String RMSE = "rmse";
}
