package io.nightbake.retrain.train;

import io.nightbake.config.AlgorithmSettings;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import java.util.ArrayList;
import java.util.List;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.MutableDataset;
import org.tribuo.Tribuo;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.ImmutableRegressionInfo;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.sgd.fm.FMRegressionModel;
import org.tribuo.regression.sgd.fm.FMRegressionTrainer;
import org.tribuo.regression.sgd.objectives.SquaredLoss;

/**
 * Tribuo's factorization machine over one-hot customer, product and side features, trained with AdaGrad on
 * standardised targets. Minibatch size stays 1: larger minibatches throw in Tribuo 4.3.2's FMParameters.merge.
 */
public final class TribuoFmTrainer implements Trainer {

    private static final String OUTPUT = "value";

    private final AlgorithmSettings settings;

    public TribuoFmTrainer(AlgorithmSettings settings) {
        this.settings = settings;
    }

    @Override
    public String algorithm() {
        return AlgorithmSettings.TRIBUO_FM;
    }

    @Override
    public String libraryVersion() {
        return "tribuo=" + Tribuo.VERSION;
    }

    @Override
    public FactorizationMachine train(TenantDataset data, FeatureEncoder encoder, int[] trainRows) {
        return toFactorizationMachine(trainTribuoModel(data, encoder, trainRows));
    }

    /** Trains and returns Tribuo's own model (tests compare its predictions with the exported graph). */
    public FMRegressionModel trainTribuoModel(TenantDataset data, FeatureEncoder encoder, int[] trainRows) {
        MutableDataset<Regressor> dataset = new MutableDataset<>(
                new SimpleDataSourceProvenance("tenant " + data.tenant(), new RegressionFactory()), new RegressionFactory());
        List<List<String>> customerFeatures = new ArrayList<>(data.customerCount());
        for (int c = 0; c < data.customerCount(); c++) {
            customerFeatures.add(encoder.customerFeatures(data, c));
        }
        List<List<String>> productFeatures = new ArrayList<>(data.productCount());
        for (int p = 0; p < data.productCount(); p++) {
            productFeatures.add(encoder.productFeatures(data, p));
        }
        for (int row : trainRows) {
            dataset.add(example(customerFeatures.get(data.customer(row)), productFeatures.get(data.product(row)), data.value(row)));
        }
        FMRegressionTrainer trainer = new FMRegressionTrainer(new SquaredLoss(), new AdaGrad(settings.learningRate(), 1e-6),
                settings.epochs(), -1, 1, settings.seed(), settings.factors(), settings.initVariance(), true);
        return trainer.train(dataset);
    }

    /** An example made of one-hot features; Tribuo sorts and indexes them itself. */
    public static ArrayExample<Regressor> example(List<String> customerFeatures, List<String> productFeatures, double value) {
        int size = customerFeatures.size() + productFeatures.size();
        String[] names = new String[size];
        double[] ones = new double[size];
        int i = 0;
        for (String name : customerFeatures) {
            names[i] = name;
            ones[i++] = 1.0;
        }
        for (String name : productFeatures) {
            names[i] = name;
            ones[i++] = 1.0;
        }
        return new ArrayExample<>(new Regressor(OUTPUT, value), names, ones);
    }

    /** Copies Tribuo's parameters (bias, linear weights, factors, output standardisation) into our own model type. */
    public static FactorizationMachine toFactorizationMachine(FMRegressionModel model) {
        ImmutableFeatureMap featureMap = model.getFeatureIDMap();
        int features = featureMap.size();
        List<String> names = new ArrayList<>(features);
        for (int id = 0; id < features; id++) {
            names.add(featureMap.get(id).getName());
        }
        DenseMatrix linear = model.getLinearWeightsCopy();
        DenseMatrix factorMatrix = (DenseMatrix) model.getFactorsCopy()[0]; // [rank x features], one output
        int rank = factorMatrix.getDimension1Size();
        float[] weights = new float[features];
        float[] factors = new float[features * rank];
        for (int j = 0; j < features; j++) {
            weights[j] = (float) linear.get(0, j);
            for (int f = 0; f < rank; f++) {
                factors[j * rank + f] = (float) factorMatrix.get(f, j);
            }
        }
        // Tribuo un-standardises predictions as raw * variance + mean (see FMRegressionModel.predict).
        ImmutableRegressionInfo info = (ImmutableRegressionInfo) model.getOutputIDInfo();
        return new FactorizationMachine(names, rank, model.getBiasesCopy().get(0), weights, factors,
                info.getMean(0), info.getVariance(0));
    }
}
