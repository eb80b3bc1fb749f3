package io.nightbake.model;

import io.nightbake.tenant.TenantId;
import java.time.Instant;

/** One audited move of a tenant's champion pointer. {@code oldVersion} is null for the first champion. */
public record ChampionChange(TenantId tenant, Integer oldVersion, int newVersion, Instant changedAt, String changedBy,
                             String reason) {
}
