package io.nightbake.retrain.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The served score of a ratings tenant as one {@link FactorizationMachine}, so the ONNX ranking graph, folding and
 * prebaking are unchanged:
 * <pre>
 *   score(c, p) = engage(c, p) + ratingWeight * s(p) * (rating(c, p) - mu)  +  tieBreak(p)
 *   s(p) = n(p) / (n(p) + shrinkage)          n(p): the product's training interactions
 * </pre>
 * {@code engage} is an implicit "will interact" model (about 1 when the customer is likely to take the product),
 * {@code rating} the rating model, {@code mu} its global mean; the rating model's part of a product (its bias and
 * factors) is shrunk towards nothing by its support, so a product with a handful of high ratings cannot top every
 * list. {@code tieBreak} is a tiny popularity prior (products' weights), which orders products for customers the
 * models know nothing about. The blend concatenates the two models' factor vectors (rank = sum of ranks), the
 * rating side's customer factors scaled by the weight; customer-only terms (ranking-neutral) are dropped.
 */
public final class RankingBlend {

    private static final String PRODUCT_PREFIX = "product=";

    private RankingBlend() {
    }

    /**
     * @param engage   the implicit model (customer and product id features only)
     * @param rating   the rating model (id features only), or null for the implicit model alone
     * @param support  training interactions of a product feature name (e.g. {@code product=p1})
     * @param tieBreak the additive prior of a product feature name
     */
    public static FactorizationMachine blend(FactorizationMachine engage, FactorizationMachine rating, double ratingWeight,
                                             double shrinkage, ToDoubleFunction<String> support,
                                             ToDoubleFunction<String> tieBreak) {
        if (engage.outputScale() != 1.0) {
            throw new IllegalArgumentException("the implicit model of a blend must have output scale 1, was "
                    + engage.outputScale());
        }
        int ke = engage.rank();
        int kr = rating == null || ratingWeight == 0 ? 0 : rating.rank();
        int rank = ke + kr;
        List<String> names = new ArrayList<>(engage.featureNames());
        Map<String, Integer> index = new HashMap<>(names.size() * 2);
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
        }
        if (kr > 0) {
            for (String name : rating.featureNames()) {
                if (!index.containsKey(name)) {
                    index.put(name, names.size());
                    names.add(name);
                }
            }
        }
        int n = names.size();
        float[] weights = new float[n];
        float[] factors = new float[n * rank];
        for (int i = 0; i < engage.featureNames().size(); i++) {
            weights[i] = engage.weights()[i];
            System.arraycopy(engage.factors(), i * ke, factors, i * rank, ke);
        }
        if (kr > 0) {
            for (int j = 0; j < rating.featureNames().size(); j++) {
                String name = rating.featureNames().get(j);
                int i = index.get(name);
                boolean product = name.startsWith(PRODUCT_PREFIX);
                double scale = rating.outputScale() * ratingWeight;
                if (product) {
                    double s = support.applyAsDouble(name);
                    double shrink = shrinkage == 0 ? 1 : s / (s + shrinkage);
                    weights[i] += (float) (scale * shrink * rating.weights()[j]);
                    for (int f = 0; f < kr; f++) {
                        factors[i * rank + ke + f] = (float) (shrink * rating.factors()[j * kr + f]);
                    }
                } else {
                    for (int f = 0; f < kr; f++) {
                        factors[i * rank + ke + f] = (float) (scale * rating.factors()[j * kr + f]);
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (names.get(i).startsWith(PRODUCT_PREFIX)) {
                weights[i] += (float) tieBreak.applyAsDouble(names.get(i));
            }
        }
        // products only the tie-break knows (in the prior, in neither model) get no row: they score 0 plus nothing,
        // which is below every product the models know, as before
        return new FactorizationMachine(names, rank, 0.0, weights, factors, 0.0, 1.0);
    }
}
