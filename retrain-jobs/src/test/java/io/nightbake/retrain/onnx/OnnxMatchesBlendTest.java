package io.nightbake.retrain.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.nightbake.config.AlgorithmSettings;
import io.nightbake.config.TemplateLoader;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.retrain.MovieLens;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.RankingBlend;
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.retrain.train.BiasedMatrixFactorizationTrainer;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.retrain.train.ImplicitAlsTrainer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The served score of a ratings tenant (implicit ALS blended with the rating model, the rating part shrunk by the
 * product's support, plus the popularity tie-break), exported as the ranking graph and run by ONNX Runtime, equals
 * the score computed from the two trained models themselves within 1e-4, for every product of sampled customers.
 */
class OnnxMatchesBlendTest {

    @Test
    void onnxRuntimeScoresEqualTheBlendOfTheTrainedModelsOnMovieLens() throws Exception {
        MovieLens.Fold u1 = MovieLens.fold(1);
        TenantDataset data = u1.data();
        TemplatePipeline template = TemplateLoader.loadDefault();
        FeatureEncoder encoder = new FeatureEncoder(template.features());
        int[] rows = u1.split().trainRows();
        AlgorithmSettings quick = new AlgorithmSettings(AlgorithmSettings.BIASED_MF, 16, 3, 0.015, 0.1, 42, 0.1, 0.02,
                0.05, 1.0, 0);
        FactorizationMachine rating = new BiasedMatrixFactorizationTrainer(quick).train(data, encoder, rows);
        FactorizationMachine engage = new ImplicitAlsTrainer(8, 3, 1.0, 5, 3, 7).train(data, encoder, rows);
        double[] support = new double[data.productCount()];
        for (int row : rows) {
            support[data.product(row)]++;
        }
        double weight = 0.1;
        double shrinkage = 10;
        FactorizationMachine blend = RankingBlend.blend(engage, rating, weight, shrinkage,
                f -> support[product(data, f)], f -> 1e-3 * support[product(data, f)] / data.customerCount());

        RankingFactors ranking = TenantRetrainer.fold(blend, data, encoder);
        assertThat(ranking.rank()).isEqualTo(8 + 16);
        byte[] graph = OnnxRankingModelExporter.export(ranking, "movielens-blend");
        Map<String, Integer> ei = engage.featureIndex();
        Map<String, Integer> ri = rating.featureIndex();

        int[] customers = {0, 1, 42, 100, 500, 942};
        int products = ranking.productCount();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(graph, options);
                 OnnxTensor index = OnnxTensor.createTensor(env, LongBuffer.wrap(Arrays.stream(customers).asLongStream().toArray()),
                         new long[] {customers.length});
                 OnnxTensor mask = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[customers.length * products]),
                         new long[] {customers.length, products});
                 OnnxTensor kTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {products}), new long[] {1});
                 OrtSession.Result result = session.run(Map.of(OnnxRankingModelExporter.CUSTOMER_INDEX, index,
                         OnnxRankingModelExporter.SCORE_MASK, mask, OnnxRankingModelExporter.K, kTensor))) {
                long[][] top = (long[][]) result.get(OnnxRankingModelExporter.TOP_PRODUCTS).get().getValue();
                float[][] scores = (float[][]) result.get(OnnxRankingModelExporter.TOP_SCORES).get().getValue();
                int compared = 0;
                for (int row = 0; row < customers.length; row++) {
                    int c = customers[row];
                    String cf = FeatureEncoder.customerIdFeature(data, c);
                    for (int rank = 0; rank < products; rank++) {
                        int p = (int) top[row][rank];
                        String pf = FeatureEncoder.productIdFeature(data, p);
                        double engagement = ei.containsKey(cf) && ei.containsKey(pf)
                                ? engage.predict(ei.get(cf), ei.get(pf)) : 0;
                        // the rating model without its customer-only terms (ranking-neutral), shrunk by support
                        double ratingPart = 0;
                        if (ri.containsKey(pf)) {
                            double customerPart = ri.containsKey(cf) ? rating.weights()[ri.get(cf)] : 0;
                            double predicted = ri.containsKey(cf) ? rating.predict(ri.get(cf), ri.get(pf))
                                    : rating.predict(ri.get(pf));
                            ratingPart = (predicted - rating.bias() - customerPart) * support[p] / (support[p] + shrinkage);
                        }
                        double expected = engagement + weight * ratingPart + 1e-3 * support[p] / data.customerCount();
                        assertThat((double) scores[row][rank]).as("customer %s product %s", c, p)
                                .isCloseTo(expected, within(1e-4));
                        if (rank > 0) {
                            assertThat(scores[row][rank]).isLessThanOrEqualTo(scores[row][rank - 1]);
                        }
                        compared++;
                    }
                }
                assertThat(compared).isEqualTo(customers.length * products);
            }
        }
    }

    private static int product(TenantDataset data, String feature) {
        return data.productIndex(feature.substring("product=".length()));
    }
}
