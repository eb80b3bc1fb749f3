package io.nightbake.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.ops.Postgres;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The experiment registry's SQL on PostgreSQL (its H2 twin is ExperimentRegistryTest in multi-tenant). */
class ExperimentRegistryPostgresTest {

    @Test
    void experimentsArmsAndKpiCountsOnPostgres() throws Exception {
        String schema = Postgres.newSchema();
        try (Connection c = DriverManager.getConnection(Postgres.URL, Postgres.USER, "")) {
            c.createStatement().execute("CREATE SCHEMA " + schema);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(Postgres.url(schema));
        ds.setUser(Postgres.USER);
        Flyway.configure().dataSource(ds).schemas(schema).locations("classpath:db/migration/nightbake").load().migrate();

        TenantId acme = TenantId.of("acme");
        LocalDate night = LocalDate.of(2026, 10, 31);
        new TenantRegistry(ds, Clock.systemUTC()).register(acme, TenantState.ON, "test", "test");
        ModelRegistry models = new ModelRegistry(ds, Clock.systemUTC());
        for (ModelVersion.Decision d : List.of(ModelVersion.Decision.PROMOTED, ModelVersion.Decision.REJECTED)) {
            models.register(new ModelVersion(acme, 0, night, "default", 1, "biased-mf", "{}", "f", 10, 2, 0.9, null, 1.0,
                    null, d, "test", "lib", "/models/x", Instant.now(), Instant.now()), "test");
        }
        ExperimentRegistry experiments = new ExperimentRegistry(ds, Clock.systemUTC());
        experiments.setMode(acme, "ab", "alice", "opt in");
        Experiment e = experiments.start(acme, "ab", 1, 2, 0.1, night, 0.5, "gate");
        assertThatThrownBy(() -> experiments.start(acme, "ab", 1, 2, 0.1, night, 0.5, "gate"))
                .hasMessageContaining("already runs");
        experiments.recordNight(e, new ExperimentNight(e.id(), night.plusDays(3), 0.5, Experiment.Outcome.PROMOTE, "z=2.5"));
        assertThat(models.champion(acme)).map(ModelVersion::version).contains(2);
        assertThat(experiments.lineage(acme, 2)).hasValueSatisfying(t -> assertThat(t).contains("PROMOTE"));
        assertThat(experiments.running(acme)).isEmpty();

        SnapshotRegistry snapshots = new SnapshotRegistry(ds, Clock.systemUTC());
        ArmTable arms = e.armTable(0.5);
        Snapshot snapshot = new Snapshot(acme, "s1", night, 1, "/s1", 10, 100, Instant.now());
        snapshots.publish(snapshot, arms, "nightly", "run");
        assertThat(snapshots.arms(snapshot)).isEqualTo(arms);

        assertThat(Postgres.count(schema, "SELECT COUNT(*) FROM nb_feedback_daily")).isZero();
        try (Connection c = DriverManager.getConnection(Postgres.url(schema), Postgres.USER, "")) {
            c.createStatement().execute("INSERT INTO nb_feedback_daily (tenant_id, event_date, arm, model_version, impressions, clicks, purchases, snapshot_id, ratings) VALUES ('acme', DATE '2026-11-01', 'e1-champion', 1, "
                    + "100, 5, 1, 's1', 0)");
        }
        assertThat(new JdbcArmKpiSource(ds).counts(acme, night, night.plusDays(5)))
                .containsExactly(new ArmDayCounts(LocalDate.of(2026, 11, 1), "e1-champion", 1, 100, 5, 1));
        try (Connection c = DriverManager.getConnection(Postgres.URL, Postgres.USER, "")) {
            c.createStatement().execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }
}
