package io.nightbake.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nightbake.jdbc.Jdbc;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SnapshotRegistryTest {

    private final TenantId acme = TenantId.of("acme");
    private SnapshotRegistry snapshots;
    private JdbcDataSource ds;

    @BeforeEach
    void setUp() {
        ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        new TenantRegistry(ds, Clock.systemUTC()).register(acme, TenantState.ON, "test", "test");
        snapshots = new SnapshotRegistry(ds, Clock.systemUTC());
    }

    private Snapshot snapshot(int day) {
        return new Snapshot(acme, "s" + day, LocalDate.of(2026, 10, day), 1, "/snapshots/s" + day, 10, 200, Instant.now());
    }

    /** The ids a serving node polls, and the snapshots of those asked for: read one by one when few, all at once when many. */
    @Test
    void publishedIdsAndTheSnapshotsOfSomeTenants() {
        TenantRegistry tenants = new TenantRegistry(ds, Clock.systemUTC());
        Set<String> all = new HashSet<>();
        for (int t = 0; t < SnapshotRegistry.ONE_BY_ONE + 6; t++) {
            TenantId tenant = TenantId.of("t" + t);
            tenants.register(tenant, TenantState.ON, "test", "test");
            snapshots.publish(new Snapshot(tenant, "s-" + tenant, LocalDate.of(2026, 10, 1), 1, "/s/" + tenant, 1, 1,
                    Instant.now()), "nightly", "run");
            all.add(tenant.value());
        }
        snapshots.unpublish(TenantId.of("t0"), "ops", "off");
        Map<String, String> ids = snapshots.publishedIds();
        assertThat(ids).hasSize(all.size() - 1).containsEntry("t1", "s-t1").doesNotContainKey("t0");

        assertThat(snapshots.currentOf(Set.of("t0", "t1", "t2", "nobody"))).as("one by one")
                .containsOnlyKeys("t1", "t2").extractingByKey("t2").extracting(Snapshot::snapshotId).isEqualTo("s-t2");
        Map<String, Snapshot> many = snapshots.currentOf(all);
        assertThat(all).hasSizeGreaterThan(SnapshotRegistry.ONE_BY_ONE);
        assertThat(many).as("all at once").hasSize(all.size() - 1).doesNotContainKey("t0");
        many.forEach((tenant, snapshot) -> assertThat(snapshot.snapshotId()).isEqualTo(ids.get(tenant)));
    }

    @Test
    void publishKeepsTheNewestThreeAndRollbackGoesBackOne() {
        assertThat(snapshots.current(acme)).isEmpty();
        assertThat(snapshots.publish(snapshot(1), "nightly", "run 1")).isEmpty();
        snapshots.publish(snapshot(2), "nightly", "run 2");
        snapshots.publish(snapshot(3), "nightly", "run 3");
        List<Snapshot> dropped = snapshots.publish(snapshot(4), "nightly", "run 4");
        assertThat(dropped).extracting(Snapshot::snapshotId).containsExactly("s1");
        assertThat(snapshots.snapshots(acme)).extracting(Snapshot::snapshotId).containsExactly("s4", "s3", "s2");
        assertThat(snapshots.current(acme)).map(Snapshot::snapshotId).contains("s4");

        assertThat(snapshots.rollback(acme, "alice", "bad lists").snapshotId()).isEqualTo("s3");
        assertThat(snapshots.current(acme)).map(Snapshot::snapshotId).contains("s3");
        assertThat(snapshots.rollback(acme, "alice", "again").snapshotId()).isEqualTo("s2");
        assertThatThrownBy(() -> snapshots.rollback(acme, "alice", "once more")).hasMessageContaining("no snapshot older");
    }

    @Test
    void anOlderNightPublishingLateNeverReplacesNewerListsAndOrderIsByRunDate() {
        snapshots.publish(snapshot(10), "nightly", "run 10");
        snapshots.publish(snapshot(20), "nightly", "run 20");
        // the night of the 15th publishes last (a late rerun): recorded, but the 20th stays served
        snapshots.publish(snapshot(15), "nightly", "run 15");
        assertThat(snapshots.current(acme)).map(Snapshot::snapshotId).contains("s20");
        assertThat(snapshots.snapshots(acme)).extracting(Snapshot::snapshotId).containsExactly("s20", "s15", "s10");
        // rollback goes to the previous night by date, not to the one that arrived before
        assertThat(snapshots.rollback(acme, "alice", "bad lists").snapshotId()).isEqualTo("s15");
        // and rolling forward again is possible
        assertThat(snapshots.rollForward(acme, "alice", "fixed").snapshotId()).isEqualTo("s20");
        assertThatThrownBy(() -> snapshots.rollForward(acme, "alice", "again")).hasMessageContaining("newest");
    }

    @Test
    void retentionKeepsTheNewestByRunDateAndTheServedOne() {
        snapshots.publish(snapshot(20), "nightly", "run 20");
        snapshots.publish(snapshot(21), "nightly", "run 21");
        snapshots.publish(snapshot(22), "nightly", "run 22");
        // an old night arriving late must not push out the newest one
        List<Snapshot> dropped = snapshots.publish(snapshot(5), "nightly", "run 5");
        assertThat(dropped).extracting(Snapshot::snapshotId).containsExactly("s5");
        assertThat(snapshots.current(acme)).map(Snapshot::snapshotId).contains("s22");
        assertThat(snapshots.snapshots(acme)).extracting(Snapshot::snapshotId).containsExactly("s22", "s21", "s20");

        // an operator serves an old one: newer nights' retention never deletes the served snapshot
        snapshots.rollback(acme, "alice", "r1");
        snapshots.rollback(acme, "alice", "r2");
        snapshots.publish(snapshot(23), "nightly", "run 23");
        assertThat(snapshots.current(acme)).map(Snapshot::snapshotId).contains("s23");
    }

    @Test
    void republishingTheSameSnapshotIsIdempotentAndUnpublishClearsThePointer() {
        snapshots.publish(snapshot(1), "nightly", "run 1");
        snapshots.publish(snapshot(1), "nightly", "rerun");
        assertThat(snapshots.snapshots(acme)).hasSize(1);
        assertThat(snapshots.unpublish(acme, "bob", "tenant switched off")).isTrue();
        assertThat(snapshots.current(acme)).isEmpty();
        assertThat(snapshots.allCurrent()).isEmpty();
        assertThat(snapshots.unpublish(acme, "bob", "again")).isFalse();
        assertThatThrownBy(() -> snapshots.rollback(acme, "bob", "x")).hasMessageContaining("no published snapshot");
    }

    @Test
    void turningBackOnServesWhatWasServedBeforeUnpublishingEvenAfterARollback() {
        assertThat(snapshots.republishLastServed(acme, "alice", "on again")).isEmpty();
        snapshots.publish(snapshot(1), "nightly", "run 1");
        snapshots.publish(snapshot(2), "nightly", "run 2");
        snapshots.rollback(acme, "alice", "lists of run 2 are bad");
        snapshots.unpublish(acme, "alice", "tenant OFF");

        assertThat(snapshots.republishLastServed(acme, "alice", "tenant ON")).map(Snapshot::snapshotId).contains("s1");
        assertThat(snapshots.current(acme)).map(Snapshot::snapshotId).contains("s1");
        // already published: nothing moves
        assertThat(snapshots.republishLastServed(acme, "alice", "again")).map(Snapshot::snapshotId).contains("s1");
    }

    @Test
    void turningBackOnAfterFurtherNightsServesTheSnapshotServedLast() {
        snapshots.publish(snapshot(1), "nightly", "run 1");
        snapshots.unpublish(acme, "alice", "tenant OFF");
        snapshots.publish(snapshot(2), "nightly", "run 2");
        snapshots.publish(snapshot(3), "nightly", "run 3");
        snapshots.publish(snapshot(4), "nightly", "run 4"); // s1 falls out of retention
        snapshots.unpublish(acme, "alice", "tenant OFF again");
        assertThat(snapshots.republishLastServed(acme, "alice", "tenant ON")).map(Snapshot::snapshotId).contains("s4");
    }
}
