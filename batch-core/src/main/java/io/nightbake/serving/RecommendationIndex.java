package io.nightbake.serving;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The snapshot each tenant serves, in memory. Each tenant maps to one immutable {@link TenantSnapshotIndex};
 * {@link #swap} replaces it in one atomic step, so a reader sees the old snapshot or the new one, never a mix and
 * never nothing. Load the new index completely (see {@link #loadAndSwap}) before swapping it in.
 *
 * <p>A reader that answers from several calls must take the index once ({@link #get}) and use that object for
 * all of them; two calls to {@link #get} may see two different snapshots.
 */
public final class RecommendationIndex {

    private final ConcurrentHashMap<String, TenantSnapshotIndex> tenants = new ConcurrentHashMap<>();

    /** The tenant's current index, or null when nothing is published for it. */
    public TenantSnapshotIndex get(String tenantId) {
        return tenants.get(Objects.requireNonNull(tenantId, "tenantId"));
    }

    /**
     * The customer's list in the tenant's current snapshot, or null when nothing is published for the tenant
     * (see {@link TenantSnapshotIndex#lookup} for the rest).
     */
    public TenantSnapshotIndex.Lookup lookup(String tenantId, String customerId, int limit) {
        TenantSnapshotIndex index = get(tenantId);
        return index == null ? null : index.lookup(customerId, limit);
    }

    /**
     * Makes {@code next} the tenant's served index in one step and returns the one it replaced (null when there
     * was none). Throws {@link IllegalArgumentException} when {@code next} holds another tenant's lists.
     */
    public TenantSnapshotIndex swap(String tenantId, TenantSnapshotIndex next) {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(next, "next");
        if (!tenantId.equals(next.tenantId())) {
            throw new IllegalArgumentException("snapshot " + next.snapshotId() + " holds the lists of tenant '"
                    + next.tenantId() + "', not of tenant '" + tenantId + "'; it was not swapped in");
        }
        return tenants.put(tenantId, next);
    }

    /**
     * Loads a published snapshot file completely, then swaps it in; returns the new index. When loading fails
     * ({@link SnapshotLoadException}) the tenant keeps serving its current index.
     */
    public TenantSnapshotIndex loadAndSwap(String tenantId, Path parquetFile, String snapshotId, Instant builtAt) {
        TenantSnapshotIndex next = TenantSnapshotIndex.load(parquetFile, snapshotId, builtAt);
        swap(tenantId, next);
        return next;
    }

    /** Stops serving the tenant (unpublished, or switched off); returns the index it served, or null. */
    public TenantSnapshotIndex remove(String tenantId) {
        return tenants.remove(Objects.requireNonNull(tenantId, "tenantId"));
    }

    /** The tenants served now, sorted. */
    public Set<String> tenants() {
        return new TreeSet<>(tenants.keySet());
    }

    /** A point-in-time copy of tenant -> index. */
    public Map<String, TenantSnapshotIndex> snapshot() {
        return Map.copyOf(tenants);
    }

    public int size() {
        return tenants.size();
    }
}
