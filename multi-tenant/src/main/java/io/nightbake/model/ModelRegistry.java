package io.nightbake.model;

import io.nightbake.jdbc.Jdbc;
import io.nightbake.tenant.TenantId;
import java.sql.Connection;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Every trained model version with its lineage, and the champion pointer per tenant. Registering a version
 * and moving the pointer happen in one transaction, so a tenant never has a half-registered version or two
 * champions.
 */
public class ModelRegistry implements ModelVersions {

    private final Jdbc jdbc;
    private final Clock clock;

    public ModelRegistry(DataSource dataSource, Clock clock) {
        this.jdbc = new Jdbc(dataSource);
        this.clock = clock;
    }

    /**
     * Stores {@code candidate} under the tenant's next version number (its {@code version} field is ignored)
     * and, when its decision is PROMOTED, makes it the champion, all in one transaction.
     */
    @Override
    public ModelVersion register(ModelVersion candidate, String actor) {
        return register(candidate, actor, null);
    }

    /** As {@link #register(ModelVersion, String)}, storing what the version publishes in the same transaction. */
    @Override
    public ModelVersion register(ModelVersion candidate, String actor, ServedRanking served) {
        return jdbc.inTransaction(c -> {
            TenantId tenant = candidate.tenant();
            int version = Jdbc.query(c, "SELECT COALESCE(MAX(version), 0) AS v FROM nb_model_version WHERE tenant_id = ?",
                    row -> row.getInt("v"), tenant.value()).get(0) + 1;
            ModelVersion stored = withVersion(candidate, version);
            Optional<Pin> pin = pin(c, tenant);
            if (pin.isPresent() && stored.promoted()) {
                // the operator's pin holds: the challenger is recorded with its figures, not promoted
                stored = withDecision(stored, ModelVersion.Decision.PINNED, "champion version " + pin.get().version()
                        + " is pinned by " + pin.get().pinnedBy() + " (" + pin.get().reason() + "), so the challenger is "
                        + "recorded but not promoted until unpin-model; the gate said: " + stored.reason());
            }
            Jdbc.update(c, "INSERT INTO nb_model_version (tenant_id, version, run_date, template_name, template_version, "
                            + "algorithm, hyper_parameters, train_fingerprint, train_rows, holdout_rows, challenger_rmse, "
                            + "champion_rmse, baseline_rmse, compared_with, decision, reason, library_versions, artifact_path, "
                            + "started_at, finished_at, gate_metric, ranking_k, ranking_customers, precision_at_k, "
                            + "recall_at_k, ndcg_at_k, champion_precision_at_k, champion_recall_at_k, champion_ndcg_at_k, "
                            + "popularity_precision_at_k, popularity_recall_at_k, popularity_ndcg_at_k) "
                            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    tenant.value(), version, Date.valueOf(stored.runDate()), stored.templateName(), stored.templateVersion(),
                    stored.algorithm(), stored.hyperParameters(), stored.trainFingerprint(), stored.trainRows(),
                    stored.holdoutRows(), stored.challengerRmse(), stored.championRmse(), stored.baselineRmse(),
                    stored.comparedWith(), stored.decision().name(), truncate(stored.reason()), stored.libraryVersions(),
                    stored.artifactPath(), stored.startedAt(), stored.finishedAt(), stored.gateMetric(),
                    rankingK(stored), stored.ranking() == null ? null : stored.ranking().customers(),
                    precision(stored.ranking()), recall(stored.ranking()), ndcg(stored.ranking()),
                    precision(stored.championRanking()), recall(stored.championRanking()), ndcg(stored.championRanking()),
                    precision(stored.popularityRanking()), recall(stored.popularityRanking()), ndcg(stored.popularityRanking()));
            if (served != null) {
                Jdbc.update(c, "INSERT INTO nb_served_ranking (tenant_id, version, ranking, reason, guard, ndcg_at_k, "
                                + "popularity_ndcg_at_k, coverage, popularity_coverage, distinct_products, top_product_share, "
                                + "trained_through_micros) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        tenant.value(), version, served.ranking(), truncate(served.reason()), served.guard(),
                        finite(served.ndcg()), finite(served.popularityNdcg()), finite(served.coverage()),
                        finite(served.popularityCoverage()), served.distinctProducts(), finite(served.topProductShare()),
                        served.trainedThroughMicros());
            }
            if (stored.promoted()) {
                moveChampion(c, tenant, version, actor, stored.reason());
            }
            return stored;
        });
    }

    /** An operator's pin on the tenant's champion. */
    public record Pin(int version, String pinnedBy, String reason, Instant pinnedAt) {
    }

    public Optional<Pin> pin(TenantId tenant) {
        return jdbc.inTransaction(c -> pin(c, tenant));
    }

    private static Optional<Pin> pin(Connection c, TenantId tenant) throws SQLException {
        return Jdbc.query(c, "SELECT version, pinned_by, pinned_reason, pinned_at FROM nb_champion WHERE tenant_id = ? "
                + "AND pinned_by IS NOT NULL", row -> new Pin(row.getInt(1), row.getString(2), row.getString(3),
                Jdbc.instant(row, "pinned_at")), tenant.value()).stream().findFirst();
    }

    /**
     * Makes {@code version} the champion and pins it: nightly promotions leave it in place until {@link #unpin}.
     * Audited (also when it already was the champion).
     */
    public void pin(TenantId tenant, int version, String actor, String reason) {
        jdbc.inTransaction(c -> {
            if (Jdbc.query(c, "SELECT version FROM nb_model_version WHERE tenant_id = ? AND version = ?",
                    row -> row.getInt(1), tenant.value(), version).isEmpty()) {
                throw new IllegalArgumentException("tenant '" + tenant + "' has no model version " + version);
            }
            List<Integer> current = Jdbc.query(c, "SELECT version FROM nb_champion WHERE tenant_id = ? FOR UPDATE",
                    row -> row.getInt(1), tenant.value());
            if (current.isEmpty() || current.get(0) != version) {
                moveChampion(c, tenant, version, actor, reason);
            } else {
                audit(c, tenant, version, version, actor, "pinned: " + reason);
            }
            Jdbc.update(c, "UPDATE nb_champion SET pinned_by = ?, pinned_reason = ?, pinned_at = ? WHERE tenant_id = ?",
                    actor, truncate(reason), clock.instant(), tenant.value());
            return null;
        });
    }

    /** Releases the pin; returns the pin that held, if any. Audited. */
    public Optional<Pin> unpin(TenantId tenant, String actor, String reason) {
        return jdbc.inTransaction(c -> {
            Optional<Pin> pin = pin(c, tenant);
            if (pin.isPresent()) {
                Jdbc.update(c, "UPDATE nb_champion SET pinned_by = NULL, pinned_reason = NULL, pinned_at = NULL "
                        + "WHERE tenant_id = ?", tenant.value());
                audit(c, tenant, pin.get().version(), pin.get().version(), actor, "unpinned: " + reason);
            }
            return pin;
        });
    }

    /** Makes an existing version the champion (a pin's or a rollback's move), audited; releases any pin. */
    public void pinChampion(TenantId tenant, int version, String actor, String reason) {
        jdbc.inTransaction(c -> {
            if (Jdbc.query(c, "SELECT version FROM nb_model_version WHERE tenant_id = ? AND version = ?",
                    row -> row.getInt(1), tenant.value(), version).isEmpty()) {
                throw new IllegalArgumentException("tenant '" + tenant + "' has no model version " + version);
            }
            moveChampion(c, tenant, version, actor, reason);
            return null;
        });
    }

    @Override
    public Optional<ModelVersion> champion(TenantId tenant) {
        return jdbc.queryOne("SELECT v.* FROM nb_model_version v JOIN nb_champion c "
                + "ON c.tenant_id = v.tenant_id AND c.version = v.version WHERE c.tenant_id = ?", ModelRegistry::version, tenant.value());
    }

    public Optional<ModelVersion> find(TenantId tenant, int version) {
        return jdbc.queryOne("SELECT * FROM nb_model_version WHERE tenant_id = ? AND version = ?", ModelRegistry::version,
                tenant.value(), version);
    }

    /** The version trained for {@code runDate}, if that night's retraining already finished for the tenant. */
    @Override
    public Optional<ModelVersion> trainedOn(TenantId tenant, LocalDate runDate) {
        return jdbc.queryOne("SELECT * FROM nb_model_version WHERE tenant_id = ? AND run_date = ? ORDER BY version DESC",
                ModelRegistry::version, tenant.value(), Date.valueOf(runDate));
    }

    /** The tenant's highest version number, 0 when it has none. */
    public int latestVersion(TenantId tenant) {
        return jdbc.query("SELECT COALESCE(MAX(version), 0) AS v FROM nb_model_version WHERE tenant_id = ?",
                row -> row.getInt("v"), tenant.value()).get(0);
    }

    public List<ModelVersion> versions(TenantId tenant) {
        return jdbc.query("SELECT * FROM nb_model_version WHERE tenant_id = ? ORDER BY version", ModelRegistry::version, tenant.value());
    }

    /** Every tenant's champion version, in one query (the operators' overview of the fleet). */
    public Map<TenantId, Integer> championVersions() {
        Map<TenantId, Integer> versions = new HashMap<>();
        jdbc.query("SELECT tenant_id, version FROM nb_champion", row -> Map.entry(TenantId.of(row.getString(1)), row.getInt(2)))
                .forEach(e -> versions.put(e.getKey(), e.getValue()));
        return versions;
    }

    /** Every tenant's newest version, in one query (the console's fleet view: how each tenant's last evaluation went). */
    public Map<TenantId, ModelVersion> latestVersions() {
        Map<TenantId, ModelVersion> latest = new HashMap<>();
        jdbc.query("SELECT v.* FROM nb_model_version v JOIN (SELECT tenant_id, MAX(version) AS version FROM nb_model_version "
                + "GROUP BY tenant_id) m ON m.tenant_id = v.tenant_id AND m.version = v.version", ModelRegistry::version)
                .forEach(v -> latest.put(v.tenant(), v));
        return latest;
    }

    /** How many versions the nightly gate promoted per run date, from {@code since} on, in one query. */
    public Map<LocalDate, Integer> promotionsPerRunDate(LocalDate since) {
        Map<LocalDate, Integer> promotions = new HashMap<>();
        jdbc.query("SELECT run_date, COUNT(*) AS n FROM nb_model_version WHERE decision = 'PROMOTED' AND run_date >= ? "
                        + "GROUP BY run_date", row -> Map.entry(row.getDate("run_date").toLocalDate(), row.getInt("n")),
                Date.valueOf(since)).forEach(e -> promotions.put(e.getKey(), e.getValue()));
        return promotions;
    }

    public List<ChampionChange> championHistory(TenantId tenant) {
        return jdbc.query("SELECT * FROM nb_champion_change WHERE tenant_id = ? ORDER BY id", row -> new ChampionChange(
                TenantId.of(row.getString("tenant_id")), Jdbc.nullableInt(row, "old_version"), row.getInt("new_version"),
                Jdbc.instant(row, "changed_at"), row.getString("changed_by"), row.getString("reason")), tenant.value());
    }

    private void moveChampion(Connection c, TenantId tenant, int version, String actor, String reason) throws SQLException {
        Instant now = clock.instant();
        List<Integer> current = Jdbc.query(c, "SELECT version FROM nb_champion WHERE tenant_id = ? FOR UPDATE",
                row -> row.getInt(1), tenant.value());
        if (current.isEmpty()) {
            Jdbc.update(c, "INSERT INTO nb_champion (tenant_id, version, changed_at) VALUES (?, ?, ?)", tenant.value(), version, now);
        } else {
            // a pin belongs to the version it was put on: moving the champion releases it
            Jdbc.update(c, "UPDATE nb_champion SET version = ?, changed_at = ?, pinned_by = NULL, pinned_reason = NULL, "
                    + "pinned_at = NULL WHERE tenant_id = ?", version, now, tenant.value());
        }
        audit(c, tenant, current.isEmpty() ? null : current.get(0), version, actor, reason);
    }

    private void audit(Connection c, TenantId tenant, Integer from, int to, String actor, String reason) throws SQLException {
        Jdbc.update(c, "INSERT INTO nb_champion_change (tenant_id, old_version, new_version, changed_at, changed_by, reason) "
                + "VALUES (?, ?, ?, ?, ?, ?)", tenant.value(), from, to, clock.instant(), actor, truncate(reason));
    }

    private static ModelVersion withDecision(ModelVersion v, ModelVersion.Decision decision, String reason) {
        return new ModelVersion(v.tenant(), v.version(), v.runDate(), v.templateName(), v.templateVersion(), v.algorithm(),
                v.hyperParameters(), v.trainFingerprint(), v.trainRows(), v.holdoutRows(), v.challengerRmse(), v.championRmse(),
                v.baselineRmse(), v.comparedWith(), decision, reason, v.libraryVersions(), v.artifactPath(),
                v.startedAt(), v.finishedAt(), v.gateMetric(), v.ranking(), v.championRanking(), v.popularityRanking());
    }

    private static String truncate(String text) {
        return text.length() <= 1000 ? text : text.substring(0, 997) + "...";
    }

    private static ModelVersion withVersion(ModelVersion v, int version) {
        return new ModelVersion(v.tenant(), version, v.runDate(), v.templateName(), v.templateVersion(), v.algorithm(),
                v.hyperParameters(), v.trainFingerprint(), v.trainRows(), v.holdoutRows(), v.challengerRmse(), v.championRmse(),
                v.baselineRmse(), v.comparedWith(), v.decision(), v.reason(), v.libraryVersions(), v.artifactPath(),
                v.startedAt(), v.finishedAt(), v.gateMetric(), v.ranking(), v.championRanking(), v.popularityRanking());
    }

    private static Integer rankingK(ModelVersion v) {
        for (RankingMetrics m : new RankingMetrics[] {v.ranking(), v.championRanking(), v.popularityRanking()}) {
            if (m != null) {
                return m.k();
            }
        }
        return null;
    }

    private static Double precision(RankingMetrics m) {
        return m == null ? null : finite(m.precision());
    }

    private static Double recall(RankingMetrics m) {
        return m == null ? null : finite(m.recall());
    }

    private static Double ndcg(RankingMetrics m) {
        return m == null ? null : finite(m.ndcg());
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static Double finite(Double value) {
        return value == null ? null : finite(value.doubleValue());
    }

    /** What a version publishes; empty for versions registered without it (before issue 9's migration). */
    @Override
    public Optional<ServedRanking> servedRanking(TenantId tenant, int version) {
        return jdbc.queryOne("SELECT * FROM nb_served_ranking WHERE tenant_id = ? AND version = ?", row -> new ServedRanking(
                row.getString("ranking"), row.getString("reason"), row.getString("guard"),
                Jdbc.nullableDouble(row, "ndcg_at_k"), Jdbc.nullableDouble(row, "popularity_ndcg_at_k"),
                Jdbc.nullableDouble(row, "coverage"), Jdbc.nullableDouble(row, "popularity_coverage"),
                Jdbc.nullableInt(row, "distinct_products"), Jdbc.nullableDouble(row, "top_product_share"),
                row.getLong("trained_through_micros")), tenant.value(), version);
    }

    /** Ranking metrics from three columns sharing ranking_k and ranking_customers; null when the version has none. */
    private static RankingMetrics ranking(ResultSet row, String prefix) throws SQLException {
        Integer k = Jdbc.nullableInt(row, "ranking_k");
        Double precision = Jdbc.nullableDouble(row, prefix + "precision_at_k");
        Double recall = Jdbc.nullableDouble(row, prefix + "recall_at_k");
        Double ndcg = Jdbc.nullableDouble(row, prefix + "ndcg_at_k");
        if (k == null || precision == null || recall == null || ndcg == null) {
            return null;
        }
        Integer customers = Jdbc.nullableInt(row, "ranking_customers");
        return new RankingMetrics(k, customers == null ? 0 : customers, precision, recall, ndcg);
    }

    private static ModelVersion version(ResultSet row) throws SQLException {
        return new ModelVersion(TenantId.of(row.getString("tenant_id")), row.getInt("version"),
                row.getDate("run_date").toLocalDate(), row.getString("template_name"), row.getInt("template_version"),
                row.getString("algorithm"), row.getString("hyper_parameters"), row.getString("train_fingerprint"),
                row.getLong("train_rows"), row.getLong("holdout_rows"), row.getDouble("challenger_rmse"),
                Jdbc.nullableDouble(row, "champion_rmse"), row.getDouble("baseline_rmse"), Jdbc.nullableInt(row, "compared_with"),
                ModelVersion.Decision.valueOf(row.getString("decision")), row.getString("reason"),
                row.getString("library_versions"), row.getString("artifact_path"), Jdbc.instant(row, "started_at"),
                Jdbc.instant(row, "finished_at"), row.getString("gate_metric"), ranking(row, ""), ranking(row, "champion_"),
                ranking(row, "popularity_"));
    }
}
