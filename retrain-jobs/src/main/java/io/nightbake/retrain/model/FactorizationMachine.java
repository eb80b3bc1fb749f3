package io.nightbake.retrain.model;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained factorization machine over one-hot features, independent of the library that trained it:
 * {@code y = outputShift + outputScale * (bias + sum_j w_j + sum_{j<k} <v_j, v_k>)} over the features present.
 * Features the model never saw contribute nothing, which is how a new customer or product is still scored
 * from its side features. This is what a model version stores and what the champion is evaluated with.
 *
 * @param factors row-major [features x rank]
 */
public record FactorizationMachine(
        List<String> featureNames,
        int rank,
        double bias,
        float[] weights,
        float[] factors,
        double outputShift,
        double outputScale) {

    private static final int FORMAT = 1;

    public FactorizationMachine {
        featureNames = List.copyOf(featureNames);
        if (weights.length != featureNames.size() || factors.length != featureNames.size() * rank) {
            throw new IllegalArgumentException("weights/factors do not match " + featureNames.size() + " features x rank " + rank);
        }
    }

    /** Whether every parameter is a finite number (a training that diverged leaves NaN or infinities). */
    public boolean isFinite() {
        if (!Double.isFinite(bias) || !Double.isFinite(outputShift) || !Double.isFinite(outputScale)) {
            return false;
        }
        for (float w : weights) {
            if (!Float.isFinite(w)) {
                return false;
            }
        }
        for (float f : factors) {
            if (!Float.isFinite(f)) {
                return false;
            }
        }
        return true;
    }

    /** Maps feature names to indices; build once and reuse, it is not cached on the record. */
    public Map<String, Integer> featureIndex() {
        Map<String, Integer> index = new HashMap<>(featureNames.size() * 2);
        for (int i = 0; i < featureNames.size(); i++) {
            index.put(featureNames.get(i), i);
        }
        return index;
    }

    /** Predicts from feature indices; negative indices (unknown features) are skipped. */
    public double predict(int... features) {
        return outputShift + outputScale * (bias + terms(features, null, 0, 0));
    }

    /**
     * Folds the model into per-customer and per-product rows for ranking. Each customer (product) is
     * described by the indices of its features (its own id feature plus side features; -1 when unknown).
     * For one-hot features the FM splits exactly into a customer part, a product part and their dot product.
     */
    public RankingFactors fold(List<String> customerIds, int[][] customerFeatures, List<String> productIds, int[][] productFeatures) {
        float[] customerFactors = new float[customerIds.size() * rank];
        float[] customerBias = new float[customerIds.size()];
        for (int c = 0; c < customerIds.size(); c++) {
            // the global bias and the output shift go with the customer side
            customerBias[c] = (float) (outputShift + outputScale * bias + foldGroup(customerFeatures[c], customerFactors, c, outputScale));
        }
        float[] productFactors = new float[productIds.size() * rank];
        float[] productBias = new float[productIds.size()];
        for (int p = 0; p < productIds.size(); p++) {
            productBias[p] = (float) foldGroup(productFeatures[p], productFactors, p, 1.0);
        }
        return new RankingFactors(customerIds, productIds, rank, customerFactors, customerBias, productFactors, productBias);
    }

    /**
     * Writes sum_j v_j (times {@code factorScale}) into row {@code row} of {@code out} and returns the group's own
     * contribution outputScale * (sum_j w_j + sum_{j<k in group} <v_j, v_k>).
     */
    private double foldGroup(int[] features, float[] out, int row, double factorScale) {
        return outputScale * terms(features, out, row * rank, factorScale);
    }

    /**
     * sum_j w_j + sum_{j<k} <v_j, v_k> over the present features (negative indices are absent); when {@code sums} is
     * not null, also writes sum_j v_j (times {@code sumScale}) into {@code sums[offset .. offset + rank)}.
     */
    private double terms(int[] features, float[] sums, int offset, double sumScale) {
        double own = 0;
        for (int feature : features) {
            if (feature >= 0) {
                own += weights[feature];
            }
        }
        double pairwise = 0;
        for (int f = 0; f < rank; f++) {
            double sum = 0;
            double sumOfSquares = 0;
            for (int feature : features) {
                if (feature >= 0) {
                    double v = factors[feature * rank + f];
                    sum += v;
                    sumOfSquares += v * v;
                }
            }
            pairwise += sum * sum - sumOfSquares;
            if (sums != null) {
                sums[offset + f] = (float) (sum * sumScale);
            }
        }
        return own + pairwise / 2;
    }

    public void write(OutputStream stream) throws IOException {
        DataOutputStream out = new DataOutputStream(stream);
        out.writeInt(FORMAT);
        out.writeInt(featureNames.size());
        out.writeInt(rank);
        out.writeDouble(bias);
        out.writeDouble(outputShift);
        out.writeDouble(outputScale);
        for (String name : featureNames) {
            out.writeUTF(name);
        }
        for (float w : weights) {
            out.writeFloat(w);
        }
        for (float v : factors) {
            out.writeFloat(v);
        }
        out.flush();
    }

    public static FactorizationMachine read(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("unsupported factorization machine format " + format);
        }
        int features = in.readInt();
        int rank = in.readInt();
        double bias = in.readDouble();
        double shift = in.readDouble();
        double scale = in.readDouble();
        String[] names = new String[features];
        for (int i = 0; i < features; i++) {
            names[i] = in.readUTF();
        }
        float[] weights = new float[features];
        for (int i = 0; i < features; i++) {
            weights[i] = in.readFloat();
        }
        float[] factors = new float[features * rank];
        for (int i = 0; i < factors.length; i++) {
            factors[i] = in.readFloat();
        }
        return new FactorizationMachine(List.of(names), rank, bias, weights, factors, shift, scale);
    }
}
