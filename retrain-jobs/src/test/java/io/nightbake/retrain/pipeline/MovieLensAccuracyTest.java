package io.nightbake.retrain.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.config.TemplateLoader;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.model.ServedRanking;
import io.nightbake.retrain.MovieLens;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Locale;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MovieLens-100K's five standard folds, each as one tenant through the real pipeline (train, evaluate, gate, export,
 * register) with the default template: the mean holdout RMSE must reach published accuracy (SVD++ 0.919) and stay at
 * or below 0.912, while the published lists (the served ranking, issue 9) beat popularity's NDCG@10 on every fold and
 * by at least 20% on the mean, are personal (no product in more than half of the lists) and cover at least as much of
 * the catalogue as the popularity lists.
 */
class MovieLensAccuracyTest {

    @Test
    void foldsU1ToU5ReachPublishedAccuracyThroughThePipeline(@TempDir Path models) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        Clock clock = Clock.systemUTC();
        TemplatePipeline template = TemplateLoader.loadDefault();
        ModelRegistry registry = new ModelRegistry(ds, clock);
        TenantRetrainer retrainer = new TenantRetrainer(template, registry, models, clock);

        double sum = 0;
        double published = 0;
        double popular = 0;
        for (int k = 1; k <= 5; k++) {
            MovieLens.Fold fold = MovieLens.fold(k);
            new TenantRegistry(ds, clock).register(fold.data().tenant(), TenantState.ON, "test", "MovieLens u" + k);
            RetrainOutcome outcome = retrainer.retrain(fold.data(), fold.split(), LocalDate.of(1998, 4, 23), System.nanoTime());
            ModelVersion v = outcome.version();
            System.out.printf(Locale.ROOT, "MovieLens-100K u%d: %s holdout RMSE %.4f (baseline %.4f), precision@%d %.4f, "
                            + "NDCG@%d %.4f (popularity %.4f, %.4f), trained in %d ms%n", k, v.algorithm(), v.challengerRmse(),
                    v.baselineRmse(), v.ranking().k(), v.ranking().precision(), v.ranking().k(), v.ranking().ndcg(),
                    v.popularityRanking().precision(), v.popularityRanking().ndcg(), outcome.trainMillis());
            assertThat(v.holdoutRows()).isEqualTo(20_000);
            assertThat(v.algorithm()).isEqualTo("biased-mf");
            assertThat(v.promoted()).isTrue();
            assertThat(v.ranking().customers()).isPositive();
            assertThat(registry.champion(fold.data().tenant())).isPresent();
            ServedRanking served = registry.servedRanking(fold.data().tenant(), v.version()).orElseThrow();
            System.out.printf(Locale.ROOT, "  published %s: NDCG@10 %.4f vs popularity %.4f, coverage %.3f (popularity %.3f), "
                            + "%d distinct products, top product in %.0f%% of lists; %s%n", served.ranking(), served.ndcg(),
                    served.popularityNdcg(), served.coverage(), served.popularityCoverage(), served.distinctProducts(),
                    100 * served.topProductShare(), served.reason());
            assertThat(served.guard()).isEqualTo(ServedRanking.PASSED);
            assertThat(served.ndcg()).isEqualTo(v.ranking().ndcg()).isGreaterThan(served.popularityNdcg());
            assertThat(served.topProductShare()).isLessThanOrEqualTo(RankingChoice.MAX_TOP_SHARE);
            assertThat(served.coverage()).isGreaterThanOrEqualTo(served.popularityCoverage());
            // refitted on training + holdout before export: the lists know the held-out rows
            assertThat(served.trainedThroughMicros()).isEqualTo(HoldoutSplit.newest(fold.data(), fold.split().allRows()));
            sum += v.challengerRmse();
            published += served.ndcg();
            popular += served.popularityNdcg();
        }
        double mean = sum / 5;
        System.out.printf(Locale.ROOT, "MovieLens-100K u1..u5 mean holdout RMSE %.4f (published SVD++ 0.919, SVD 0.934)%n", mean);
        System.out.printf(Locale.ROOT, "MovieLens-100K u1..u5 published lists' mean NDCG@10 %.4f vs popularity %.4f (x%.2f)%n",
                published / 5, popular / 5, published / popular);
        assertThat(mean).isLessThanOrEqualTo(0.912);
        assertThat(published).isGreaterThanOrEqualTo(1.2 * popular);
    }
}
