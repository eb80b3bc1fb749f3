package io.nightbake.retrain.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.config.TemplateLoader;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.model.ModelRegistry;
import io.nightbake.retrain.MovieLens;
import io.nightbake.retrain.train.Trainers;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MovieLens-100K fold u1 as one tenant through the real pipeline (train, evaluate, gate, export, register). */
class MovieLensAccuracyTest {

    @Test
    void foldU1ReachesPublishedAccuracyThroughThePipeline(@TempDir Path models) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        Clock clock = Clock.systemUTC();
        TemplatePipeline template = TemplateLoader.loadDefault();
        ModelRegistry registry = new ModelRegistry(ds, clock);
        MovieLens.Fold u1 = MovieLens.fold(1);
        new TenantRegistry(ds, clock).register(u1.data().tenant(), TenantState.ON, "test", "MovieLens u1");

        TenantRetrainer retrainer = new TenantRetrainer(template, Trainers.forSettings(template.algorithm()), registry, models, clock);
        RetrainOutcome outcome = retrainer.retrain(u1.data(), u1.split(), LocalDate.of(1998, 4, 23), System.nanoTime());

        System.out.printf("MovieLens-100K u1: holdout RMSE %.4f (baseline %.4f), trained in %d ms%n",
                outcome.version().challengerRmse(), outcome.version().baselineRmse(), outcome.trainMillis());
        assertThat(outcome.version().holdoutRows()).isEqualTo(20_000);
        assertThat(outcome.version().challengerRmse()).isLessThanOrEqualTo(0.96);
        assertThat(outcome.version().promoted()).isTrue();
        assertThat(registry.champion(u1.data().tenant())).isPresent();
    }
}
