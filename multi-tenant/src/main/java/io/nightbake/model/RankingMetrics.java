package io.nightbake.model;

/**
 * Top-K ranking quality of one model on a holdout, averaged over the customers that have at least one relevant
 * held-out product they had not taken in training. Each customer's candidates are all products except those
 * the customer took in training.
 *
 * @param k         the list length
 * @param customers how many customers the averages are over
 * @param precision mean of hits / k
 * @param recall    mean of hits / (the customer's relevant products)
 * @param ndcg      mean of DCG@k / ideal DCG@k, binary gains
 */
public record RankingMetrics(int k, int customers, double precision, double recall, double ndcg) implements java.io.Serializable {
}
