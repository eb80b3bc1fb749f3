package io.nightbake.experiment;

import io.nightbake.config.ControlSettings;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.tenant.TenantId;
import java.sql.Connection;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Control modes per tenant and the experiments run on tenants' customers: at most one running per tenant (a primary
 * key enforces it), every night's decision with its figures, and the ending decision, which for a promotion moves the
 * champion pointer in the same transaction and is written into the challenger version's lineage.
 */
public class ExperimentRegistry {

    /** One change of a tenant's control mode, or an experiment stopped by hand. */
    public record ControlChange(String oldMode, String newMode, Instant changedAt, String changedBy, String reason) {
    }

    private final Jdbc jdbc;
    private final Clock clock;

    public ExperimentRegistry(DataSource dataSource, Clock clock) {
        this.jdbc = new Jdbc(dataSource);
        this.clock = clock;
    }

    /** The tenant's own mode, empty when it follows the template's default. */
    public Optional<String> ownMode(TenantId tenant) {
        return jdbc.queryOne("SELECT mode FROM nb_tenant_control WHERE tenant_id = ?", row -> row.getString(1), tenant.value());
    }

    /** Every tenant's own mode (tenants following the template's default are absent), in one query. */
    public java.util.Map<TenantId, String> ownModes() {
        java.util.Map<TenantId, String> modes = new java.util.HashMap<>();
        jdbc.query("SELECT tenant_id, mode FROM nb_tenant_control", row -> modes.put(TenantId.of(row.getString(1)),
                row.getString(2)));
        return modes;
    }

    /** The tenants that run an experiment, in one query. */
    public java.util.Set<TenantId> runningTenants() {
        return new java.util.HashSet<>(jdbc.query("SELECT tenant_id FROM nb_running_experiment",
                row -> TenantId.of(row.getString(1))));
    }

    /** The mode in force: the tenant's own, else the template's. */
    public String mode(TenantId tenant, ControlSettings settings) {
        return ownMode(tenant).orElse(settings.mode());
    }

    /** Sets the tenant's own mode, audited; returns the previous own mode (null when it followed the template). */
    public String setMode(TenantId tenant, String mode, String actor, String reason) {
        String checked = ControlSettings.checkMode(mode, "mode");
        requireText(actor, "actor");
        requireText(reason, "reason");
        return jdbc.inTransaction(c -> {
            List<String> old = Jdbc.query(c, "SELECT mode FROM nb_tenant_control WHERE tenant_id = ? FOR UPDATE",
                    row -> row.getString(1), tenant.value());
            Instant now = clock.instant();
            if (old.isEmpty()) {
                Jdbc.update(c, "INSERT INTO nb_tenant_control (tenant_id, mode, changed_at) VALUES (?, ?, ?)",
                        tenant.value(), checked, now);
            } else {
                Jdbc.update(c, "UPDATE nb_tenant_control SET mode = ?, changed_at = ? WHERE tenant_id = ?", checked, now,
                        tenant.value());
            }
            audit(c, tenant, old.isEmpty() ? null : old.get(0), checked, actor, reason);
            return old.isEmpty() ? null : old.get(0);
        });
    }

    public List<ControlChange> controlHistory(TenantId tenant) {
        return jdbc.query("SELECT * FROM nb_tenant_control_change WHERE tenant_id = ? ORDER BY id", row -> new ControlChange(
                row.getString("old_mode"), row.getString("new_mode"), Jdbc.instant(row, "changed_at"),
                row.getString("changed_by"), row.getString("reason")), tenant.value());
    }

    public Optional<Experiment> running(TenantId tenant) {
        return jdbc.queryOne("SELECT e.* FROM nb_experiment e JOIN nb_running_experiment r ON r.experiment_id = e.id "
                + "WHERE r.tenant_id = ?", ExperimentRegistry::experiment, tenant.value());
    }

    /** The tenant's experiments, newest first. */
    public List<Experiment> experiments(TenantId tenant) {
        return jdbc.query("SELECT * FROM nb_experiment WHERE tenant_id = ? ORDER BY id DESC", ExperimentRegistry::experiment,
                tenant.value());
    }

    /** The experiment that started on {@code runDate}, if one did (a rerun of that night finds it again). */
    public Optional<Experiment> startedOn(TenantId tenant, LocalDate runDate) {
        return jdbc.queryOne("SELECT * FROM nb_experiment WHERE tenant_id = ? AND started_on = ? ORDER BY id DESC",
                ExperimentRegistry::experiment, tenant.value(), Date.valueOf(runDate));
    }

    /**
     * Starts an experiment and records its first night (share {@code firstShare}), in one transaction. Fails when the
     * tenant already runs one. The seed is derived from the tenant and the experiment id unless given.
     */
    public Experiment start(TenantId tenant, String kind, int championVersion, int challengerVersion, double baselineShare,
                            LocalDate runDate, double firstShare, String figures) {
        return jdbc.inTransaction(c -> {
            if (!Jdbc.query(c, "SELECT experiment_id FROM nb_running_experiment WHERE tenant_id = ? FOR UPDATE",
                    row -> row.getLong(1), tenant.value()).isEmpty()) {
                throw new IllegalStateException("tenant '" + tenant + "' already runs an experiment; stop it first");
            }
            Jdbc.update(c, "INSERT INTO nb_experiment (tenant_id, kind, champion_version, challenger_version, baseline_share, "
                            + "seed, started_on, status) VALUES (?, ?, ?, ?, ?, 0, ?, 'RUNNING')", tenant.value(), kind,
                    championVersion, challengerVersion, baselineShare, Date.valueOf(runDate));
            long id = Jdbc.query(c, "SELECT MAX(id) FROM nb_experiment WHERE tenant_id = ?", row -> row.getLong(1),
                    tenant.value()).get(0);
            long seed = (tenant.value().hashCode() * 0x9E3779B97F4A7C15L) ^ (id * 0xBF58476D1CE4E5B9L);
            Jdbc.update(c, "UPDATE nb_experiment SET seed = ? WHERE id = ?", seed, id);
            Jdbc.update(c, "INSERT INTO nb_running_experiment (tenant_id, experiment_id) VALUES (?, ?)", tenant.value(), id);
            Jdbc.update(c, "INSERT INTO nb_experiment_night (experiment_id, run_date, challenger_share, outcome, figures) "
                    + "VALUES (?, ?, ?, ?, ?)", id, Date.valueOf(runDate), firstShare, Experiment.Outcome.CONTINUE.name(),
                    truncate(figures));
            return Jdbc.query(c, "SELECT * FROM nb_experiment WHERE id = ?", ExperimentRegistry::experiment, id).get(0);
        });
    }

    public List<ExperimentNight> nights(long experimentId) {
        return jdbc.query("SELECT * FROM nb_experiment_night WHERE experiment_id = ? ORDER BY run_date",
                ExperimentRegistry::night, experimentId);
    }

    public Optional<ExperimentNight> night(long experimentId, LocalDate runDate) {
        return jdbc.queryOne("SELECT * FROM nb_experiment_night WHERE experiment_id = ? AND run_date = ?",
                ExperimentRegistry::night, experimentId, Date.valueOf(runDate));
    }

    /**
     * Records a night's decision; a night already recorded is kept as it was (a rerun decides nothing twice) and
     * returned. A deciding night (not CONTINUE) ends the experiment in the same transaction (see {@link #end}).
     */
    public ExperimentNight recordNight(Experiment experiment, ExperimentNight night) {
        return jdbc.inTransaction(c -> {
            List<ExperimentNight> done = Jdbc.query(c, "SELECT * FROM nb_experiment_night WHERE experiment_id = ? AND run_date = ?",
                    ExperimentRegistry::night, experiment.id(), Date.valueOf(night.runDate()));
            if (!done.isEmpty()) {
                return done.get(0);
            }
            Jdbc.update(c, "INSERT INTO nb_experiment_night (experiment_id, run_date, challenger_share, outcome, figures) "
                    + "VALUES (?, ?, ?, ?, ?)", experiment.id(), Date.valueOf(night.runDate()), night.challengerShare(),
                    night.outcome().name(), truncate(night.figures()));
            if (night.outcome() != Experiment.Outcome.CONTINUE) {
                end(c, experiment, night.runDate(), night.outcome(), night.figures(), "nightly");
            }
            return night;
        });
    }

    /** Stops a running experiment by hand: the champion takes all traffic from the next prebake on. */
    public Experiment stop(TenantId tenant, LocalDate today, String actor, String reason) {
        requireText(actor, "actor");
        requireText(reason, "reason");
        return jdbc.inTransaction(c -> {
            List<Experiment> running = Jdbc.query(c, "SELECT e.* FROM nb_experiment e JOIN nb_running_experiment r "
                    + "ON r.experiment_id = e.id WHERE r.tenant_id = ? FOR UPDATE", ExperimentRegistry::experiment, tenant.value());
            if (running.isEmpty()) {
                throw new IllegalStateException("tenant '" + tenant + "' runs no experiment");
            }
            end(c, running.get(0), today, Experiment.Outcome.STOPPED, reason, actor);
            return Jdbc.query(c, "SELECT * FROM nb_experiment WHERE id = ?", ExperimentRegistry::experiment,
                    running.get(0).id()).get(0);
        });
    }

    /** The experiment's decision recorded in the lineage of the challenger version, or empty. */
    public Optional<String> lineage(TenantId tenant, int version) {
        return jdbc.query("SELECT experiment_outcome FROM nb_model_version WHERE tenant_id = ? AND version = ?",
                row -> row.getString(1), tenant.value(), version).stream().filter(s -> s != null).findFirst();
    }

    private void end(Connection c, Experiment e, LocalDate on, Experiment.Outcome outcome, String reason, String actor)
            throws SQLException {
        Instant now = clock.instant();
        Jdbc.update(c, "UPDATE nb_experiment SET status = 'ENDED', ended_on = ?, decision = ?, reason = ?, decided_by = ? "
                + "WHERE id = ?", Date.valueOf(on), outcome.name(), truncate(reason), actor, e.id());
        Jdbc.update(c, "DELETE FROM nb_running_experiment WHERE tenant_id = ? AND experiment_id = ?", e.tenant().value(), e.id());
        String lineage = truncate("experiment " + e.id() + " (" + e.kind() + ", " + e.startedOn() + ".." + on + ") "
                + outcome.name() + " by " + actor + ": " + reason);
        Jdbc.update(c, "UPDATE nb_model_version SET experiment_outcome = ? WHERE tenant_id = ? AND version = ?", lineage,
                e.tenant().value(), e.challengerVersion());
        if (outcome == Experiment.Outcome.PROMOTE) {
            // the version was registered REJECTED (held for the experiment); the experiment promoted it
            Jdbc.update(c, "UPDATE nb_model_version SET decision = 'PROMOTED' WHERE tenant_id = ? AND version = ?",
                    e.tenant().value(), e.challengerVersion());
            List<Integer> current = Jdbc.query(c, "SELECT version FROM nb_champion WHERE tenant_id = ? FOR UPDATE",
                    row -> row.getInt(1), e.tenant().value());
            Jdbc.update(c, "UPDATE nb_champion SET version = ?, changed_at = ? WHERE tenant_id = ?", e.challengerVersion(), now,
                    e.tenant().value());
            Jdbc.update(c, "INSERT INTO nb_champion_change (tenant_id, old_version, new_version, changed_at, changed_by, reason) "
                    + "VALUES (?, ?, ?, ?, ?, ?)", e.tenant().value(), current.isEmpty() ? null : current.get(0),
                    e.challengerVersion(), now, "experiment " + e.id(), truncate1000(lineage));
        }
        if (outcome == Experiment.Outcome.STOPPED) {
            audit(c, e.tenant(), null, "stop", actor, "experiment " + e.id() + " stopped: " + reason);
        }
    }

    private void audit(Connection c, TenantId tenant, String oldMode, String newMode, String actor, String reason)
            throws SQLException {
        Jdbc.update(c, "INSERT INTO nb_tenant_control_change (tenant_id, old_mode, new_mode, changed_at, changed_by, reason) "
                + "VALUES (?, ?, ?, ?, ?, ?)", tenant.value(), oldMode, newMode, clock.instant(), actor, truncate1000(reason));
    }

    private static Experiment experiment(ResultSet row) throws SQLException {
        Date ended = row.getDate("ended_on");
        String decision = row.getString("decision");
        return new Experiment(row.getLong("id"), TenantId.of(row.getString("tenant_id")), row.getString("kind"),
                row.getInt("champion_version"), row.getInt("challenger_version"), row.getDouble("baseline_share"),
                row.getLong("seed"), row.getDate("started_on").toLocalDate(),
                Experiment.Status.valueOf(row.getString("status")), ended == null ? null : ended.toLocalDate(),
                decision == null ? null : Experiment.Outcome.valueOf(decision), row.getString("reason"));
    }

    private static ExperimentNight night(ResultSet row) throws SQLException {
        return new ExperimentNight(row.getLong("experiment_id"), row.getDate("run_date").toLocalDate(),
                row.getDouble("challenger_share"), Experiment.Outcome.valueOf(row.getString("outcome")), row.getString("figures"));
    }

    private static String truncate(String text) {
        return text == null || text.length() <= 4000 ? text : text.substring(0, 3997) + "...";
    }

    private static String truncate1000(String text) {
        return text.length() <= 1000 ? text : text.substring(0, 997) + "...";
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("a " + what + " is required");
        }
    }
}
