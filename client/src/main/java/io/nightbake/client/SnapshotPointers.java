package io.nightbake.client;

import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/** Where the published snapshots are: which one each tenant serves, and the older ones kept for fallback. */
public interface SnapshotPointers {

    /** One snapshot of a tenant and its serving file. */
    record Pointer(String tenant, String snapshotId, Path servingFile) {
    }

    /** Every published tenant's served snapshot, by tenant id. */
    Map<String, Pointer> current();

    /** The tenant's kept snapshots, newest first (the served one included). */
    List<Pointer> kept(String tenant);

    /** The pointers of Nightbake's snapshot registry (the database {@code serve} and {@code run-nightly} use). */
    static SnapshotPointers registry(DataSource dataSource) {
        SnapshotRegistry registry = new SnapshotRegistry(dataSource, Clock.systemUTC());
        return new SnapshotPointers() {
            /** The pointers of the last poll: a poll reads only the ids, then the snapshots that moved. */
            private Map<String, Pointer> last = Map.of();

            @Override
            public synchronized Map<String, Pointer> current() {
                Map<String, String> ids = registry.publishedIds();
                Map<String, Pointer> pointers = new HashMap<>();
                Set<String> moved = new HashSet<>();
                ids.forEach((tenant, id) -> {
                    Pointer known = last.get(tenant);
                    if (known != null && known.snapshotId().equals(id)) {
                        pointers.put(tenant, known);
                    } else {
                        moved.add(tenant);
                    }
                });
                registry.currentOf(moved).forEach((tenant, snapshot) -> pointers.put(tenant, pointer(snapshot)));
                last = pointers;
                return pointers;
            }

            @Override
            public List<Pointer> kept(String tenant) {
                return registry.snapshots(TenantId.of(tenant)).stream().map(SnapshotPointers::pointer).toList();
            }
        };
    }

    private static Pointer pointer(Snapshot snapshot) {
        return new Pointer(snapshot.tenant().value(), snapshot.snapshotId(),
                ServingFile.beside(Path.of(snapshot.path())));
    }
}
