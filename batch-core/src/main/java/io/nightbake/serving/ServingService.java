package io.nightbake.serving;

import io.nightbake.experiment.ArmTable;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.Tenant;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * Daytime lookups, answered from memory: the published snapshot of every tenant in a {@link RecommendationIndex}
 * and every tenant's state, so a request never touches the database or Spark. A process that serves follows the
 * registry: publications made in this process swap in at once, those made by another process (a `run-nightly`
 * next to a `serve`, an operator's rollback) within {@code nightbake.serving.refresh-millis}.
 */
@Service
public class ServingService {

    private static final Logger log = LoggerFactory.getLogger(ServingService.class);

    private final SnapshotRegistry snapshots;
    private final TenantRegistry tenants;
    private final RecommendationIndex index = new RecommendationIndex();
    private final Map<String, TenantState> states = new ConcurrentHashMap<>();
    private final Map<String, TenantSnapshotIndex> prepared = new ConcurrentHashMap<>();
    /** The arm table of every served snapshot, by snapshot id (ids are unique across tenants). */
    private final Map<String, ArmTable> armTables = new ConcurrentHashMap<>();
    private volatile boolean active;

    public ServingService(SnapshotRegistry snapshots, TenantRegistry tenants) {
        this.snapshots = snapshots;
        this.tenants = tenants;
    }

    /** Starts serving: loads every published snapshot. Processes that only run the batch never call this. */
    public synchronized void start() {
        active = true;
        refresh();
    }

    public boolean active() {
        return active;
    }

    public RecommendationIndex index() {
        return index;
    }

    /** The tenant's state as last seen, or null for a tenant the registry does not know. */
    public TenantState state(String tenant) {
        return states.get(tenant);
    }

    /** Loads a snapshot about to be published, so that the swap after the registry commit is instant. */
    public void prepare(Snapshot snapshot) {
        if (active) {
            prepared.put(snapshot.snapshotId(), TenantSnapshotIndex.load(Path.of(snapshot.path()), snapshot.snapshotId(),
                    snapshot.builtAt()));
        }
    }

    /** The registry now points at {@code snapshot}: serve it. */
    public synchronized void published(Snapshot snapshot) {
        if (active) {
            armTables.put(snapshot.snapshotId(), snapshots.arms(snapshot)); // before the swap: no lookup sees it missing
            TenantSnapshotIndex ready = prepared.remove(snapshot.snapshotId());
            index.swap(snapshot.tenant().value(), ready != null ? ready
                    : TenantSnapshotIndex.load(Path.of(snapshot.path()), snapshot.snapshotId(), snapshot.builtAt()));
            states.put(snapshot.tenant().value(), tenants.get(snapshot.tenant()).state());
        }
    }

    public void unpublished(TenantId tenant) {
        if (active) {
            index.remove(tenant.value());
            states.put(tenant.value(), TenantState.OFF);
        }
    }

    /**
     * The tenant's state changed in this process (an operator's change): lookups answer by the new state at once; an
     * OFF tenant's lists stop being served. Synchronized with {@link #refresh} so that a refresh that read the registry
     * before the change cannot put the old state back.
     */
    public synchronized void stateChanged(TenantId tenant, TenantState state) {
        if (active) {
            if (state == TenantState.OFF) {
                index.remove(tenant.value());
            }
            states.put(tenant.value(), state);
        }
    }

    /** Follows the registry: tenant states, and snapshot pointers moved by this or another process. */
    @Scheduled(fixedDelayString = "${nightbake.serving.refresh-millis:5000}")
    public synchronized void refresh() {
        if (!active) {
            return;
        }
        Set<String> known = new HashSet<>();
        for (Tenant tenant : tenants.list()) {
            states.put(tenant.id().value(), tenant.state());
            known.add(tenant.id().value());
        }
        states.keySet().retainAll(known);
        Map<String, Snapshot> current = snapshots.allCurrent().entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().value(), Map.Entry::getValue));
        for (Snapshot snapshot : current.values()) {
            TenantSnapshotIndex served = index.get(snapshot.tenant().value());
            if (served == null || !served.snapshotId().equals(snapshot.snapshotId())) {
                try {
                    armTables.put(snapshot.snapshotId(), snapshots.arms(snapshot));
                    index.swap(snapshot.tenant().value(), TenantSnapshotIndex.load(Path.of(snapshot.path()),
                            snapshot.snapshotId(), snapshot.builtAt()));
                    log.info("serving {} for tenant {}", snapshot.snapshotId(), snapshot.tenant());
                } catch (RuntimeException e) {
                    log.error("cannot load snapshot {} of tenant {}; it keeps serving what it served: {}",
                            snapshot.snapshotId(), snapshot.tenant(), e.getMessage());
                }
            }
        }
        for (String tenant : index.tenants()) {
            if (!current.containsKey(tenant)) {
                index.remove(tenant);
            }
        }
        Set<String> served = new HashSet<>();
        for (String tenant : index.tenants()) {
            TenantSnapshotIndex s = index.get(tenant);
            if (s != null) {
                served.add(s.snapshotId());
            }
        }
        armTables.keySet().retainAll(served);
    }

    /**
     * The arm that serves {@code customer} in the snapshot {@code served}: from the snapshot's arm table by the stable
     * hash (the same the prebake used to pick the customer's list), or {@code champion} outside experiments.
     */
    public ArmTable.Arm arm(TenantSnapshotIndex served, String customer) {
        ArmTable table = armTables.get(served.snapshotId());
        return table == null ? ArmTable.championOnly(served.modelVersion()).arms().get(0) : table.armFor(customer);
    }
}
