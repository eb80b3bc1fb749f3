package io.nightbake.feedback;

import io.nightbake.jdbc.Jdbc;
import io.nightbake.tenant.TenantId;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * The database side of feedback: accepted events until the nightly compaction moves them to Parquet, the idempotency
 * keys, and the daily performance counts computed from the compacted files.
 *
 * <p>Idempotency by (tenant, eventId) rests on the primary key of {@code nb_event_key}. On PostgreSQL every key is
 * inserted with {@code ON CONFLICT DO NOTHING}, whose update count (1 new, 0 duplicate) is exact under concurrent
 * retries: a second transaction inserting the same key waits for the first and then sees it. H2 has no such clause
 * outside its PostgreSQL mode, so there the insert is a check-then-insert under a per-tenant lock of this process
 * (H2 is the embedded, single-server database), with the key as the safety net: a conflict from another process
 * rolls the batch back and it is retried. Either way the batch commits in one transaction before it is
 * acknowledged.
 */
public class EventStore {

    private static final int IN_CHUNK = 500;

    private final DataSource dataSource;
    private final Jdbc jdbc;
    private final Clock clock;
    private final Map<String, Object> tenantLocks = new ConcurrentHashMap<>();
    private volatile Boolean postgres;

    public EventStore(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.jdbc = new Jdbc(dataSource);
        this.clock = clock;
    }

    /** An event as stored, with its database row id and when it was received. */
    public record StoredEvent(long id, FeedbackEvent event, Instant receivedAt) {
    }

    /** Performance counts of one tenant, day and attribution. */
    public record DailyCounts(TenantId tenant, LocalDate date, String snapshotId, int modelVersion, String arm,
                              long impressions, long clicks, long purchases, long ratings) {
    }

    /**
     * Stores the events of one batch in one transaction; element i of the answer is true when event i was new, false
     * when its eventId was already stored for this tenant (or appeared earlier in the same batch).
     */
    public boolean[] insert(TenantId tenant, List<FeedbackEvent> events) {
        boolean[] fresh = new boolean[events.size()];
        if (events.isEmpty()) {
            return fresh;
        }
        if (isPostgres()) {
            return jdbc.inTransaction(c -> insertPostgres(c, tenant, events));
        }
        Object lock = tenantLocks.computeIfAbsent(tenant.value(), t -> new Object());
        for (int attempt = 1; ; attempt++) {
            try {
                synchronized (lock) {
                    return jdbc.inTransaction(c -> insertChecked(c, tenant, events));
                }
            } catch (Jdbc.DataAccessFailure e) {
                if (attempt >= 3 || !(e.getCause() instanceof SQLException sql) || !"23505".equals(sql.getSQLState())) {
                    throw e;
                }
                // another process inserted one of these keys meanwhile: the whole batch rolled back, check again
            }
        }
    }

    private boolean[] insertPostgres(Connection c, TenantId tenant, List<FeedbackEvent> events) throws SQLException {
        Instant now = clock.instant();
        boolean[] fresh = new boolean[events.size()];
        // keys in event id order, so that two batches with overlapping ids lock them in the same order (no deadlock)
        Integer[] order = new Integer[events.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparing(i -> events.get(i).eventId()));
        try (PreparedStatement keys = c.prepareStatement("INSERT INTO nb_event_key (tenant_id, event_id, received_at) "
                + "VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (int i : order) {
                keys.setString(1, tenant.value());
                keys.setString(2, events.get(i).eventId());
                keys.setTimestamp(3, Timestamp.from(now));
                keys.addBatch();
            }
            int[] counts = keys.executeBatch();
            for (int k = 0; k < counts.length; k++) {
                if (counts[k] < 0) {
                    throw new IllegalStateException("the JDBC driver does not report per-row update counts (is "
                            + "reWriteBatchedInserts on?); feedback idempotency needs them");
                }
                fresh[order[k]] = counts[k] == 1;
            }
        }
        insertEvents(c, tenant, events, fresh, now);
        return fresh;
    }

    private boolean[] insertChecked(Connection c, TenantId tenant, List<FeedbackEvent> events) throws SQLException {
        Instant now = clock.instant();
        // point lookups on the primary key: H2 does not use the key's second column for an IN list
        Set<String> existing = new HashSet<>();
        try (PreparedStatement find = c.prepareStatement("SELECT 1 FROM nb_event_key WHERE tenant_id = ? AND event_id = ?")) {
            for (FeedbackEvent event : events) {
                find.setString(1, tenant.value());
                find.setString(2, event.eventId());
                try (var row = find.executeQuery()) {
                    if (row.next()) {
                        existing.add(event.eventId());
                    }
                }
            }
        }
        boolean[] fresh = new boolean[events.size()];
        try (PreparedStatement keys = c.prepareStatement(
                "INSERT INTO nb_event_key (tenant_id, event_id, received_at) VALUES (?, ?, ?)")) {
            for (int i = 0; i < events.size(); i++) {
                String id = events.get(i).eventId();
                if (existing.add(id)) { // also marks a repeat within the batch as a duplicate
                    fresh[i] = true;
                    keys.setString(1, tenant.value());
                    keys.setString(2, id);
                    keys.setTimestamp(3, Timestamp.from(now));
                    keys.addBatch();
                }
            }
            keys.executeBatch();
        }
        insertEvents(c, tenant, events, fresh, now);
        return fresh;
    }

    private static void insertEvents(Connection c, TenantId tenant, List<FeedbackEvent> events, boolean[] fresh, Instant now)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO nb_event (tenant_id, event_id, customer_id, "
                + "product_id, event_type, event_value, event_time, recommendation_id, rank_position, received_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int rows = 0;
            for (int i = 0; i < events.size(); i++) {
                if (!fresh[i]) {
                    continue;
                }
                FeedbackEvent e = events.get(i);
                insert.setString(1, tenant.value());
                insert.setString(2, e.eventId());
                insert.setString(3, e.customerId());
                insert.setString(4, e.productId());
                insert.setString(5, e.type().wireName());
                if (e.value() == null) {
                    insert.setNull(6, Types.DOUBLE);
                } else {
                    insert.setDouble(6, e.value());
                }
                insert.setTimestamp(7, Timestamp.from(e.time()));
                insert.setString(8, e.recommendationId());
                if (e.rank() == null) {
                    insert.setNull(9, Types.INTEGER);
                } else {
                    insert.setInt(9, e.rank());
                }
                insert.setTimestamp(10, Timestamp.from(now));
                insert.addBatch();
                rows++;
            }
            if (rows > 0) {
                insert.executeBatch();
            }
        }
    }

    /** Tenants with events waiting for compaction. */
    public List<TenantId> tenantsWithPendingEvents() {
        return jdbc.query("SELECT DISTINCT tenant_id FROM nb_event ORDER BY tenant_id", row -> TenantId.of(row.getString(1)));
    }

    /** Up to {@code limit} waiting events of the tenant dated before {@code before}, after row id {@code afterId}. */
    public List<StoredEvent> pending(TenantId tenant, Instant before, long afterId, int limit) {
        return jdbc.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM nb_event WHERE tenant_id = ? AND event_time < ? "
                    + "AND id > ? ORDER BY id")) {
                s.setString(1, tenant.value());
                s.setTimestamp(2, Timestamp.from(before));
                s.setLong(3, afterId);
                s.setMaxRows(limit);
                try (var rows = s.executeQuery()) {
                    List<StoredEvent> result = new ArrayList<>();
                    while (rows.next()) {
                        Double value = Jdbc.nullableDouble(rows, "event_value");
                        Integer rank = Jdbc.nullableInt(rows, "rank_position");
                        FeedbackEvent event = new FeedbackEvent(rows.getString("event_id"), rows.getString("customer_id"),
                                rows.getString("product_id"),
                                FeedbackEventType.ofWireName(rows.getString("event_type").toLowerCase(Locale.ROOT)), value,
                                Jdbc.instant(rows, "event_time"), rows.getString("recommendation_id"), rank);
                        result.add(new StoredEvent(rows.getLong("id"), event, Jdbc.instant(rows, "received_at")));
                    }
                    return result;
                }
            }
        });
    }

    /** Deletes compacted events by row id (call only once the file holding them is durable). */
    public int delete(List<Long> ids) {
        return jdbc.inTransaction(c -> {
            int deleted = 0;
            for (int from = 0; from < ids.size(); from += IN_CHUNK) {
                List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
                deleted += Jdbc.update(c, "DELETE FROM nb_event WHERE id IN (" + "?,".repeat(chunk.size() - 1) + "?)",
                        chunk.toArray());
            }
            return deleted;
        });
    }

    /** Forgets idempotency keys received before {@code before}; a retry older than that would count again. */
    public int pruneKeys(Instant before) {
        return jdbc.inTransaction(c -> Jdbc.update(c, "DELETE FROM nb_event_key WHERE received_at < ?", before));
    }

    /** Events waiting for compaction, all tenants. */
    public long pendingCount() {
        return jdbc.queryOne("SELECT count(*) FROM nb_event", row -> row.getLong(1)).orElse(0L);
    }

    /** Whether the tenant ever published the snapshot (pointer moves are audited for good, snapshots pruned). */
    public boolean tenantHadSnapshot(TenantId tenant, String snapshotId) {
        return jdbc.queryOne("SELECT count(*) FROM nb_publication_change WHERE tenant_id = ? AND new_snapshot = ?",
                row -> row.getLong(1), tenant.value(), snapshotId).orElse(0L) > 0
                || jdbc.queryOne("SELECT count(*) FROM nb_snapshot WHERE tenant_id = ? AND snapshot_id = ?",
                row -> row.getLong(1), tenant.value(), snapshotId).orElse(0L) > 0;
    }

    /** Replaces the tenant's counts of one day (recomputed from that day's files). */
    public void replaceDaily(TenantId tenant, LocalDate date, List<DailyCounts> counts) {
        jdbc.inTransaction(c -> {
            Jdbc.update(c, "DELETE FROM nb_feedback_daily WHERE tenant_id = ? AND event_date = ?", tenant.value(),
                    Date.valueOf(date));
            for (DailyCounts d : counts) {
                Jdbc.update(c, "INSERT INTO nb_feedback_daily (tenant_id, event_date, snapshot_id, model_version, arm, "
                                + "impressions, clicks, purchases, ratings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", tenant.value(),
                        Date.valueOf(date), d.snapshotId(), d.modelVersion(), d.arm(), d.impressions(), d.clicks(),
                        d.purchases(), d.ratings());
            }
            return null;
        });
    }

    /** Daily counts of one tenant (or every tenant when null), days from..to inclusive, by date. */
    public List<DailyCounts> daily(TenantId tenant, LocalDate from, LocalDate to) {
        String sql = "SELECT * FROM nb_feedback_daily WHERE event_date >= ? AND event_date <= ?"
                + (tenant == null ? "" : " AND tenant_id = ?") + " ORDER BY event_date, tenant_id, model_version, snapshot_id, arm";
        Object[] args = tenant == null ? new Object[] {Date.valueOf(from), Date.valueOf(to)}
                : new Object[] {Date.valueOf(from), Date.valueOf(to), tenant.value()};
        return jdbc.query(sql, row -> new DailyCounts(TenantId.of(row.getString("tenant_id")),
                row.getDate("event_date").toLocalDate(), row.getString("snapshot_id"), row.getInt("model_version"),
                row.getString("arm"), row.getLong("impressions"), row.getLong("clicks"), row.getLong("purchases"),
                row.getLong("ratings")), args);
    }

    /** The latest day with performance counts, or null. */
    public LocalDate latestDay() {
        return jdbc.queryOne("SELECT max(event_date) FROM nb_feedback_daily", row -> {
            Date d = row.getDate(1);
            return d == null ? null : d.toLocalDate();
        }).orElse(null);
    }

    private boolean isPostgres() {
        Boolean known = postgres;
        if (known == null) {
            try (Connection c = dataSource.getConnection()) {
                known = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot tell the database product: " + e.getMessage(), e);
            }
            postgres = known;
        }
        return known;
    }

}
