package io.nightbake.snapshot;

import io.nightbake.tenant.TenantId;
import java.time.Instant;
import java.time.LocalDate;

/** One prebaked set of a tenant's ranked lists, stored at {@code path}. */
public record Snapshot(TenantId tenant, String snapshotId, LocalDate runDate, int modelVersion, String path,
                       long customers, long entries, Instant builtAt) {
}
