package io.nightbake.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nightbake.config.ControlSettings;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ExperimentRegistryTest {

    private final TenantId acme = TenantId.of("acme");
    private final LocalDate night = LocalDate.of(2026, 10, 31);
    private ExperimentRegistry experiments;
    private ModelRegistry models;
    private SnapshotRegistry snapshots;
    private JdbcDataSource ds;

    @BeforeEach
    void setUp() {
        ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        new TenantRegistry(ds, Clock.systemUTC()).register(acme, TenantState.ON, "test", "test");
        models = new ModelRegistry(ds, Clock.systemUTC());
        experiments = new ExperimentRegistry(ds, Clock.systemUTC());
        snapshots = new SnapshotRegistry(ds, Clock.systemUTC());
        models.register(version(ModelVersion.Decision.PROMOTED), "test");
        models.register(version(ModelVersion.Decision.REJECTED), "test");
    }

    private ModelVersion version(ModelVersion.Decision decision) {
        return new ModelVersion(acme, 0, night, "default", 1, "biased-mf", "{}", "f", 10, 2, 0.9, null, 1.0, null,
                decision, "test", "lib", "/models/x", Instant.now(), Instant.now());
    }

    @Test
    void controlModeFollowsTheTemplateUntilSetAndEveryChangeIsAudited() {
        assertThat(experiments.mode(acme, ControlSettings.DEFAULTS)).isEqualTo("manual");
        assertThat(experiments.setMode(acme, "Bandit", "alice", "client opted in")).isNull();
        assertThat(experiments.mode(acme, ControlSettings.DEFAULTS)).isEqualTo("bandit");
        assertThat(experiments.setMode(acme, "ab", "bob", "prefers a fixed test")).isEqualTo("bandit");
        assertThat(experiments.controlHistory(acme)).extracting(ExperimentRegistry.ControlChange::changedBy)
                .containsExactly("alice", "bob");
        assertThatThrownBy(() -> experiments.setMode(acme, "thompson", "bob", "x")).hasMessageContaining("'mode'")
                .hasMessageContaining("manual, ab, bandit");
        assertThatThrownBy(() -> experiments.setMode(acme, "ab", "bob", " ")).hasMessageContaining("reason");
    }

    @Test
    void oneRunningExperimentPerTenantNightsOnceAndPromotionMovesTheChampionWithLineage() {
        Experiment e = experiments.start(acme, "bandit", 1, 2, 0.1, night, 0.5, "passed the gate");
        assertThatThrownBy(() -> experiments.start(acme, "ab", 1, 2, 0, night, 0.5, "again"))
                .hasMessageContaining("already runs an experiment");
        assertThat(experiments.running(acme)).contains(e);
        assertThat(e.seed()).isNotZero();
        assertThat(experiments.night(e.id(), night)).map(ExperimentNight::challengerShare).contains(0.5);

        LocalDate next = night.plusDays(1);
        ExperimentNight first = new ExperimentNight(e.id(), next, 0.7, Experiment.Outcome.CONTINUE, "figures 1");
        assertThat(experiments.recordNight(e, first)).isEqualTo(first);
        // a rerun of the night keeps what was decided
        ExperimentNight other = new ExperimentNight(e.id(), next, 0.2, Experiment.Outcome.RETIRE, "figures 2");
        assertThat(experiments.recordNight(e, other)).isEqualTo(first);
        assertThat(experiments.running(acme)).isPresent();

        LocalDate third = night.plusDays(2);
        experiments.recordNight(e, new ExperimentNight(e.id(), third, 0.9, Experiment.Outcome.PROMOTE, "z=3.1"));
        assertThat(experiments.running(acme)).isEmpty();
        assertThat(models.champion(acme)).map(ModelVersion::version).contains(2);
        assertThat(models.champion(acme)).map(ModelVersion::promoted).contains(true);
        assertThat(models.championHistory(acme).get(models.championHistory(acme).size() - 1).changedBy())
                .isEqualTo("experiment " + e.id());
        assertThat(experiments.lineage(acme, 2)).hasValueSatisfying(text -> assertThat(text)
                .contains("experiment " + e.id(), "PROMOTE", "z=3.1"));
        Experiment ended = experiments.experiments(acme).get(0);
        assertThat(ended.status()).isEqualTo(Experiment.Status.ENDED);
        assertThat(ended.decision()).isEqualTo(Experiment.Outcome.PROMOTE);
        assertThat(ended.endedOn()).isEqualTo(third);
        assertThatThrownBy(() -> experiments.stop(acme, third, "alice", "why")).hasMessageContaining("runs no experiment");
    }

    @Test
    void stopKeepsTheChampionAndIsAudited() {
        experiments.start(acme, "ab", 1, 2, 0, night, 0.5, "gate");
        Experiment stopped = experiments.stop(acme, night.plusDays(1), "alice", "client complaint");
        assertThat(stopped.decision()).isEqualTo(Experiment.Outcome.STOPPED);
        assertThat(models.champion(acme)).map(ModelVersion::version).contains(1);
        assertThat(experiments.controlHistory(acme)).last().satisfies(c -> {
            assertThat(c.changedBy()).isEqualTo("alice");
            assertThat(c.reason()).contains("client complaint");
        });
        // a new experiment may start once the old one ended
        assertThat(experiments.start(acme, "ab", 1, 2, 0, night.plusDays(2), 0.5, "gate").id()).isGreaterThan(stopped.id());
    }

    @Test
    void snapshotArmTablesArePublishedWithTheSnapshotAndPrunedWithIt() {
        ArmTable arms = new ArmTable(42, List.of(new ArmTable.Arm("e1-champion", 1, 0.45),
                new ArmTable.Arm("e1-challenger", 2, 0.45), new ArmTable.Arm("e1-baseline", 0, 0.1)));
        Snapshot first = new Snapshot(acme, "s1", night, 1, "/s1", 10, 100, Instant.now());
        snapshots.publish(first, arms, "nightly", "run");
        assertThat(snapshots.arms(first)).isEqualTo(arms);
        Snapshot plain = new Snapshot(acme, "s2", night.plusDays(1), 1, "/s2", 10, 100, Instant.now());
        snapshots.publish(plain, "nightly", "run");
        assertThat(snapshots.arms(plain)).isEqualTo(ArmTable.championOnly(1));
        for (int i = 3; i <= 5; i++) {
            snapshots.publish(new Snapshot(acme, "s" + i, night.plusDays(i), 1, "/s" + i, 10, 100, Instant.now()),
                    "nightly", "run");
        }
        assertThat(snapshots.snapshots(acme)).extracting(Snapshot::snapshotId).doesNotContain("s1");
        assertThat(new Jdbc(ds).query("SELECT COUNT(*) FROM nb_snapshot_arm", r -> r.getLong(1))).containsExactly(0L);
        assertThat(ArmTable.parse(arms.format())).isEqualTo(arms);
    }

    @Test
    void jdbcKpiSourceReadsTheDailyTable() {
        Jdbc jdbc = new Jdbc(ds);
        jdbc.inTransaction(c -> Jdbc.update(c, "INSERT INTO nb_feedback_daily (tenant_id, event_date, arm, model_version, impressions, clicks, purchases, snapshot_id, ratings) VALUES ('acme', DATE '2026-11-01', "
                + "'e1-champion', 1, 100, 5, 1, 's', 0), ('acme', DATE '2026-11-02', 'e1-challenger', 2, 90, 9, 2, 's', 0), "
                + "('acme', DATE '2026-12-01', 'e1-challenger', 2, 1, 1, 1, 's', 0)"));
        List<ArmDayCounts> counts = new JdbcArmKpiSource(ds).counts(acme, LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 30));
        assertThat(counts).containsExactly(
                new ArmDayCounts(LocalDate.of(2026, 11, 1), "e1-champion", 1, 100, 5, 1),
                new ArmDayCounts(LocalDate.of(2026, 11, 2), "e1-challenger", 2, 90, 9, 2));
    }
}
