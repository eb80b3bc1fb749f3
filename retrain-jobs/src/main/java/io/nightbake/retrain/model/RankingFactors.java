package io.nightbake.retrain.model;

import java.util.List;

/**
 * A trained model folded into the form that ranking needs: for customer c and product p,
 * {@code score(c, p) = customerBias[c] + productBias[p] + dot(customerFactors[c], productFactors[p])}.
 * Side features (customer region, product category) are already folded into the rows.
 * Factor arrays are row-major: row i occupies {@code [i * rank, (i + 1) * rank)}.
 */
public record RankingFactors(
        List<String> customerIds,
        List<String> productIds,
        int rank,
        float[] customerFactors,
        float[] customerBias,
        float[] productFactors,
        float[] productBias) {

    public RankingFactors {
        customerIds = List.copyOf(customerIds);
        productIds = List.copyOf(productIds);
        if (customerFactors.length != customerIds.size() * rank || customerBias.length != customerIds.size()) {
            throw new IllegalArgumentException("customer arrays do not match " + customerIds.size() + " customers x rank " + rank);
        }
        if (productFactors.length != productIds.size() * rank || productBias.length != productIds.size()) {
            throw new IllegalArgumentException("product arrays do not match " + productIds.size() + " products x rank " + rank);
        }
    }

    public int customerCount() {
        return customerIds.size();
    }

    public int productCount() {
        return productIds.size();
    }

    /** The model's score for one pair, computed directly (the reference the ONNX graph must match). */
    public float score(int customer, int product) {
        double sum = customerBias[customer] + productBias[product];
        int c = customer * rank;
        int p = product * rank;
        for (int f = 0; f < rank; f++) {
            sum += (double) customerFactors[c + f] * productFactors[p + f];
        }
        return (float) sum;
    }
}
