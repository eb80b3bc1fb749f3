package io.nightbake.retrain.pipeline;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.train.FeatureEncoder;
import java.util.Map;

/** Holdout metrics. Champion and challenger are always scored on the very same rows. */
public final class Evaluation {

    private Evaluation() {
    }

    public static double rmse(FactorizationMachine model, TenantDataset data, FeatureEncoder encoder, int[] rows) {
        Map<String, Integer> index = model.featureIndex();
        int[][] customers = encoder.customerIndices(data, index);
        int[][] products = encoder.productIndices(data, index);
        double sum = 0;
        for (int row : rows) {
            int[] c = customers[data.customer(row)];
            int[] p = products[data.product(row)];
            int[] features = new int[c.length + p.length];
            System.arraycopy(c, 0, features, 0, c.length);
            System.arraycopy(p, 0, features, c.length, p.length);
            double error = model.predict(features) - data.value(row);
            sum += error * error;
        }
        return Math.sqrt(sum / rows.length);
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
}
