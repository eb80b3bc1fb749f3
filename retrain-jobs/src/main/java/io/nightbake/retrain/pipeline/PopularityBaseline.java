package io.nightbake.retrain.pipeline;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.train.FeatureEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The popularity baseline: every customer gets the products most customers took in training. A product's
 * popularity score is the share of training customers who took it (0 when nobody did).
 *
 * <p>It is the bar the ranking metrics are read against, and the model of a tenant too small to train
 * ({@link #model}): a {@link FactorizationMachine} whose global bias is the training mean and whose product weights
 * are the popularity scores times {@value #SCORE_SCALE}, with rank 1 and zero factors, so it exports as a valid
 * ranking graph, ranks by popularity, and predicts the training mean to within {@value #SCORE_SCALE} (its RMSE is the
 * global-mean baseline's).
 */
public final class PopularityBaseline {

    /** The algorithm name recorded for a popularity model. */
    public static final String ALGORITHM = "popularity";
    public static final String LIBRARY_VERSION = "nightbake-popularity=1";
    static final double SCORE_SCALE = 1e-3;

    private final float[] scores;
    private final double mean;

    private PopularityBaseline(float[] scores, double mean) {
        this.scores = scores;
        this.mean = mean;
    }

    public static PopularityBaseline fit(TenantDataset data, int[] trainRows) {
        long[] pairs = new long[trainRows.length];
        double sum = 0;
        for (int i = 0; i < trainRows.length; i++) {
            int row = trainRows[i];
            pairs[i] = (long) data.product(row) * data.customerCount() + data.customer(row);
            sum += data.value(row);
        }
        Arrays.sort(pairs);
        int[] customersPerProduct = new int[data.productCount()];
        boolean[] customerSeen = new boolean[data.customerCount()];
        int trainingCustomers = 0;
        for (int i = 0; i < pairs.length; i++) {
            if (i == 0 || pairs[i] != pairs[i - 1]) {
                customersPerProduct[(int) (pairs[i] / data.customerCount())]++;
                int c = (int) (pairs[i] % data.customerCount());
                if (!customerSeen[c]) {
                    customerSeen[c] = true;
                    trainingCustomers++;
                }
            }
        }
        float[] scores = new float[data.productCount()];
        for (int p = 0; p < scores.length; p++) {
            scores[p] = trainingCustomers == 0 ? 0 : (float) (customersPerProduct[p] / (double) trainingCustomers);
        }
        return new PopularityBaseline(scores, trainRows.length == 0 ? 0 : sum / trainRows.length);
    }

    /** Popularity score per dataset product. */
    public float[] scores() {
        return scores.clone();
    }

    public RankingEvaluation.Scorer scorer() {
        return RankingEvaluation.scorer(scores);
    }

    /** The baseline as a model (see the class comment): products nobody took in training are left out (weight 0). */
    public FactorizationMachine model(TenantDataset data) {
        List<String> names = new ArrayList<>();
        List<Float> weights = new ArrayList<>();
        for (int p = 0; p < scores.length; p++) {
            if (scores[p] > 0) {
                names.add(FeatureEncoder.productIdFeature(data, p));
                weights.add((float) (scores[p] * SCORE_SCALE));
            }
        }
        float[] w = new float[weights.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = weights.get(i);
        }
        return new FactorizationMachine(names, 1, mean, w, new float[w.length], 0.0, 1.0);
    }
}
