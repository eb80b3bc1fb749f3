package io.nightbake.scoring;

import io.nightbake.config.AlgorithmSettings;
import io.nightbake.config.Feature;
import io.nightbake.retrain.data.TenantDataWriter;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.ModelArtifacts;
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.onnx.OnnxRankingModelExporter;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.retrain.train.TribuoFmTrainer;
import io.nightbake.tenant.TenantId;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Small tenants with a trained champion, for the scoring tests. */
final class Fixtures {

    static final List<Feature> FEATURES = List.of(Feature.CUSTOMER_ID, Feature.PRODUCT_ID, Feature.CUSTOMER_REGION,
            Feature.PRODUCT_CATEGORY);
    static final LocalDate RUN_DATE = LocalDate.of(2026, 11, 2);
    static final List<String> CATEGORIES = List.of("electronics", "home", "garden", "toys");
    static final List<String> REGIONS = List.of("north", "south");
    static final List<String> EVENT_TYPES = List.of("purchase", "rating", "view", "click");

    private Fixtures() {
    }

    /**
     * A tenant with regions (and some customers without one), categories (and some products without one),
     * inactive products and a mix of event types, including views and untyped interactions.
     */
    static TenantDataset tenant(String id, int customers, int products, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        TenantDataset.Builder b = TenantDataset.builder(TenantId.of(id));
        for (int p = 0; p < products; p++) {
            String category = p % 11 == 10 ? null : CATEGORIES.get(rng.nextInt(CATEGORIES.size()));
            b.addProduct(String.format("p%04d", p), rng.nextDouble() >= 0.15, category);
        }
        // customers are added in a shuffled order so that index order differs from id order
        int[] order = IntStream.range(0, customers).map(i -> (i * 7919) % customers).toArray();
        for (int c : order) {
            String region = c % 9 == 8 ? null : REGIONS.get(rng.nextInt(REGIONS.size()));
            b.addCustomer(String.format("c%04d", c), region, null);
        }
        long time = 1_790_000_000_000_000L;
        for (int c = 0; c < customers; c++) {
            int n = 4 + rng.nextInt(8);
            for (int i = 0; i < n; i++) {
                int p = rng.nextInt(products);
                int t = rng.nextInt(EVENT_TYPES.size() + 1);
                String type = t == EVENT_TYPES.size() ? null : EVENT_TYPES.get(t);
                double value = 1 + rng.nextInt(9) / 2.0 + (p % 5 == 0 ? 0.5 : 0);
                b.addInteraction(c, p, Math.min(5.0, value), time + i, type);
            }
        }
        return b.build();
    }

    /** Trains a champion on all interactions and writes its files; returns the model. */
    static FactorizationMachine trainChampion(TenantDataset data, Path modelDir, int factors, int epochs) {
        TribuoFmTrainer trainer = new TribuoFmTrainer(new AlgorithmSettings(AlgorithmSettings.TRIBUO_FM, factors,
                epochs, 0.1, 0.1, 7L));
        FeatureEncoder encoder = new FeatureEncoder(FEATURES);
        FactorizationMachine model = trainer.train(data, encoder, IntStream.range(0, data.interactionCount()).toArray());
        RankingFactors ranking = TenantRetrainer.fold(model, data, encoder);
        ModelArtifacts.write(modelDir, model, ranking, OnnxRankingModelExporter.export(ranking, data.tenant().value()));
        return model;
    }

    /** Writes the tenant's data under root/data/id and its champion under root/models/id. */
    static ScoringTask prepare(Path root, TenantDataset data, ScoringRules rules, int k) {
        String id = data.tenant().value();
        Path dataDir = root.resolve("data").resolve(id);
        Path modelDir = root.resolve("models").resolve(id);
        TenantDataWriter.write(dataDir, data);
        trainChampion(data, modelDir, 8, 3);
        return task(root, id, dataDir, modelDir, rules, k, (long) data.customerCount() * data.productCount());
    }

    static ScoringTask task(Path root, String id, Path dataDir, Path modelDir, ScoringRules rules, int k, long pairs) {
        Path output = root.resolve("staging").resolve(id).resolve(RecommendationsFile.FILE_NAME);
        return new ScoringTask(id, dataDir.toString(), modelDir.toString(), 3, RUN_DATE, rules, FEATURES, k,
                output.toString(), pairs);
    }
}
