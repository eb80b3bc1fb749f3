package io.nightbake.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Published recommendation lists read in the application's own JVM, like Venice's Da Vinci client: it follows the
 * published pointers ({@link SnapshotPointers}, by default Nightbake's snapshot registry), memory-maps each tenant's
 * serving file and swaps a tenant's snapshot in one atomic step when its pointer moves (a night's publish, an
 * operator's rollback), so a lookup sees the old lists or the new ones, never a mix.
 *
 * <pre>{@code
 * try (NightbakeReader reader = NightbakeReader.open(SnapshotPointers.registry(dataSource), Duration.ofSeconds(5))) {
 *     Recommendations out = new Recommendations();          // one per thread, reused
 *     if (reader.lookup("tenant-001", "cust-000001", 10, out) == NightbakeReader.Outcome.FOUND) {
 *         for (int i = 0; i < out.size(); i++) {
 *             show(out.productId(i), out.score(i));
 *         }
 *     }
 * }
 * }</pre>
 *
 * A lookup allocates nothing. A tenant whose serving file is missing or damaged keeps the snapshot it served, or,
 * at start, gets its newest kept snapshot that opens; {@link #problems()} says which and why.
 */
public final class NightbakeReader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NightbakeReader.class);

    /** The answer to a lookup. */
    public enum Outcome {
        /** The customer's list is in the holder (possibly empty: nothing good enough to recommend). */
        FOUND,
        /** The tenant serves a snapshot, and the customer is not in it. */
        UNKNOWN_CUSTOMER,
        /** Nothing is published for the tenant (unknown, switched off, or not published yet). */
        NOT_PUBLISHED
    }

    private final SnapshotPointers pointers;
    private final ConcurrentHashMap<String, ServingSnapshot> served = new ConcurrentHashMap<>();
    /** tenant -> the published snapshot id that failed to open, and why (so it is not retried every refresh). */
    private final ConcurrentHashMap<String, String> failedPointer = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> problems = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher;

    private NightbakeReader(SnapshotPointers pointers, Duration refreshEvery) {
        this.pointers = Objects.requireNonNull(pointers, "pointers");
        refresh();
        if (refreshEvery == null || refreshEvery.isZero()) {
            refresher = null;
        } else {
            refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "nightbake-reader-refresh");
                t.setDaemon(true);
                return t;
            });
            long millis = Math.max(1, refreshEvery.toMillis());
            refresher.scheduleWithFixedDelay(this::refreshQuietly, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Opens every published tenant's snapshot now, then follows the pointers every {@code refreshEvery} on a daemon
     * thread (null or zero: only when {@link #refresh()} is called).
     */
    public static NightbakeReader open(SnapshotPointers pointers, Duration refreshEvery) {
        return new NightbakeReader(pointers, refreshEvery);
    }

    /**
     * Looks the customer's list up in the tenant's current snapshot, cut to {@code limit} entries, into {@code out}.
     * Allocates nothing.
     */
    public Outcome lookup(String tenant, CharSequence customer, int limit, Recommendations out) {
        ServingSnapshot snapshot = served.get(tenant); // one snapshot for the whole answer
        if (snapshot == null) {
            return Outcome.NOT_PUBLISHED;
        }
        int c = snapshot.customerOrdinal(customer);
        if (c < 0) {
            return Outcome.UNKNOWN_CUSTOMER;
        }
        int start = snapshot.listStart(c);
        int available = snapshot.listEnd(c) - start;
        out.snapshot = snapshot;
        out.start = start;
        out.available = available;
        out.size = Math.max(0, Math.min(available, limit));
        out.arm = snapshot.customerArm(c);
        return Outcome.FOUND;
    }

    /** The snapshot the tenant serves now, or null. */
    public ServingSnapshot snapshot(String tenant) {
        return served.get(tenant);
    }

    /** The tenants served, sorted. */
    public Set<String> tenants() {
        return new TreeSet<>(served.keySet());
    }

    /** Tenants whose published snapshot could not be opened, with the reason and what is served instead. */
    public Map<String, String> problems() {
        return Map.copyOf(problems);
    }

    /** Follows the pointers once: opens and swaps in every snapshot that moved, drops tenants no longer published. */
    public synchronized void refresh() {
        Map<String, SnapshotPointers.Pointer> current = pointers.current();
        // tenants are independent: map and check their files on all cores
        current.values().parallelStream().forEach(pointer -> {
            ServingSnapshot now = served.get(pointer.tenant());
            if (now != null && now.snapshotId().equals(pointer.snapshotId())) {
                return;
            }
            if (pointer.snapshotId().equals(failedPointer.get(pointer.tenant()))) {
                return; // already tried; it stays on what it serves until the pointer moves
            }
            try {
                served.put(pointer.tenant(), openChecked(pointer));
                failedPointer.remove(pointer.tenant());
                problems.remove(pointer.tenant());
            } catch (ServingFileException e) {
                failedPointer.put(pointer.tenant(), pointer.snapshotId());
                fallBack(pointer, now, e);
            }
        });
        for (String tenant : served.keySet()) {
            if (!current.containsKey(tenant)) {
                served.remove(tenant);
                failedPointer.remove(tenant);
                problems.remove(tenant);
            }
        }
    }

    private void fallBack(SnapshotPointers.Pointer pointer, ServingSnapshot now, ServingFileException e) {
        String tenant = pointer.tenant();
        if (now != null) {
            String problem = "snapshot " + pointer.snapshotId() + " cannot be served (" + e.getMessage()
                    + "); keeps serving " + now.snapshotId();
            problems.put(tenant, problem);
            log.error("tenant {}: {}", tenant, problem);
            return;
        }
        for (SnapshotPointers.Pointer older : pointers.kept(tenant)) {
            if (older.snapshotId().equals(pointer.snapshotId())) {
                continue;
            }
            try {
                ServingSnapshot snapshot = openChecked(older);
                served.put(tenant, snapshot);
                String problem = "snapshot " + pointer.snapshotId() + " cannot be served (" + e.getMessage()
                        + "); serves the newest readable kept snapshot " + older.snapshotId();
                problems.put(tenant, problem);
                log.error("tenant {}: {}", tenant, problem);
                return;
            } catch (ServingFileException ignored) {
                // try the next older one
            }
        }
        String problem = "snapshot " + pointer.snapshotId() + " cannot be served (" + e.getMessage()
                + ") and no kept snapshot opens; the tenant is not served";
        problems.put(tenant, problem);
        log.error("tenant {}: {}", tenant, problem);
    }

    private static ServingSnapshot openChecked(SnapshotPointers.Pointer pointer) {
        ServingSnapshot snapshot = ServingFile.open(pointer.servingFile());
        if (!snapshot.tenantId().equals(pointer.tenant()) || !snapshot.snapshotId().equals(pointer.snapshotId())) {
            throw new ServingFileException(pointer.servingFile(), "holds snapshot " + snapshot.snapshotId()
                    + " of tenant '" + snapshot.tenantId() + "', not " + pointer.snapshotId() + " of tenant '"
                    + pointer.tenant() + "'");
        }
        return snapshot;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // the registry may be briefly unreachable: keep serving what is mapped, try again next time
            log.warn("cannot follow the published snapshots at {}: {}", Instant.now(), e.toString());
        }
    }

    /** Stops following the pointers; lookups keep answering from what is mapped. */
    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
    }
}
