package io.nightbake.retrain.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.nightbake.config.TemplateLoader;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.ModelArtifacts;
import io.nightbake.retrain.onnx.OnnxRankingModelExporter;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.retrain.train.BiasedMatrixFactorizationTrainer;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.retrain.train.Trainer;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline's quality rules on small synthetic tenants: small-tenant fallback, determinism, the margin, the demo fleet. */
class RetrainQualityTest {

    private static final LocalDate RUN = LocalDate.of(2026, 10, 31);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-01T01:00:00Z"), ZoneOffset.UTC);

    private static DataSource database() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        return ds;
    }

    private static ModelRegistry registry(DataSource ds, TenantId... tenants) {
        TenantRegistry registry = new TenantRegistry(ds, CLOCK);
        for (TenantId tenant : tenants) {
            registry.register(tenant, TenantState.ON, "test", "test");
        }
        return new ModelRegistry(ds, CLOCK);
    }

    /** The split of the data known a week before its newest interaction (a champion's night, a week ago). */
    private static HoldoutSplit weekEarlier(TenantDataset data) {
        long newest = Long.MIN_VALUE;
        for (int i = 0; i < data.interactionCount(); i++) {
            newest = Math.max(newest, data.eventTimeMicros(i));
        }
        return HoldoutSplit.mostRecent(data, 0.2, newest - 7L * 86_400_000_000L);
    }

    /** A tiny tenant: 6 customers, 5 products, p0 taken by everybody, p1 by most, p4 by nobody. */
    private static TenantDataset tinyTenant() {
        TenantDataset.Builder b = TenantDataset.builder(TenantId.of("tiny"));
        for (int p = 0; p < 5; p++) {
            b.addProduct("p" + p, true, "cat");
        }
        long t = 0;
        for (int c = 0; c < 6; c++) {
            b.addInteraction("c" + c, "p0", 3, t++, "purchase");
            if (c < 4) {
                b.addInteraction("c" + c, "p1", 2, t++, "purchase");
            }
            if (c < 2) {
                b.addInteraction("c" + c, "p2", 1, t++, "purchase");
            }
        }
        b.addInteraction("c5", "p3", 1, t, "purchase");
        return b.build();
    }

    @Test
    void aTenantUnderTheDataThresholdGetsThePopularityBaselineAsAValidRankingModel(@TempDir Path models) throws Exception {
        TenantDataset data = tinyTenant();
        TemplatePipeline template = TemplateLoader.loadDefault();
        assertThat(data.interactionCount()).isLessThan(template.minTrainingRows());
        ModelRegistry registry = registry(database(), data.tenant());
        RetrainOutcome outcome = new TenantRetrainer(template, registry, models, CLOCK)
                .retrain(data, HoldoutSplit.mostRecent(data, 0.2, Long.MAX_VALUE), RUN, System.nanoTime());

        ModelVersion v = outcome.version();
        assertThat(v.algorithm()).isEqualTo("popularity");
        assertThat(v.promoted()).isTrue();
        assertThat(v.reason()).contains("under min-training-rows 200", "popularity baseline");
        assertThat(v.hyperParameters()).contains("min-training-rows=200");
        assertThat(registry.champion(data.tenant())).map(ModelVersion::version).contains(v.version());

        // the stored model ranks by popularity and its graph runs in ONNX Runtime
        Path dir = Path.of(v.artifactPath());
        FactorizationMachine model = ModelArtifacts.readModel(dir);
        assertThat(model.rank()).isEqualTo(1);
        byte[] graph = Files.readAllBytes(dir.resolve(ModelArtifacts.RANKING_GRAPH));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(graph, options);
                 OnnxTensor index = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {5}), new long[] {1});
                 OnnxTensor mask = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[5]), new long[] {1, 5});
                 OnnxTensor k = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {3}), new long[] {1});
                 OrtSession.Result result = session.run(Map.of(OnnxRankingModelExporter.CUSTOMER_INDEX, index,
                         OnnxRankingModelExporter.SCORE_MASK, mask, OnnxRankingModelExporter.K, k))) {
                long[][] top = (long[][]) result.get(OnnxRankingModelExporter.TOP_PRODUCTS).get().getValue();
                assertThat(ModelArtifacts.readRankingIds(dir).get(1)).containsExactly("p0", "p1", "p2", "p3", "p4");
                assertThat(top[0]).containsExactly(0, 1, 2); // most customers first
            }
        }
    }

    @Test
    void aTrainingThatDivergesFailsClearlyAndRegistersNothing(@TempDir Path models) {
        TenantDataset data = new SyntheticFleetGenerator().generateTenant(FleetSpec.defaults(), 6);
        ModelRegistry registry = registry(database(), data.tenant());
        Trainer diverging = new Trainer() {
            @Override
            public String algorithm() {
                return "diverging";
            }

            @Override
            public String libraryVersion() {
                return "test";
            }

            @Override
            public FactorizationMachine train(TenantDataset d, FeatureEncoder encoder, int[] trainRows) {
                return new FactorizationMachine(java.util.List.of("product=" + d.productId(0)), 1, Double.NaN, new float[1],
                        new float[1], 0, 1);
            }
        };
        TenantRetrainer retrainer = new TenantRetrainer(TemplateLoader.loadDefault(), diverging, registry, models, CLOCK);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> retrainer.retrain(data,
                        HoldoutSplit.mostRecent(data, 0.2, Long.MAX_VALUE), RUN, System.nanoTime()))
                .hasMessageContaining("tenant '" + data.tenant() + "': training diverged", "non-finite parameters",
                        "not registered");
        assertThat(registry.versions(data.tenant())).isEmpty();
    }

    @Test
    void aTenantWhoseEventsAreAllAfterTheRunDateIsToldSo(@TempDir Path models) {
        TenantDataset data = tinyTenant(); // event times in the first microseconds of 1970
        ModelRegistry registry = registry(database(), data.tenant());
        LocalDate before = LocalDate.of(1969, 12, 30);
        long cutoff = before.plusDays(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond() * 1_000_000L;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TenantRetrainer(TemplateLoader.loadDefault(), registry,
                        models, CLOCK).retrain(data, HoldoutSplit.mostRecent(data, 0.2, cutoff), before, System.nanoTime()))
                .hasMessage("tenant 'tiny': nothing to train on for run date 1969-12-30: all " + data.interactionCount()
                        + " interactions are after it (the first at 1970-01-01T00:00:00Z); run a later date or check the "
                        + "event times");
    }

    @Test
    void aFirstModelThatFailsTheBaselineLeavesThePopularityBaselineAsChampion(@TempDir Path models) {
        TenantDataset data = new SyntheticFleetGenerator().generateTenant(FleetSpec.defaults(), 6);
        ModelRegistry registry = registry(database(), data.tenant());
        Trainer broken = new Trainer() {
            @Override
            public String algorithm() {
                return "broken";
            }

            @Override
            public String libraryVersion() {
                return "test";
            }

            @Override
            public FactorizationMachine train(TenantDataset d, FeatureEncoder encoder, int[] trainRows) {
                return new FactorizationMachine(java.util.List.of("product=" + d.productId(0)), 1, 100.0, new float[1],
                        new float[1], 0, 1);
            }
        };
        RetrainOutcome outcome = new TenantRetrainer(TemplateLoader.loadDefault(), broken, registry, models, CLOCK)
                .retrain(data, weekEarlier(data), RUN, System.nanoTime());

        ModelVersion rejected = outcome.rejectedFirstModel();
        assertThat(rejected.algorithm()).isEqualTo("broken");
        assertThat(rejected.promoted()).isFalse();
        assertThat(rejected.reason()).contains("does not beat global-mean baseline");
        ModelVersion served = outcome.version();
        assertThat(served.algorithm()).isEqualTo("popularity");
        assertThat(served.promoted()).isTrue();
        assertThat(served.version()).isEqualTo(rejected.version() + 1);
        assertThat(served.reason()).contains("trained broken (version 1) was rejected", "popularity baseline serves");
        assertThat(registry.champion(data.tenant())).map(ModelVersion::algorithm).contains("popularity");
        assertThat(registry.trainedOn(data.tenant(), RUN)).map(ModelVersion::version).contains(served.version());

        // the next night (a week of new interactions) a working trainer is compared with the popularity champion, on
        // interactions newer than the popularity model was refitted on, and beats it
        ModelVersion next = new TenantRetrainer(TemplateLoader.loadDefault(), registry, models, CLOCK)
                .retrain(data, HoldoutSplit.mostRecent(data, 0.2, Long.MAX_VALUE), RUN.plusDays(1), System.nanoTime()).version();
        assertThat(next.comparedWith()).isEqualTo(served.version());
        assertThat(next.promoted()).isTrue();
    }

    @Test
    void sameSeedAndDataGiveTheSameModelAndMetrics(@TempDir Path models) {
        TenantDataset data = new SyntheticFleetGenerator().generateTenant(FleetSpec.defaults(), 3);
        TemplatePipeline template = TemplateLoader.loadDefault();
        HoldoutSplit split = HoldoutSplit.mostRecent(data, template.holdoutFraction(), Long.MAX_VALUE);
        FeatureEncoder encoder = new FeatureEncoder(template.features());

        BiasedMatrixFactorizationTrainer trainer = new BiasedMatrixFactorizationTrainer(template.algorithm());
        FactorizationMachine a = trainer.train(data, encoder, split.trainRows());
        FactorizationMachine b = trainer.train(data, encoder, split.trainRows());
        assertThat(b.featureNames()).isEqualTo(a.featureNames());
        assertThat(b.bias()).isEqualTo(a.bias());
        assertThat(b.weights()).isEqualTo(a.weights());
        assertThat(b.factors()).isEqualTo(a.factors());

        ModelVersion first = new TenantRetrainer(template, registry(database(), data.tenant()), models.resolve("a"), CLOCK)
                .retrain(data, split, RUN, System.nanoTime()).version();
        ModelVersion second = new TenantRetrainer(template, registry(database(), data.tenant()), models.resolve("b"), CLOCK)
                .retrain(data, split, RUN, System.nanoTime()).version();
        assertThat(second.challengerRmse()).isEqualTo(first.challengerRmse());
        assertThat(second.ranking()).isEqualTo(first.ranking()).isNotNull();
        assertThat(second.popularityRanking()).isEqualTo(first.popularityRanking());
        assertThat(second.trainFingerprint()).isEqualTo(first.trainFingerprint());
        assertThat(second.reason()).isEqualTo(first.reason());

        // another seed gives another model
        TemplatePipeline otherSeed = TemplateLoader.parse("algorithm: {seed: 7}", "t.yaml");
        FactorizationMachine c = new BiasedMatrixFactorizationTrainer(otherSeed.algorithm()).train(data, encoder, split.trainRows());
        assertThat(c.factors()).isNotEqualTo(a.factors());
    }

    @Test
    void aChallengerBetterByLessThanTheMarginIsNotPromoted(@TempDir Path models) {
        TenantDataset data = new SyntheticFleetGenerator().generateTenant(FleetSpec.defaults(), 5);
        HoldoutSplit split = HoldoutSplit.mostRecent(data, 0.2, Long.MAX_VALUE);
        ModelRegistry registry = registry(database(), data.tenant());
        // night 1 (a week earlier): a weak champion (2 epochs); night 2: the full model, better, but the margin asks for more
        TemplatePipeline weak = TemplateLoader.parse("algorithm: {epochs: 2}", "t.yaml");
        ModelVersion champion = new TenantRetrainer(weak, registry, models, CLOCK)
                .retrain(data, weekEarlier(data), RUN, System.nanoTime()).version();
        assertThat(champion.promoted()).isTrue();

        TemplatePipeline strict = TemplateLoader.parse("gate: {promotion-margin: 5.0}", "t.yaml");
        ModelVersion challenger = new TenantRetrainer(strict, registry, models, CLOCK)
                .retrain(data, split, RUN.plusDays(1), System.nanoTime()).version();
        assertThat(challenger.challengerRmse()).isLessThan(challenger.championRmse());
        assertThat(challenger.promoted()).isFalse();
        assertThat(challenger.comparedWith()).isEqualTo(champion.version());
        assertThat(challenger.championRanking()).isNotNull();
        assertThat(challenger.reason()).contains("does not meet margin 5.0000", "not promoted");
        assertThat(registry.champion(data.tenant())).map(ModelVersion::version).contains(champion.version());

        // the same challenger with a margin it clears and a paired bootstrap is promoted, and says why
        TemplatePipeline tested = TemplateLoader.parse("gate: {promotion-margin: 0.001, paired-test: bootstrap}", "t.yaml");
        ModelVersion promoted = new TenantRetrainer(tested, registry, models, CLOCK)
                .retrain(data, split, RUN.plusDays(2), System.nanoTime()).version();
        assertThat(promoted.promoted()).isTrue();
        assertThat(promoted.reason()).contains("paired bootstrap (1000 resamples", "significant at 95.0% confidence");
    }

    @Test
    void theDefaultTemplateBeatsTheGlobalMeanOnEveryDemoTenant(@TempDir Path models) {
        FleetSpec spec = FleetSpec.defaults();
        SyntheticFleetGenerator generator = new SyntheticFleetGenerator();
        TemplatePipeline template = TemplateLoader.loadDefault();
        DataSource ds = database();
        for (int n = 1; n <= spec.tenants(); n++) {
            TenantDataset data = generator.generateTenant(spec, n);
            ModelRegistry registry = registry(ds, data.tenant());
            ModelVersion v = new TenantRetrainer(template, registry, models, CLOCK)
                    .retrain(data, HoldoutSplit.mostRecent(data, template.holdoutFraction(), Long.MAX_VALUE), RUN,
                            System.nanoTime()).version();
            assertThat(v.algorithm()).as(data.tenant().value()).isEqualTo("biased-mf");
            assertThat(v.challengerRmse()).as(data.tenant().value()).isLessThan(v.baselineRmse());
            assertThat(v.promoted()).as(data.tenant().value()).isTrue();
        }
    }
}
