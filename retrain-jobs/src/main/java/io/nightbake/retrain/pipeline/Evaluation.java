package io.nightbake.retrain.pipeline;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.train.FeatureEncoder;
import java.util.Arrays;
import java.util.Map;

/** Holdout metrics. Champion and challenger are always scored on the very same rows. */
public final class Evaluation {

    private Evaluation() {
    }

    public static double rmse(FactorizationMachine model, TenantDataset data, FeatureEncoder encoder, int[] rows) {
        return rmseByCustomer(model, data, encoder, rows).value();
    }

    /** Squared errors on {@code rows}, summed per customer (customers in ascending index order). */
    public static CustomerFigures rmseByCustomer(FactorizationMachine model, TenantDataset data, FeatureEncoder encoder,
                                                 int[] rows) {
        Map<String, Integer> index = model.featureIndex();
        int[][] customers = encoder.customerIndices(data, index);
        int[][] products = encoder.productIndices(data, index);
        double[] squared = new double[data.customerCount()];
        double[] count = new double[data.customerCount()];
        for (int row : rows) {
            int c = data.customer(row);
            int[] cf = customers[c];
            int[] pf = products[data.product(row)];
            int[] features = Arrays.copyOf(cf, cf.length + pf.length);
            System.arraycopy(pf, 0, features, cf.length, pf.length);
            double error = model.predict(features) - data.value(row);
            squared[c] += error * error;
            count[c]++;
        }
        return compact(CustomerFigures.RMSE, squared, count);
    }

    /** RMSE of predicting the training rows' mean for every holdout row: the bar a first model must clear. */
    public static double globalMeanBaselineRmse(TenantDataset data, int[] trainRows, int[] holdoutRows) {
        double mean = 0;
        for (int row : trainRows) {
            mean += data.value(row);
        }
        mean /= trainRows.length;
        double sum = 0;
        for (int row : holdoutRows) {
            double error = mean - data.value(row);
            sum += error * error;
        }
        return Math.sqrt(sum / holdoutRows.length);
    }

    /** Keeps the customers with a non-zero count. */
    static CustomerFigures compact(String metric, double[] sums, double[] counts) {
        int n = 0;
        for (double c : counts) {
            if (c > 0) {
                n++;
            }
        }
        int[] customers = new int[n];
        double[] s = new double[n];
        double[] k = new double[n];
        int j = 0;
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] > 0) {
                customers[j] = c;
                s[j] = sums[c];
                k[j++] = counts[c];
            }
        }
        return new CustomerFigures(metric, customers, s, k);
    }
}
