package io.nightbake.retrain.train;

import io.nightbake.retrain.data.FeedbackKind;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Implicit-feedback matrix factorization by alternating least squares with confidence weights (Hu, Koren and Volinsky,
 * "Collaborative Filtering for Implicit Feedback Datasets", 2008): every (customer, product) pair is a target, 1 when
 * the customer took the product in training and 0 otherwise, weighted by confidence {@code 1 + alpha * strength}
 * for the pairs taken (strength 1 for a rating, whatever its value: the model learns who rates what; the interaction's
 * value for implicit feedback, e.g. log1p(quantity)) and 1 for the rest. Each half-step solves every customer's (then
 * every product's) regularised weighted least squares with a few conjugate-gradient steps warm-started from the
 * previous solution (Takacs, Pilaszy and Tikk, 2011), so a sweep costs O(nnz * rank + rows * rank^2), not rank^3 per row.
 *
 * <p>The result is a {@link FactorizationMachine} over the customer and product id features with zero weights and
 * zero global bias, so {@code score(c, p) = <x_c, y_p>} (about 1 for a likely interaction, about 0 otherwise), and it
 * exports and folds like every other model.
 *
 * <p>Written here rather than taken from a library: Spark MLlib's ALS (implicitPrefs) is the well-kept Java/Scala
 * implementation, but it needs a Spark job per fit (2-6 s each on MovieLens-100K here) while a night retrains
 * thousands of small tenants in-process; Tribuo, Smile and EJML have no implicit ALS. The solver is 100 lines of
 * primitive arrays and deterministic for a seed.
 */
public final class ImplicitAlsTrainer implements Trainer {

    public static final String ALGORITHM = "implicit-als";
    public static final String LIBRARY_VERSION = "nightbake-implicit-als=1";

    private final int factors;
    private final int iterations;
    private final double regularization;
    private final double alpha;
    private final int cgSteps;
    private final long seed;
    private final double halfLifeDays;

    public ImplicitAlsTrainer(int factors, int iterations, double regularization, double alpha, int cgSteps, long seed) {
        this(factors, iterations, regularization, alpha, cgSteps, seed, 0);
    }

    /**
     * @param halfLifeDays when positive, an interaction's confidence above 1 halves every this many days before the
     *                     newest training interaction (recent purchases say more about the next ones); 0 turns it off
     */
    public ImplicitAlsTrainer(int factors, int iterations, double regularization, double alpha, int cgSteps, long seed,
                              double halfLifeDays) {
        if (factors < 1 || iterations < 1 || cgSteps < 1 || regularization < 0 || alpha < 0) {
            throw new IllegalArgumentException("implicit ALS needs factors, iterations and cg-steps >= 1 and non-negative "
                    + "regularization and alpha");
        }
        this.factors = factors;
        this.iterations = iterations;
        this.regularization = regularization;
        this.alpha = alpha;
        this.cgSteps = cgSteps;
        this.seed = seed;
        this.halfLifeDays = halfLifeDays;
    }

    @Override
    public String algorithm() {
        return ALGORITHM;
    }

    @Override
    public String libraryVersion() {
        return LIBRARY_VERSION;
    }

    /** The settings as recorded in lineage. */
    public String hyperParameters() {
        return "factors=" + factors + ", iterations=" + iterations + ", regularization=" + regularization + ", alpha="
                + alpha + ", cg-steps=" + cgSteps + ", half-life-days=" + halfLifeDays + ", seed=" + seed;
    }

    @Override
    public FactorizationMachine train(TenantDataset data, FeatureEncoder encoder, int[] trainRows) {
        boolean ratings = FeedbackKind.of(data, trainRows) == FeedbackKind.EXPLICIT;
        // the customers and products of training, in order of first appearance; a pair taken twice adds its strengths
        int[] customerSlot = new int[data.customerCount()];
        int[] productSlot = new int[data.productCount()];
        Arrays.fill(customerSlot, -1);
        Arrays.fill(productSlot, -1);
        List<Integer> customers = new ArrayList<>();
        List<Integer> products = new ArrayList<>();
        long[] pairs = new long[trainRows.length];
        double[] strength = new double[trainRows.length];
        for (int r = 0; r < trainRows.length; r++) {
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
            pairs[r] = (long) customerSlot[c] << 32 | productSlot[p];
        }
        int nu = customers.size();
        int ni = products.size();
        long newest = Long.MIN_VALUE;
        for (int row : trainRows) {
            newest = Math.max(newest, data.eventTimeMicros(row));
        }
        double perMicro = halfLifeDays > 0 ? Math.log(2) / (halfLifeDays * 86_400e6) : 0;
        Integer[] order = new Integer[trainRows.length];
        for (int r = 0; r < order.length; r++) {
            order[r] = r;
        }
        Arrays.sort(order, (a, b) -> Long.compare(pairs[a], pairs[b]));
        // CSR by customer over distinct pairs, confidence - 1 stored (the part above the unobserved pairs' weight 1)
        int[] userStart = new int[nu + 1];
        int[] userItems = new int[trainRows.length];
        float[] userExtra = new float[trainRows.length];
        int nnz = 0;
        long last = -1;
        for (Integer r : order) {
            long key = pairs[r];
            double s = (ratings ? 1.0 : Math.max(0.0, data.value(trainRows[r])))
                    * (perMicro == 0 ? 1.0 : Math.exp(-perMicro * (newest - data.eventTimeMicros(trainRows[r]))));
            if (key == last) {
                if (!ratings) {
                    userExtra[nnz - 1] += (float) (alpha * s);
                }
                continue;
            }
            last = key;
            userItems[nnz] = (int) key;
            userExtra[nnz] = (float) (alpha * s);
            userStart[(int) (key >>> 32) + 1]++;
            nnz++;
        }
        for (int u = 0; u < nu; u++) {
            userStart[u + 1] += userStart[u];
        }
        // the transpose: CSR by product
        int[] itemStart = new int[ni + 1];
        for (int e = 0; e < nnz; e++) {
            itemStart[userItems[e] + 1]++;
        }
        for (int i = 0; i < ni; i++) {
            itemStart[i + 1] += itemStart[i];
        }
        int[] itemUsers = new int[nnz];
        float[] itemExtra = new float[nnz];
        int[] fill = Arrays.copyOf(itemStart, ni);
        for (int u = 0; u < nu; u++) {
            for (int e = userStart[u]; e < userStart[u + 1]; e++) {
                int at = fill[userItems[e]]++;
                itemUsers[at] = u;
                itemExtra[at] = userExtra[e];
            }
        }

        int k = factors;
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[nu * k];
        float[] y = new float[ni * k];
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) (0.01 * BiasedMatrixFactorizationTrainer.gaussian(rng));
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.01 * BiasedMatrixFactorizationTrainer.gaussian(rng));
        }
        double[] gram = new double[k * k];
        double[] scratch = new double[4 * k];
        for (int it = 0; it < iterations; it++) {
            gramian(y, ni, k, gram);
            for (int u = 0; u < nu; u++) {
                solve(x, u, y, userItems, userExtra, userStart[u], userStart[u + 1], gram, k, scratch);
            }
            gramian(x, nu, k, gram);
            for (int i = 0; i < ni; i++) {
                solve(y, i, x, itemUsers, itemExtra, itemStart[i], itemStart[i + 1], gram, k, scratch);
            }
        }

        List<String> names = new ArrayList<>(nu + ni);
        float[] all = new float[(nu + ni) * k];
        for (int u = 0; u < nu; u++) {
            names.add(FeatureEncoder.customerIdFeature(data, customers.get(u)));
        }
        System.arraycopy(x, 0, all, 0, nu * k);
        for (int i = 0; i < ni; i++) {
            names.add(FeatureEncoder.productIdFeature(data, products.get(i)));
        }
        System.arraycopy(y, 0, all, nu * k, ni * k);
        return new FactorizationMachine(names, k, 0.0, new float[nu + ni], all, 0.0, 1.0);
    }

    /** out = Y^T Y + regularization * I over the {@code rows} rows of {@code y}. */
    private void gramian(float[] y, int rows, int k, double[] out) {
        Arrays.fill(out, 0);
        for (int r = 0; r < rows; r++) {
            int o = r * k;
            for (int a = 0; a < k; a++) {
                double va = y[o + a];
                if (va == 0) {
                    continue;
                }
                int row = a * k;
                for (int b = a; b < k; b++) {
                    out[row + b] += va * y[o + b];
                }
            }
        }
        for (int a = 0; a < k; a++) {
            out[a * k + a] += regularization;
            for (int b = 0; b < a; b++) {
                out[a * k + b] = out[b * k + a];
            }
        }
    }

    /**
     * A few conjugate-gradient steps on (G + sum_e extra_e y_e y_e^T) x = sum_e (1 + extra_e) y_e for row {@code row} of
     * {@code target}, starting from its current value.
     */
    private void solve(float[] target, int row, float[] other, int[] index, float[] extra, int from, int to, double[] gram,
                       int k, double[] scratch) {
        int t = row * k;
        double[] r = scratch;      // [0, k)
        int p = k;                 // p at [k, 2k), ap at [2k, 3k), x at [3k, 4k)
        int ap = 2 * k;
        int xs = 3 * k;
        for (int f = 0; f < k; f++) {
            scratch[xs + f] = target[t + f];
        }
        // r = b - A x
        multiply(scratch, xs, r, 0, other, index, extra, from, to, gram, k);
        for (int f = 0; f < k; f++) {
            r[f] = -r[f];
        }
        for (int e = from; e < to; e++) {
            int o = index[e] * k;
            double c = 1 + extra[e];
            for (int f = 0; f < k; f++) {
                r[f] += c * other[o + f];
            }
        }
        double rsOld = 0;
        for (int f = 0; f < k; f++) {
            scratch[p + f] = r[f];
            rsOld += r[f] * r[f];
        }
        for (int step = 0; step < cgSteps && rsOld > 1e-20; step++) {
            multiply(scratch, p, scratch, ap, other, index, extra, from, to, gram, k);
            double pAp = 0;
            for (int f = 0; f < k; f++) {
                pAp += scratch[p + f] * scratch[ap + f];
            }
            if (!(pAp > 0)) {
                break;
            }
            double a = rsOld / pAp;
            double rsNew = 0;
            for (int f = 0; f < k; f++) {
                scratch[xs + f] += a * scratch[p + f];
                r[f] -= a * scratch[ap + f];
                rsNew += r[f] * r[f];
            }
            double beta = rsNew / rsOld;
            for (int f = 0; f < k; f++) {
                scratch[p + f] = r[f] + beta * scratch[p + f];
            }
            rsOld = rsNew;
        }
        for (int f = 0; f < k; f++) {
            target[t + f] = (float) scratch[xs + f];
        }
    }

    /** out[o..o+k) = (G + sum_e extra_e y_e y_e^T) v[v0..v0+k). */
    private static void multiply(double[] v, int v0, double[] out, int o, float[] other, int[] index, float[] extra,
                                 int from, int to, double[] gram, int k) {
        for (int a = 0; a < k; a++) {
            double sum = 0;
            int row = a * k;
            for (int b = 0; b < k; b++) {
                sum += gram[row + b] * v[v0 + b];
            }
            out[o + a] = sum;
        }
        for (int e = from; e < to; e++) {
            int y0 = index[e] * k;
            double dot = 0;
            for (int f = 0; f < k; f++) {
                dot += other[y0 + f] * v[v0 + f];
            }
            dot *= extra[e];
            for (int f = 0; f < k; f++) {
                out[o + f] += dot * other[y0 + f];
            }
        }
    }
}
