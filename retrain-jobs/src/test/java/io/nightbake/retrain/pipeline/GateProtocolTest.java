package io.nightbake.retrain.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.config.TemplateLoader;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.model.ServedRanking;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate protocol of issue 9: the winner is refitted on training + holdout before export (the lists learn from
 * every interaction up to the run date), and a champion is never scored on rows it was fitted on: the next night's
 * holdout holds only interactions newer than its training cutoff, and when too few are, the champion stays unscored.
 */
class GateProtocolTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-01T01:00:00Z"), ZoneOffset.UTC);

    @Test
    void theChampionIsScoredOnlyOnInteractionsNewerThanItsRefit(@TempDir Path models) {
        TenantDataset data = new SyntheticFleetGenerator().generateTenant(FleetSpec.defaults(), 4);
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        new TenantRegistry(ds, CLOCK).register(data.tenant(), TenantState.ON, "test", "test");
        ModelRegistry registry = new ModelRegistry(ds, CLOCK);
        TemplatePipeline template = TemplateLoader.loadDefault();
        TenantRetrainer retrainer = new TenantRetrainer(template, registry, models, CLOCK);

        // night 1: the data known a week before the end
        long[] times = new long[data.interactionCount()];
        for (int i = 0; i < times.length; i++) {
            times[i] = data.eventTimeMicros(i);
        }
        long end = Arrays.stream(times).max().orElseThrow();
        long weekBefore = end - 7L * 86_400_000_000L;
        HoldoutSplit first = HoldoutSplit.mostRecent(data, template.holdoutFraction(), weekBefore);
        ModelVersion v1 = retrainer.retrain(data, first, LocalDate.of(2026, 10, 24), System.nanoTime()).version();
        assertThat(v1.promoted()).isTrue();
        ServedRanking s1 = registry.servedRanking(data.tenant(), v1.version()).orElseThrow();
        // refitted on training + holdout: its cutoff is the newest interaction before night 1's cutoff, not the training rows'
        assertThat(s1.trainedThroughMicros()).isEqualTo(HoldoutSplit.newest(data, first.allRows()))
                .isGreaterThan(HoldoutSplit.newest(data, first.trainRows()));

        // the next night with nothing new since the champion's refit: it cannot be scored on unseen rows, so it stays
        ModelVersion same = retrainer.retrain(data, first, LocalDate.of(2026, 10, 25), System.nanoTime()).version();
        assertThat(same.promoted()).isFalse();
        assertThat(same.championRmse()).isNull();
        assertThat(same.reason()).contains("newer than champion v" + v1.version(), "the champion stays");
        assertThat(registry.champion(data.tenant())).map(ModelVersion::version).contains(v1.version());

        // night 2: everything; the usual 20% holdout would include rows the champion was refitted on
        HoldoutSplit usual = HoldoutSplit.mostRecent(data, template.holdoutFraction(), Long.MAX_VALUE);
        long newer = Arrays.stream(times).filter(t -> t > s1.trainedThroughMicros()).count();
        assertThat(newer).isPositive().isLessThan(usual.holdoutRows().length);
        ModelVersion v2 = retrainer.retrain(data, usual, LocalDate.of(2026, 10, 31), System.nanoTime()).version();
        assertThat(v2.comparedWith()).isEqualTo(v1.version());
        assertThat(v2.holdoutRows()).isEqualTo(newer);
        assertThat(v2.trainRows()).isEqualTo(data.interactionCount() - newer);
        assertThat(v2.championRmse()).isNotNull();
        assertThat(v2.championRanking()).isNotNull();

    }
}
