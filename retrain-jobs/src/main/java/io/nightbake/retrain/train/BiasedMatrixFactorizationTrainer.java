package io.nightbake.retrain.train;

import io.nightbake.config.AlgorithmSettings;
import io.nightbake.retrain.data.FeedbackKind;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Biased matrix factorization (Funk-SVD with biases) trained by stochastic gradient descent on primitive arrays
 * (biases in double, factors in float: half the memory traffic, same accuracy):
 * {@code r(u, i) ~ mu + b_u + b_i + <p_u, q_i>}, minimising squared error plus
 * {@code regularization * (|p_u|^2 + |q_i|^2) + biasRegularization * (b_u^2 + b_i^2)} one interaction at a time,
 * in an order reshuffled every epoch, with the learning rate multiplied by {@code learningRateDecay} after each epoch.
 *
 * <p>The result is a {@link FactorizationMachine} over the customer and product id features only (global bias
 * {@code mu}, per-feature weight = the customer's or product's bias, per-feature factors), so ONNX export,
 * folding and evaluation work unchanged. Side features (region, category) are not used: a customer or product
 * unseen in training scores from the biases it has (the global mean and the other side's bias).
 *
 * <p><b>Implicit feedback.</b> When {@code negativeSamples > 0} and the training rows are implicit (their event type is
 * not {@value FeedbackKind#RATING_EVENT}), each observed interaction is followed by {@code negativeSamples} products drawn uniformly from
 * the tenant's trained products that the customer has not interacted with in training, fitted towards 0. The model
 * then scores "will this customer take this product, and how strongly", which is what ranking needs; on explicit
 * ratings sampling is never applied.
 *
 * <p>Deterministic: one {@link SplittableRandom} seeded from {@code seed} drives initialisation, shuffling and sampling,
 * and the arithmetic runs in a fixed order, so the same seed and rows give the same model bit for bit.
 */
public final class BiasedMatrixFactorizationTrainer implements Trainer {

    private final AlgorithmSettings settings;

    public BiasedMatrixFactorizationTrainer(AlgorithmSettings settings) {
        this.settings = settings;
    }

    @Override
    public String algorithm() {
        return AlgorithmSettings.BIASED_MF;
    }

    @Override
    public String libraryVersion() {
        return "nightbake-sgd-mf=1";
    }

    @Override
    public FactorizationMachine train(TenantDataset data, FeatureEncoder encoder, int[] trainRows) {
        int n = trainRows.length;
        if (n == 0) {
            throw new IllegalArgumentException("tenant '" + data.tenant() + "': no training rows");
        }
        // dense local numbering of the customers and products that occur in training, in order of first appearance
        int[] customerSlot = new int[data.customerCount()];
        int[] productSlot = new int[data.productCount()];
        Arrays.fill(customerSlot, -1);
        Arrays.fill(productSlot, -1);
        int[] users = new int[n];
        int[] items = new int[n];
        double[] values = new double[n];
        List<Integer> customers = new ArrayList<>();
        List<Integer> products = new ArrayList<>();
        double sum = 0;
        for (int r = 0; r < n; r++) {
            int row = trainRows[r];
            int c = data.customer(row);
            int p = data.product(row);
            if (customerSlot[c] < 0) {
                customerSlot[c] = customers.size();
                customers.add(c);
            }
            if (productSlot[p] < 0) {
                productSlot[p] = products.size();
                products.add(p);
            }
            users[r] = customerSlot[c];
            items[r] = productSlot[p];
            values[r] = data.value(row);
            sum += values[r];
        }
        int nu = customers.size();
        int ni = products.size();
        int k = settings.factors();
        int negatives = settings.negativeSamples() > 0 && ni > 1
                && FeedbackKind.of(data, trainRows) == FeedbackKind.IMPLICIT ? settings.negativeSamples() : 0;
        // with sampled negatives the model scores "taken or not": an unknown product (no bias, no factors) must then
        // score like one never taken, 0, so the global bias stays 0 and the biases carry the levels
        double mu = negatives > 0 ? 0.0 : sum / n;

        SplittableRandom rng = new SplittableRandom(settings.seed());
        double[] bu = new double[nu];
        double[] bi = new double[ni];
        float[] pu = gaussian(rng, nu * k, settings.initStd());
        float[] qi = gaussian(rng, ni * k, settings.initStd());

        long[] seen = negatives > 0 ? seenPairs(users, items, ni) : null;

        double lr = settings.learningRate();
        double reg = settings.regularization();
        double regBias = settings.biasRegularization();
        int[] order = new int[n];
        for (int r = 0; r < n; r++) {
            order[r] = r;
        }
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            shuffle(order, rng);
            for (int r : order) {
                int u = users[r];
                step(u, items[r], values[r], mu, bu, bi, pu, qi, k, lr, reg, regBias);
                for (int s = 0; s < negatives; s++) {
                    int j = rng.nextInt(ni);
                    if (Arrays.binarySearch(seen, (long) u * ni + j) < 0) {
                        step(u, j, 0.0, mu, bu, bi, pu, qi, k, lr, reg, regBias);
                    }
                }
            }
            lr *= settings.learningRateDecay();
        }
        return toModel(data, encoder, customers, products, mu, bu, bi, pu, qi, k);
    }

    /** One SGD step on the pair (u, i) towards {@code target}. */
    private static void step(int u, int i, double target, double mu, double[] bu, double[] bi, float[] pu, float[] qi,
                             int k, double lr, double reg, double regBias) {
        int uo = u * k;
        int io = i * k;
        // four partial sums: a shorter dependency chain, still a fixed order
        float d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        int f = 0;
        for (; f + 3 < k; f += 4) {
            d0 += pu[uo + f] * qi[io + f];
            d1 += pu[uo + f + 1] * qi[io + f + 1];
            d2 += pu[uo + f + 2] * qi[io + f + 2];
            d3 += pu[uo + f + 3] * qi[io + f + 3];
        }
        for (; f < k; f++) {
            d0 += pu[uo + f] * qi[io + f];
        }
        double err = target - (mu + bu[u] + bi[i] + ((d0 + d1) + (d2 + d3)));
        bu[u] += lr * (err - regBias * bu[u]);
        bi[i] += lr * (err - regBias * bi[i]);
        float le = (float) (lr * err);
        float decay = (float) (1 - lr * reg);
        for (f = 0; f < k; f++) {
            float p = pu[uo + f];
            float q = qi[io + f];
            pu[uo + f] = decay * p + le * q;
            qi[io + f] = decay * q + le * p;
        }
    }

    /** Sorted keys {@code u * ni + i} of the observed pairs, for rejecting sampled negatives the customer has taken. */
    private static long[] seenPairs(int[] users, int[] items, int ni) {
        long[] keys = new long[users.length];
        for (int r = 0; r < keys.length; r++) {
            keys[r] = (long) users[r] * ni + items[r];
        }
        Arrays.sort(keys);
        return keys;
    }

    private static FactorizationMachine toModel(TenantDataset data, FeatureEncoder encoder, List<Integer> customers,
                                                List<Integer> products, double mu, double[] bu, double[] bi,
                                                float[] pu, float[] qi, int k) {
        int nu = customers.size();
        int ni = products.size();
        List<String> names = new ArrayList<>(nu + ni);
        float[] weights = new float[nu + ni];
        float[] factors = new float[(nu + ni) * k];
        for (int u = 0; u < nu; u++) {
            names.add(FeatureEncoder.customerIdFeature(data, customers.get(u)));
            weights[u] = (float) bu[u];
            for (int f = 0; f < k; f++) {
                factors[u * k + f] = pu[u * k + f];
            }
        }
        for (int i = 0; i < ni; i++) {
            names.add(FeatureEncoder.productIdFeature(data, products.get(i)));
            weights[nu + i] = (float) bi[i];
            for (int f = 0; f < k; f++) {
                factors[(nu + i) * k + f] = qi[i * k + f];
            }
        }
        return new FactorizationMachine(names, k, mu, weights, factors, 0.0, 1.0);
    }

    private static float[] gaussian(SplittableRandom rng, int size, double std) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (std * gaussian(rng));
        }
        return values;
    }

    /** A standard normal draw (Box-Muller with StrictMath, so it is the same on every JVM). */
    static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(1 - u1)) * StrictMath.cos(2 * Math.PI * u2);
    }

    private static void shuffle(int[] order, SplittableRandom rng) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
