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
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.retrain.train.TribuoFmTrainer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tribuo.regression.sgd.fm.FMRegressionModel;

/** The exported ranking graph, run by ONNX Runtime, scores exactly as the Tribuo model it came from. */
class OnnxMatchesTribuoTest {

    @Test
    void onnxRuntimeScoresEqualTribuoPredictionsOnMovieLens() throws Exception {
        MovieLens.Fold u1 = MovieLens.fold(1);
        TenantDataset data = u1.data();
        TemplatePipeline template = TemplateLoader.loadDefault();
        AlgorithmSettings quick = new AlgorithmSettings("tribuo-fm", 8, 2, 0.05, 0.1, 7);
        FeatureEncoder encoder = new FeatureEncoder(template.features());
        TribuoFmTrainer trainer = new TribuoFmTrainer(quick);
        FMRegressionModel tribuo = trainer.trainTribuoModel(data, encoder, u1.split().trainRows());
        FactorizationMachine model = TribuoFmTrainer.toFactorizationMachine(tribuo);
        RankingFactors ranking = TenantRetrainer.fold(model, data, encoder);
        byte[] graph = OnnxRankingModelExporter.export(ranking, "movielens");

        int[] customers = {0, 1, 42, 100, 500, 942};
        int products = ranking.productCount();
        int k = products; // the whole catalogue, so every pair is compared
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(graph, options);
                 OnnxTensor index = OnnxTensor.createTensor(env, LongBuffer.wrap(Arrays.stream(customers).asLongStream().toArray()),
                         new long[] {customers.length});
                 OnnxTensor mask = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[customers.length * products]),
                         new long[] {customers.length, products});
                 OnnxTensor kTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {k}), new long[] {1});
                 OrtSession.Result result = session.run(Map.of(OnnxRankingModelExporter.CUSTOMER_INDEX, index,
                         OnnxRankingModelExporter.SCORE_MASK, mask, OnnxRankingModelExporter.K, kTensor))) {
                long[][] top = (long[][]) result.get(OnnxRankingModelExporter.TOP_PRODUCTS).get().getValue();
                float[][] scores = (float[][]) result.get(OnnxRankingModelExporter.TOP_SCORES).get().getValue();
                int compared = 0;
                for (int row = 0; row < customers.length; row++) {
                    int customer = customers[row];
                    for (int rank = 0; rank < k; rank++) {
                        int product = (int) top[row][rank];
                        double expected = tribuo.predict(TribuoFmTrainer.example(encoder.customerFeatures(data, customer),
                                encoder.productFeatures(data, product), 0)).getOutput().getValues()[0];
                        assertThat((double) scores[row][rank]).as("customer %s product %s", customer, product)
                                .isCloseTo(expected, within(1e-4));
                        compared++;
                    }
                }
                assertThat(compared).isEqualTo(customers.length * products);
            }
        }
    }
}
