package io.nightbake.serving;

import io.nightbake.client.ServingFile;
import io.nightbake.client.ServingFileException;
import io.nightbake.snapshot.Snapshot;
import io.nightbake.snapshot.SnapshotRegistry;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * Daytime lookups, answered from memory: the published snapshot of every tenant in a {@link RecommendationIndex}
 * and every tenant's state, so a request never touches the database or Spark. A process that serves follows the
 * registry: publications made in this process swap in at once, those made by another process (a `run-nightly`
 * next to a `serve`, an operator's rollback) within {@code nightbake.serving.refresh-millis}.
 *
 * <p>A snapshot is served from its memory-mapped serving file ({@link ServingFile}). When that file is missing or
 * damaged the index is built from the snapshot's Parquet lists (and the serving file written again); when the
 * Parquet cannot be read either, the tenant keeps the snapshot it serves, or gets its newest kept snapshot that
 * loads. Each case is logged and visible in the tenant's {@link #status}.
 */
@Service
public class ServingService {

    private static final Logger log = LoggerFactory.getLogger(ServingService.class);

    /** Where a tenant's served index came from. */
    public enum Source {
        /** its snapshot's memory-mapped serving file */
        SERVING_FILE("serving-file"),
        /** built from its snapshot's Parquet lists: the serving file was missing or damaged */
        PARQUET("parquet"),
        /** an older kept snapshot: the published one could not be loaded */
        KEPT_SNAPSHOT("kept-snapshot"),
        /** nothing: no snapshot of the tenant could be loaded */
        NONE("none");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * How a tenant's published snapshot is served: the published snapshot id, the one served (they differ after a
     * fallback), where the index came from, and what went wrong (null when nothing did).
     */
    public record TenantStatus(String publishedSnapshot, String servedSnapshot, Source source, String problem,
                               Instant at) {
    }

    private final SnapshotRegistry snapshots;
    private final TenantRegistry tenants;
    private final boolean expected;
    private final RecommendationIndex index = new RecommendationIndex();
    private final Map<String, TenantState> states = new ConcurrentHashMap<>();
    private final Map<String, Loaded> prepared = new ConcurrentHashMap<>();
    /** During the first load: published snapshots not loaded yet, which a lookup may load ahead of the rest. */
    private final Map<String, Snapshot> pending = new ConcurrentHashMap<>();
    /** Runs before the first load takes a tenant; tests hold the load with it. */
    volatile java.util.function.Consumer<String> beforeFirstLoadOf = tenant -> { };
    private final Map<String, TenantStatus> statuses = new ConcurrentHashMap<>();
    private volatile boolean active;
    private volatile boolean loaded;
    private volatile int loadingTotal;
    private final AtomicInteger loadingDone = new AtomicInteger();

    /**
     * {@code expected}: this process is going to serve ({@code serve} sets it), so readiness reports "loading" from
     * the first moment, before {@link #start} runs.
     */
    public ServingService(SnapshotRegistry snapshots, TenantRegistry tenants,
                          @Value("${nightbake.serving.expected:false}") boolean expected) {
        this.snapshots = snapshots;
        this.tenants = tenants;
        this.expected = expected;
    }

    /** Starts serving: loads every published snapshot. Processes that only run the batch never call this. */
    public synchronized void start() {
        active = true;
        long started = System.nanoTime();
        refresh();
        loaded = true;
        pending.clear();
        Map<Source, Long> sources = statuses.values().stream()
                .collect(Collectors.groupingBy(TenantStatus::source, () -> new EnumMap<>(Source.class), Collectors.counting()));
        log.info("serving index loaded: {} tenants in {} ms ({})", index.size(),
                (System.nanoTime() - started) / 1_000_000, sources);
    }

    public boolean active() {
        return active;
    }

    /** Whether this process serves or is about to (readiness waits for it). */
    public boolean expected() {
        return expected || active;
    }

    /** Whether every tenant published at start has been loaded (or has failed to load, see {@link #status}). */
    public boolean loaded() {
        return loaded;
    }

    /** Published tenants whose snapshot the first load has dealt with, and how many there are. */
    public int[] loadingProgress() {
        return new int[] {loadingDone.get(), loadingTotal};
    }

    public RecommendationIndex index() {
        return index;
    }

    /**
     * The tenant's served snapshot; while the first load is still going, a tenant it has not reached yet is loaded
     * now, by the asking thread, so that the first lookups need not wait for the whole fleet.
     */
    public TenantSnapshotIndex served(String tenant) {
        TenantSnapshotIndex served = index.get(tenant);
        if (served == null && !loaded) {
            Snapshot snapshot = pending.remove(tenant);
            if (snapshot != null) {
                serve(snapshot, null);
                served = index.get(tenant);
            }
        }
        return served;
    }

    /** The tenant's state as last seen, or null for a tenant the registry does not know. */
    public TenantState state(String tenant) {
        return states.get(tenant);
    }

    /** How the tenant's snapshot is served, or null when nothing was published for it in this process's view. */
    public TenantStatus status(String tenant) {
        return statuses.get(tenant);
    }

    /** Every tenant whose snapshot is not served as published from its serving file: tenant -> status. */
    public Map<String, TenantStatus> problems() {
        return statuses.entrySet().stream().filter(e -> e.getValue().problem() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /**
     * Loads a snapshot about to be published, so that the swap after the registry commit is instant. Throws when
     * neither its serving file nor its Parquet can be loaded: the tenant's publish fails and it keeps its snapshot.
     */
    public void prepare(Snapshot snapshot) {
        if (active) {
            prepared.put(snapshot.snapshotId(), load(snapshot));
        }
    }

    /** The registry now points at {@code snapshot}: serve it. */
    public synchronized void published(Snapshot snapshot) {
        if (active) {
            Loaded ready = prepared.remove(snapshot.snapshotId());
            Loaded loaded = ready != null ? ready : load(snapshot);
            index.swap(snapshot.tenant().value(), loaded.index);
            statuses.put(snapshot.tenant().value(), new TenantStatus(snapshot.snapshotId(), snapshot.snapshotId(),
                    loaded.source, loaded.problem, Instant.now()));
            states.put(snapshot.tenant().value(), tenants.get(snapshot.tenant()).state());
        }
    }

    public void unpublished(TenantId tenant) {
        if (active) {
            index.remove(tenant.value());
            statuses.remove(tenant.value());
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
                statuses.remove(tenant.value());
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
        Map<String, TenantState> known = tenants.states();
        states.putAll(known);
        states.keySet().retainAll(known.keySet());
        Set<String> published;
        Collection<Snapshot> toServe;
        if (!loaded) {
            Map<String, Snapshot> current = snapshots.allCurrent().entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().value(), Map.Entry::getValue));
            loadingTotal = current.size();
            pending.putAll(current);
            published = current.keySet();
            toServe = current.values();
        } else {
            // every few seconds on a serving node: read only the pointers, and the snapshots of those that moved
            // (with 4,000 tenants on H2: 5 ms and 1.1 MB of garbage a poll, against 14 ms and 4.7 MB for every
            // tenant's and snapshot's full row, on the cores that answer lookups)
            Map<String, String> ids = snapshots.publishedIds();
            published = ids.keySet();
            toServe = snapshots.currentOf(ids.entrySet().stream().filter(e -> !upToDateOrTried(e.getKey(), e.getValue()))
                    .map(Map.Entry::getKey).collect(Collectors.toSet())).values();
        }
        // tenants are independent: load them on all cores (mapping and checking a file is CPU-bound)
        toServe.parallelStream().forEach(snapshot -> {
            String tenant = snapshot.tenant().value();
            if (!loaded) {
                beforeFirstLoadOf.accept(tenant);
            }
            if (!loaded && pending.remove(tenant) == null) {
                loadingDone.incrementAndGet(); // a lookup loaded it ahead of the rest
                return;
            }
            if (!upToDateOrTried(tenant, snapshot.snapshotId())) {
                serve(snapshot, index.get(tenant));
            }
            if (!loaded) {
                loadingDone.incrementAndGet();
            }
        });
        for (String tenant : index.tenants()) {
            if (!published.contains(tenant)) {
                index.remove(tenant);
            }
        }
        statuses.keySet().retainAll(published);
    }

    /**
     * Whether the tenant serves that snapshot already, or it was tried and failed (a published snapshot that failed
     * is not retried every refresh: only when the pointer moves again).
     */
    private boolean upToDateOrTried(String tenant, String snapshotId) {
        TenantSnapshotIndex served = index.get(tenant);
        TenantStatus status = statuses.get(tenant);
        return (served != null && served.snapshotId().equals(snapshotId))
                || (status != null && status.publishedSnapshot().equals(snapshotId));
    }

    /** Serves the tenant's published snapshot, or falls back (see the class comment). */
    private void serve(Snapshot snapshot, TenantSnapshotIndex served) {
        String tenant = snapshot.tenant().value();
        try {
            Loaded loaded = load(snapshot);
            index.swap(tenant, loaded.index);
            statuses.put(tenant, new TenantStatus(snapshot.snapshotId(), snapshot.snapshotId(), loaded.source,
                    loaded.problem, Instant.now()));
            if (this.loaded) { // at start-up one summary line, not one per tenant
                log.info("serving {} for tenant {}", snapshot.snapshotId(), tenant);
            }
            return;
        } catch (UnloadableSnapshot e) {
            if (served != null) {
                String problem = e.getMessage() + "; keeps serving " + served.snapshotId();
                statuses.put(tenant, new TenantStatus(snapshot.snapshotId(), served.snapshotId(),
                        Source.KEPT_SNAPSHOT, problem, Instant.now()));
                log.error("tenant {}: {}", tenant, problem);
                return;
            }
            for (Snapshot older : snapshots.snapshots(snapshot.tenant())) {
                if (older.snapshotId().equals(snapshot.snapshotId())) {
                    continue;
                }
                try {
                    Loaded loaded = load(older);
                    index.swap(tenant, loaded.index);
                    String problem = e.getMessage() + "; serves the newest readable kept snapshot " + older.snapshotId();
                    statuses.put(tenant, new TenantStatus(snapshot.snapshotId(), older.snapshotId(),
                            Source.KEPT_SNAPSHOT, problem, Instant.now()));
                    log.error("tenant {}: {}", tenant, problem);
                    return;
                } catch (UnloadableSnapshot olderFailed) {
                    log.warn("tenant {}: kept snapshot {} cannot be loaded either: {}", tenant, older.snapshotId(),
                            olderFailed.getMessage());
                }
            }
            String problem = e.getMessage() + "; no kept snapshot loads either, so the tenant is not served";
            statuses.put(tenant, new TenantStatus(snapshot.snapshotId(), null, Source.NONE, problem, Instant.now()));
            log.error("tenant {}: {}", tenant, problem);
        }
    }

    private record Loaded(TenantSnapshotIndex index, Source source, String problem) {
    }

    /** Neither the serving file nor the Parquet lists of a snapshot can be loaded. */
    private static final class UnloadableSnapshot extends RuntimeException {
        UnloadableSnapshot(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The snapshot's index: its serving file mapped; else built from its Parquet lists, the serving file written
     * again for next time. Throws {@link UnloadableSnapshot} when neither works.
     */
    private static Loaded load(Snapshot snapshot) {
        Path parquet = Path.of(snapshot.path());
        Path file = ServingFile.beside(parquet);
        String fileProblem;
        try {
            TenantSnapshotIndex mapped = TenantSnapshotIndex.open(file);
            if (mapped.tenantId().equals(snapshot.tenant().value()) && mapped.snapshotId().equals(snapshot.snapshotId())) {
                return new Loaded(mapped, Source.SERVING_FILE, null);
            }
            fileProblem = "serving file " + file + " holds snapshot " + mapped.snapshotId() + " of tenant '"
                    + mapped.tenantId() + "'";
        } catch (ServingFileException e) {
            fileProblem = e.getMessage();
        }
        TenantSnapshotIndex built;
        try {
            built = TenantSnapshotIndex.load(parquet, snapshot.snapshotId(), snapshot.builtAt());
        } catch (SnapshotLoadException e) {
            throw new UnloadableSnapshot("snapshot " + snapshot.snapshotId() + " cannot be loaded: " + fileProblem
                    + ", and its Parquet lists fail too: " + e.getMessage(), e);
        }
        String problem = fileProblem + "; the index was built from the Parquet lists";
        try {
            built.writeServingFile(file);
            built = TenantSnapshotIndex.open(file);
            problem += " and the serving file written again";
        } catch (RuntimeException e) {
            problem += " (the serving file could not be written again: " + e.getMessage() + ")";
        }
        log.warn("tenant {}: {}", snapshot.tenant(), problem);
        return new Loaded(built, Source.PARQUET, problem);
    }
}
