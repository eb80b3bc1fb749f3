package io.nightbake.retrain.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.nightbake.config.AlgorithmSettings;
import io.nightbake.config.TemplateLoader;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.pipeline.Evaluation;
import io.nightbake.retrain.pipeline.HoldoutSplit;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.tenant.TenantId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BiasedMatrixFactorizationTrainerTest {

    private final TemplatePipeline template = TemplateLoader.loadDefault();
    private final FeatureEncoder encoder = new FeatureEncoder(template.features());

    @Test
    void isAFactorizationMachineOverIdsWhoseFoldedScoresArePredictions() {
        TenantDataset data = new SyntheticFleetGenerator().generateTenant(FleetSpec.defaults(), 2);
        HoldoutSplit split = HoldoutSplit.mostRecent(data, 0.2, Long.MAX_VALUE);
        FactorizationMachine model = new BiasedMatrixFactorizationTrainer(template.algorithm()).train(data, encoder, split.trainRows());

        assertThat(model.rank()).isEqualTo(template.algorithm().factors());
        assertThat(model.featureNames()).allMatch(n -> n.startsWith("customer=") || n.startsWith("product="));
        assertThat(Evaluation.rmse(model, data, encoder, split.holdoutRows()))
                .isLessThan(Evaluation.globalMeanBaselineRmse(data, split.trainRows(), split.holdoutRows()));

        // the ranking graph's scores (folded rows, side features unknown to the model) are the model's predictions
        RankingFactors ranking = TenantRetrainer.fold(model, data, encoder);
        Map<String, Integer> index = model.featureIndex();
        int[][] customers = encoder.customerIndices(data, index);
        int[][] products = encoder.productIndices(data, index);
        for (int c = 0; c < data.customerCount(); c += 7) {
            for (int p = 0; p < data.productCount(); p += 5) {
                int[] features = {customers[c][0], products[p][0]};
                assertThat((double) ranking.score(c, p)).isCloseTo(model.predict(features), within(1e-4));
            }
        }
    }

    @Test
    void implicitFeedbackLearnsFromSampledNegativesAndExplicitRatingsNever() {
        TenantDataset ratings = new SyntheticFleetGenerator().generateTenant(FleetSpec.defaults(), 2);
        TenantDataset purchases = relabel(ratings, "purchase");
        HoldoutSplit split = HoldoutSplit.mostRecent(ratings, 0.2, Long.MAX_VALUE);
        AlgorithmSettings sampling = template.implicitAlgorithm();
        assertThat(sampling.negativeSamples()).isPositive();

        FactorizationMachine onRatings = new BiasedMatrixFactorizationTrainer(sampling).train(ratings, encoder, split.trainRows());
        FactorizationMachine onPurchases = new BiasedMatrixFactorizationTrainer(sampling).train(purchases, encoder, split.trainRows());
        // ratings: sampling is off, the global bias is the mean rating; purchases: fitted against unobserved products,
        // whose score (no bias, no factors) is 0 like the negatives'
        assertThat(onRatings.bias()).isGreaterThan(1);
        assertThat(onPurchases.bias()).isZero();
        double meanPrediction = 0;
        for (int row : split.trainRows()) {
            meanPrediction += onPurchases.predict(onPurchases.featureIndex().get("customer=" + purchases.customerId(purchases.customer(row))),
                    onPurchases.featureIndex().get("product=" + purchases.productId(purchases.product(row))));
        }
        meanPrediction /= split.trainRows().length;
        assertThat(meanPrediction).as("observed pairs score well above the 0 of unobserved ones").isGreaterThan(1);
    }

    private static TenantDataset relabel(TenantDataset data, String eventType) {
        TenantDataset.Builder b = TenantDataset.builder(TenantId.of(data.tenant().value()));
        for (int c = 0; c < data.customerCount(); c++) {
            b.addCustomer(data.customerId(c), data.customerRegion(c), data.customerSegment(c));
        }
        for (int p = 0; p < data.productCount(); p++) {
            b.addProduct(data.productId(p), data.productActive(p), data.productCategory(p));
        }
        for (int i = 0; i < data.interactionCount(); i++) {
            b.addInteraction(data.customer(i), data.product(i), data.value(i), data.eventTimeMicros(i), eventType);
        }
        return b.build();
    }
}
