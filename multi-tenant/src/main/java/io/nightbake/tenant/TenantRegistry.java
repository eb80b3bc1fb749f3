package io.nightbake.tenant;

import io.nightbake.jdbc.Jdbc;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/** Tenants and their ON/FROZEN/OFF state; every change is recorded with when, who and why. */
public class TenantRegistry {

    private final Jdbc jdbc;
    private final Clock clock;

    public TenantRegistry(DataSource dataSource, Clock clock) {
        this.jdbc = new Jdbc(dataSource);
        this.clock = clock;
    }

    public List<Tenant> list() {
        return jdbc.query("SELECT * FROM nb_tenant ORDER BY tenant_id", TenantRegistry::tenant);
    }

    /** Every tenant's state by id: what a serving process polls, so only the two columns it needs. */
    public Map<String, TenantState> states() {
        return jdbc.query("SELECT tenant_id, state FROM nb_tenant", row -> Map.entry(row.getString(1),
                TenantState.valueOf(row.getString(2)))).stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    public List<Tenant> inState(TenantState state) {
        return jdbc.query("SELECT * FROM nb_tenant WHERE state = ? ORDER BY tenant_id", TenantRegistry::tenant, state.name());
    }

    public Optional<Tenant> find(TenantId id) {
        return jdbc.queryOne("SELECT * FROM nb_tenant WHERE tenant_id = ?", TenantRegistry::tenant, id.value());
    }

    public Tenant get(TenantId id) {
        return find(id).orElseThrow(() -> new UnknownTenantException(id));
    }

    /** Registers the tenant in {@code state} unless it is already known; returns the tenant as stored. */
    public Tenant register(TenantId id, TenantState state, String actor, String reason) {
        return jdbc.inTransaction(c -> {
            List<Tenant> existing = Jdbc.query(c, "SELECT * FROM nb_tenant WHERE tenant_id = ?", TenantRegistry::tenant, id.value());
            if (!existing.isEmpty()) {
                return existing.get(0);
            }
            Instant now = clock.instant();
            Jdbc.update(c, "INSERT INTO nb_tenant (tenant_id, state, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    id.value(), state.name(), now, now);
            recordChange(c, id, null, state, now, actor, reason);
            return new Tenant(id, state, now, now);
        });
    }

    /** Changes the tenant's state and records who did it and why. Setting the current state again is a no-op. */
    public Tenant setState(TenantId id, TenantState state, String actor, String reason) {
        requireText(actor, "actor");
        requireText(reason, "reason");
        return jdbc.inTransaction(c -> {
            List<Tenant> rows = Jdbc.query(c, "SELECT * FROM nb_tenant WHERE tenant_id = ? FOR UPDATE", TenantRegistry::tenant, id.value());
            if (rows.isEmpty()) {
                throw new UnknownTenantException(id);
            }
            Tenant current = rows.get(0);
            if (current.state() == state) {
                return current;
            }
            Instant now = clock.instant();
            Jdbc.update(c, "UPDATE nb_tenant SET state = ?, updated_at = ? WHERE tenant_id = ?", state.name(), now, id.value());
            recordChange(c, id, current.state(), state, now, actor, reason);
            return new Tenant(id, state, current.createdAt(), now);
        });
    }

    public List<TenantStateChange> history(TenantId id) {
        return jdbc.query("SELECT * FROM nb_tenant_state_change WHERE tenant_id = ? ORDER BY id", TenantRegistry::change, id.value());
    }

    private static TenantStateChange change(ResultSet row) throws SQLException {
        return new TenantStateChange(TenantId.of(row.getString("tenant_id")),
                row.getString("old_state") == null ? null : TenantState.valueOf(row.getString("old_state")),
                TenantState.valueOf(row.getString("new_state")),
                Jdbc.instant(row, "changed_at"), row.getString("changed_by"), row.getString("reason"));
    }

    /** Every tenant's state changes, oldest first (macro monitoring replays them into counts per day). */
    public List<TenantStateChange> allHistory() {
        return jdbc.query("SELECT * FROM nb_tenant_state_change ORDER BY changed_at, id", TenantRegistry::change);
    }

    private static void recordChange(Connection c, TenantId id, TenantState from, TenantState to, Instant at,
                                     String actor, String reason) throws SQLException {
        Jdbc.update(c, "INSERT INTO nb_tenant_state_change (tenant_id, old_state, new_state, changed_at, changed_by, reason) "
                + "VALUES (?, ?, ?, ?, ?, ?)", id.value(), from == null ? null : from.name(), to.name(), at, actor, reason);
    }

    private static Tenant tenant(ResultSet row) throws SQLException {
        return new Tenant(TenantId.of(row.getString("tenant_id")), TenantState.valueOf(row.getString("state")),
                Jdbc.instant(row, "created_at"), Jdbc.instant(row, "updated_at"));
    }

    static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("a " + what + " is required");
        }
    }
}
