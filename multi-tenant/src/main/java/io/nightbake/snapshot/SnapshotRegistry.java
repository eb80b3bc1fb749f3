package io.nightbake.snapshot;

import io.nightbake.experiment.ArmTable;
import io.nightbake.jdbc.Jdbc;
import io.nightbake.tenant.TenantId;
import java.sql.Connection;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Which snapshot each tenant serves. Publishing, rolling back and unpublishing each move the tenant's pointer in
 * one transaction, audited; the serving side follows the pointer. The newest {@link #KEEP} snapshots are kept
 * (the served one always), older ones are returned for deletion.
 */
public class SnapshotRegistry {

    public static final int KEEP = 3;

    private final Jdbc jdbc;
    private final Clock clock;

    public SnapshotRegistry(DataSource dataSource, Clock clock) {
        this.jdbc = new Jdbc(dataSource);
        this.clock = clock;
    }

    /**
     * Records {@code snapshot} and makes it the one served, unless the tenant serves a snapshot of a later run date:
     * a night that publishes after a newer one (a late rerun of an older date) never replaces newer lists; only an
     * operator's {@link #rollback} serves older ones. Publishing a snapshot id that is already recorded only moves the
     * pointer (a rerun after a crash). Returns the snapshots that fell out of retention.
     */
    public List<Snapshot> publish(Snapshot snapshot, String actor, String reason) {
        return publish(snapshot, null, actor, reason);
    }

    /**
     * Like {@link #publish(Snapshot, String, String)}, with the snapshot's arm table (null or one arm: no experiment)
     * stored in the same transaction, so a tenant never serves arms whose table is not recorded, or the reverse.
     */
    public List<Snapshot> publish(Snapshot snapshot, ArmTable arms, String actor, String reason) {
        return jdbc.inTransaction(c -> {
            TenantId tenant = snapshot.tenant();
            if (find(c, tenant, snapshot.snapshotId()).isEmpty()) {
                Jdbc.update(c, "INSERT INTO nb_snapshot (tenant_id, snapshot_id, run_date, model_version, path, customers, "
                                + "entries, built_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", tenant.value(), snapshot.snapshotId(),
                        Date.valueOf(snapshot.runDate()), snapshot.modelVersion(), snapshot.path(), snapshot.customers(),
                        snapshot.entries(), snapshot.builtAt());
                if (arms != null && arms.experiment()) {
                    for (int i = 0; i < arms.arms().size(); i++) {
                        ArmTable.Arm arm = arms.arms().get(i);
                        Jdbc.update(c, "INSERT INTO nb_snapshot_arm (tenant_id, snapshot_id, arm_index, arm, model_version, "
                                        + "share, seed) VALUES (?, ?, ?, ?, ?, ?, ?)", tenant.value(), snapshot.snapshotId(), i,
                                arm.name(), arm.modelVersion(), arm.share(), arms.seed());
                    }
                }
            }
            Optional<String> servedId = pointer(c, tenant);
            Optional<Snapshot> served = servedId.isPresent() ? find(c, tenant, servedId.get()) : Optional.empty();
            if (served.isPresent() && served.get().runDate().isAfter(snapshot.runDate())) {
                return prune(c, tenant, served.get().snapshotId()); // kept, not served: newer lists stay
            }
            movePointer(c, tenant, snapshot.snapshotId(), actor, reason);
            return prune(c, tenant, snapshot.snapshotId());
        });
    }

    /** Serves the snapshot published before the current one. */
    public Snapshot rollback(TenantId tenant, String actor, String reason) {
        return jdbc.inTransaction(c -> {
            String current = pointer(c, tenant).orElseThrow(() ->
                    new IllegalStateException("tenant '" + tenant + "' has no published snapshot to roll back from"));
            List<Snapshot> all = snapshots(c, tenant);
            // the one before the current in run-date order (the order nights belong to, not the order they arrived)
            int at = indexOf(all, current);
            Snapshot previous = all.stream().skip(at + 1L).findFirst().orElseThrow(() ->
                    new IllegalStateException("tenant '" + tenant + "' has no snapshot older than " + current
                            + " (kept: " + all.stream().map(Snapshot::snapshotId).toList() + ")"));
            movePointer(c, tenant, previous.snapshotId(), actor, reason);
            return previous;
        });
    }

    /**
     * Rolls forward after a {@link #rollback}: serves the kept snapshot just newer (by run date) than the current one.
     */
    public Snapshot rollForward(TenantId tenant, String actor, String reason) {
        return jdbc.inTransaction(c -> {
            String current = pointer(c, tenant).orElseThrow(() ->
                    new IllegalStateException("tenant '" + tenant + "' has no published snapshot to roll forward from"));
            List<Snapshot> all = snapshots(c, tenant);
            int at = indexOf(all, current);
            if (at == 0 || at >= all.size()) {
                throw new IllegalStateException("tenant '" + tenant + "' already serves its newest snapshot " + current
                        + " (kept: " + all.stream().map(Snapshot::snapshotId).toList() + ")");
            }
            Snapshot next = all.get(at - 1);
            movePointer(c, tenant, next.snapshotId(), actor, reason);
            return next;
        });
    }

    /** Stops serving the tenant (it is OFF); its snapshots stay on disk for when it is turned back on. */
    public boolean unpublish(TenantId tenant, String actor, String reason) {
        return jdbc.inTransaction(c -> {
            if (pointer(c, tenant).isEmpty()) {
                return false;
            }
            movePointer(c, tenant, null, actor, reason);
            return true;
        });
    }

    /**
     * Serves a tenant's lists again after {@link #unpublish} (it was turned back on): the snapshot it served when it
     * was unpublished, if that one is still kept (so an operator's rollback stays rolled back), else its newest kept
     * snapshot. Empty when it has no snapshot at all. A tenant that is still published keeps its snapshot, which is
     * returned.
     */
    public Optional<Snapshot> republishLastServed(TenantId tenant, String actor, String reason) {
        return jdbc.inTransaction(c -> {
            Optional<String> served = pointer(c, tenant);
            if (served.isPresent()) {
                return find(c, tenant, served.get());
            }
            List<Snapshot> kept = snapshots(c, tenant);
            Optional<Snapshot> lastServed = Jdbc.query(c, "SELECT old_snapshot FROM nb_publication_change WHERE tenant_id = ? "
                            + "AND new_snapshot IS NULL AND old_snapshot IS NOT NULL ORDER BY id DESC", row -> row.getString(1),
                    tenant.value()).stream().findFirst()
                    .flatMap(id -> kept.stream().filter(s -> s.snapshotId().equals(id)).findFirst());
            Optional<Snapshot> chosen = lastServed.or(() -> kept.stream().findFirst());
            if (chosen.isPresent()) {
                movePointer(c, tenant, chosen.get().snapshotId(), actor, reason);
            }
            return chosen;
        });
    }

    /** The snapshot's arm table; one arm {@code champion} with the snapshot's model version when it has no experiment. */
    public ArmTable arms(Snapshot snapshot) {
        List<Object[]> rows = jdbc.query("SELECT arm, model_version, share, seed FROM nb_snapshot_arm WHERE tenant_id = ? "
                        + "AND snapshot_id = ? ORDER BY arm_index", row -> new Object[] {row.getString(1), row.getInt(2),
                        row.getDouble(3), row.getLong(4)}, snapshot.tenant().value(), snapshot.snapshotId());
        if (rows.isEmpty()) {
            return ArmTable.championOnly(snapshot.modelVersion());
        }
        return new ArmTable((Long) rows.get(0)[3], rows.stream()
                .map(r -> new ArmTable.Arm((String) r[0], (Integer) r[1], (Double) r[2])).toList());
    }

    public Optional<Snapshot> current(TenantId tenant) {
        return jdbc.queryOne("SELECT s.* FROM nb_snapshot s JOIN nb_published p ON p.tenant_id = s.tenant_id "
                + "AND p.snapshot_id = s.snapshot_id WHERE p.tenant_id = ?", SnapshotRegistry::snapshot, tenant.value());
    }

    /**
     * Every published tenant's served snapshot id, by tenant id: what a serving process polls to see pointer moves
     * (two columns; {@link #currentOf} then reads the snapshots of those that moved).
     */
    public Map<String, String> publishedIds() {
        return jdbc.query("SELECT tenant_id, snapshot_id FROM nb_published WHERE snapshot_id IS NOT NULL",
                row -> Map.entry(row.getString(1), row.getString(2))).stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** Up to this many tenants {@link #currentOf} reads one by one; more (a night's publish), all at once. */
    static final int ONE_BY_ONE = 64;

    /** The served snapshots of these tenants (the published ones among them), by tenant id. */
    public Map<String, Snapshot> currentOf(Set<String> tenants) {
        Map<String, Snapshot> found = new HashMap<>();
        if (tenants.size() > ONE_BY_ONE) {
            allCurrent().forEach((tenant, snapshot) -> {
                if (tenants.contains(tenant.value())) {
                    found.put(tenant.value(), snapshot);
                }
            });
        } else {
            tenants.forEach(tenant -> current(TenantId.of(tenant)).ifPresent(snapshot -> found.put(tenant, snapshot)));
        }
        return found;
    }

    /** Every tenant's served snapshot, for loading the serving index. */
    public Map<TenantId, Snapshot> allCurrent() {
        return jdbc.query("SELECT s.* FROM nb_snapshot s JOIN nb_published p ON p.tenant_id = s.tenant_id "
                + "AND p.snapshot_id = s.snapshot_id", SnapshotRegistry::snapshot).stream()
                .collect(Collectors.toMap(Snapshot::tenant, s -> s));
    }

    /** Newest first: by run date, then by publication within a date. */
    public List<Snapshot> snapshots(TenantId tenant) {
        return jdbc.inTransaction(c -> snapshots(c, tenant));
    }

    private static List<Snapshot> snapshots(Connection c, TenantId tenant) throws SQLException {
        return Jdbc.query(c, "SELECT * FROM nb_snapshot WHERE tenant_id = ? ORDER BY run_date DESC, seq DESC",
                SnapshotRegistry::snapshot, tenant.value());
    }

    private static int indexOf(List<Snapshot> snapshots, String snapshotId) {
        for (int i = 0; i < snapshots.size(); i++) {
            if (snapshots.get(i).snapshotId().equals(snapshotId)) {
                return i;
            }
        }
        return snapshots.size();
    }

    private static Optional<Snapshot> find(Connection c, TenantId tenant, String snapshotId) throws SQLException {
        return Jdbc.query(c, "SELECT * FROM nb_snapshot WHERE tenant_id = ? AND snapshot_id = ?", SnapshotRegistry::snapshot,
                tenant.value(), snapshotId).stream().findFirst();
    }

    private static Optional<String> pointer(Connection c, TenantId tenant) throws SQLException {
        return Jdbc.query(c, "SELECT snapshot_id FROM nb_published WHERE tenant_id = ? FOR UPDATE", row -> row.getString(1),
                tenant.value()).stream().filter(id -> id != null).findFirst();
    }

    private void movePointer(Connection c, TenantId tenant, String snapshotId, String actor, String reason) throws SQLException {
        List<String> old = Jdbc.query(c, "SELECT snapshot_id FROM nb_published WHERE tenant_id = ? FOR UPDATE",
                row -> row.getString(1), tenant.value());
        if (old.isEmpty()) {
            Jdbc.update(c, "INSERT INTO nb_published (tenant_id, snapshot_id, changed_at) VALUES (?, ?, ?)",
                    tenant.value(), snapshotId, clock.instant());
        } else if (java.util.Objects.equals(old.get(0), snapshotId)) {
            return;
        } else {
            Jdbc.update(c, "UPDATE nb_published SET snapshot_id = ?, changed_at = ? WHERE tenant_id = ?",
                    snapshotId, clock.instant(), tenant.value());
        }
        Jdbc.update(c, "INSERT INTO nb_publication_change (tenant_id, old_snapshot, new_snapshot, changed_at, changed_by, reason) "
                + "VALUES (?, ?, ?, ?, ?, ?)", tenant.value(), old.isEmpty() ? null : old.get(0), snapshotId, clock.instant(),
                actor, reason);
    }

    /**
     * Deletes the records of snapshots beyond the newest {@link #KEEP} by run date (never the served one) and returns
     * them.
     */
    private static List<Snapshot> prune(Connection c, TenantId tenant, String served) throws SQLException {
        List<Snapshot> all = snapshots(c, tenant);
        List<Snapshot> dropped = all.stream().skip(KEEP).filter(s -> !s.snapshotId().equals(served)).toList();
        for (Snapshot s : dropped) {
            Jdbc.update(c, "DELETE FROM nb_snapshot_arm WHERE tenant_id = ? AND snapshot_id = ?", tenant.value(), s.snapshotId());
            Jdbc.update(c, "DELETE FROM nb_snapshot WHERE tenant_id = ? AND snapshot_id = ?", tenant.value(), s.snapshotId());
        }
        return dropped;
    }

    private static Snapshot snapshot(ResultSet row) throws SQLException {
        return new Snapshot(TenantId.of(row.getString("tenant_id")), row.getString("snapshot_id"),
                row.getDate("run_date").toLocalDate(), row.getInt("model_version"), row.getString("path"),
                row.getLong("customers"), row.getLong("entries"), Jdbc.instant(row, "built_at"));
    }
}
