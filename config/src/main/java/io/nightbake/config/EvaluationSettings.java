package io.nightbake.config;

/**
 * How ranking metrics are computed on the holdout, beside RMSE.
 *
 * @param k              precision@K, recall@K and NDCG@K look at each customer's top {@code k} products
 * @param relevantRating for explicit ratings (event type {@code rating}), a held-out product is relevant when rated at
 *                       least this; for implicit feedback (any other event type) every held-out product is relevant
 * @param maxCustomers   ranking metrics look at most at this many customers (a seeded random sample when a holdout has
 *                       more), which bounds their cost on large tenants: each customer is scored against every product
 */
public record EvaluationSettings(int k, double relevantRating, int maxCustomers) implements java.io.Serializable {

    public EvaluationSettings(int k, double relevantRating) {
        this(k, relevantRating, 5000);
    }
}
