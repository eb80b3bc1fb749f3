package io.nightbake.retrain.pipeline;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.RankingBlend;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.retrain.train.ImplicitAlsTrainer;
import java.util.List;

/**
 * The rankings a tenant may publish, scored on the holdout by {@link RankingChoice} (the winner is recorded in the
 * registry as the version's served ranking):
 * <ul>
 *   <li>ratings tenants: {@code implicit-als} (who will rate what, trained on who rated what) and
 *       {@code blend(implicit-als + w x rating)}, the served score of {@link RankingBlend}: will the customer engage
 *       with the product, and will they like it; the rating model's part shrunk by the product's support;</li>
 *   <li>implicit tenants: {@code implicit-als} (confidence 1 + alpha * strength, recent purchases weighted up), the
 *       template's trainer as it is (biased MF with sampled negatives), and their blend.</li>
 * </ul>
 * Every candidate carries a tiny popularity prior ({@value #TIE_BREAK} x share of customers who took the product) that
 * orders the products for customers the models know nothing about. The settings are fixed here, chosen on
 * MovieLens-100K u1..u5 and the Online Retail countries (see the README's accuracy section).
 */
final class ServedRankings {

    /** The rating model's weight in the ratings tenants' blend (scores: engagement ~0..1, rating deviations ~ +-1). */
    static final double RATING_WEIGHT = 0.1;
    /** A product's rating part is multiplied by n / (n + this), n its training interactions (ratings tenants). */
    static final double SHRINKAGE = 10;
    /** The trainer's weight in the implicit tenants' blend (both scores ~0..1: "will take it"). */
    static final double TRAINER_WEIGHT = 0.3;
    static final double TIE_BREAK = 1e-3;

    static final String IMPLICIT_ALS = ImplicitAlsTrainer.ALGORITHM;
    static final String TRAINER = "trainer";
    /** The names recorded in lineage (the weights above). */
    static final String BLEND = "blend(implicit-als + 0.1 x rating)";
    static final String IMPLICIT_BLEND = "blend(implicit-als + 0.3 x trainer)";

    /** Builds a served model from the trainer's model and the engagement model, fitted on {@code rows}. */
    interface Recipe {
        String name();

        FactorizationMachine build(FactorizationMachine trained, FactorizationMachine engage, int[] rows);
    }

    private final TenantDataset data;
    private final boolean implicit;
    private final ImplicitAlsTrainer als;

    ServedRankings(TenantDataset data, boolean implicit, long seed) {
        this.data = data;
        this.implicit = implicit;
        // measured here (README, accuracy): implicit tenants (Online Retail UK) gain from low confidence and a 15-day
        // half-life on purchases; ratings tenants (MovieLens) from binary "rated it" with confidence 1 + 5
        this.als = implicit
                ? new ImplicitAlsTrainer(64, 10, 0.3, 1.0, 3, seed, 15)
                : new ImplicitAlsTrainer(16, 6, 1.0, 5.0, 3, seed);
    }

    FactorizationMachine trainEngagement(int[] rows) {
        return als.train(data, null, rows);
    }

    String describe() {
        return "implicit-als={" + als.hyperParameters() + "}" + (implicit ? ", trainer-weight=" + TRAINER_WEIGHT
                : ", rating-weight=" + RATING_WEIGHT + ", shrinkage=" + SHRINKAGE);
    }

    List<Recipe> recipes() {
        return implicit ? List.of(recipe(IMPLICIT_ALS), recipe(TRAINER), recipe(IMPLICIT_BLEND))
                : List.of(recipe(IMPLICIT_ALS), recipe(BLEND));
    }

    boolean needsEngagement(String name) {
        return !TRAINER.equals(name);
    }

    Recipe recipe(String name) {
        return new Recipe() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public FactorizationMachine build(FactorizationMachine trained, FactorizationMachine engage, int[] rows) {
                float[] share = PopularityBaseline.fit(data, rows).scores();
                double[] support = new double[data.productCount()];
                for (int row : rows) {
                    support[data.product(row)]++;
                }
                java.util.function.ToDoubleFunction<String> product = feature -> {
                    int p = data.productIndex(feature.substring("product=".length()));
                    return p < 0 ? -1 : p;
                };
                java.util.function.ToDoubleFunction<String> prior = f -> {
                    double p = product.applyAsDouble(f);
                    return p < 0 ? 0 : TIE_BREAK * share[(int) p];
                };
                java.util.function.ToDoubleFunction<String> supportOf = f -> {
                    double p = product.applyAsDouble(f);
                    return p < 0 ? 0 : support[(int) p];
                };
                return switch (name) {
                    // a model with an output scale (Tribuo's FM) is served as it is
                    case TRAINER -> trained.outputScale() != 1.0 ? trained
                            : RankingBlend.blend(trained, null, 0, SHRINKAGE, supportOf, prior);
                    case IMPLICIT_ALS -> RankingBlend.blend(engage, null, 0, SHRINKAGE, supportOf, prior);
                    // both parts already score "will take it", so the trainer's part is not shrunk
                    case IMPLICIT_BLEND -> trained.outputScale() != 1.0 ? engage
                            : RankingBlend.blend(engage, trained, TRAINER_WEIGHT, 0, supportOf, prior);
                    default -> RankingBlend.blend(engage, trained, RATING_WEIGHT, SHRINKAGE, supportOf, prior);
                };
            }
        };
    }
}
