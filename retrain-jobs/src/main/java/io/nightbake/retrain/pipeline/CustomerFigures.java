package io.nightbake.retrain.pipeline;

/**
 * One metric of one model on a holdout, kept per customer so that two models scored on the same holdout can be
 * compared customer by customer (paired tests). For customer {@code i}, {@code sums[i] / counts[i]} is its own
 * figure; the overall figure pools them: {@code sqrt(sum(sums) / sum(counts))} for RMSE (sums of squared errors over
 * rows), {@code sum(sums) / sum(counts)} for ranking metrics (one per customer, count 1).
 *
 * @param customers dataset customer indices, ascending; two figures of the same holdout have the same customers
 */
public record CustomerFigures(String metric, int[] customers, double[] sums, double[] counts) {

    public static final String RMSE = "rmse";
    public static final String PRECISION = "precision";
    public static final String RECALL = "recall";
    public static final String NDCG = "ndcg";

    public CustomerFigures {
        if (customers.length != sums.length || sums.length != counts.length) {
            throw new IllegalArgumentException("customers, sums and counts must have the same length");
        }
    }

    public int size() {
        return customers.length;
    }

    public boolean lowerIsBetter() {
        return RMSE.equals(metric);
    }

    /** The pooled figure; NaN when there are no customers. */
    public double value() {
        double sum = 0;
        double count = 0;
        for (int i = 0; i < sums.length; i++) {
            sum += sums[i];
            count += counts[i];
        }
        return pooled(sum, count);
    }

    /** The pooled figure over the customers at positions {@code picks} (repeats allowed: a bootstrap resample). */
    public double value(int[] picks) {
        double sum = 0;
        double count = 0;
        for (int i : picks) {
            sum += sums[i];
            count += counts[i];
        }
        return pooled(sum, count);
    }

    /** Customer {@code i}'s own figure (mean squared error for RMSE). */
    public double perCustomer(int i) {
        return sums[i] / counts[i];
    }

    /** The total weight (holdout rows for RMSE, customers for ranking metrics). */
    public double totalCount() {
        double count = 0;
        for (double c : counts) {
            count += c;
        }
        return count;
    }

    private double pooled(double sum, double count) {
        if (count == 0) {
            return Double.NaN;
        }
        return RMSE.equals(metric) ? Math.sqrt(sum / count) : sum / count;
    }
}
