package io.nightbake.tenant;

import java.time.Instant;

/** One audited change of a tenant's state. {@code oldState} is null for the registration. */
public record TenantStateChange(TenantId tenant, TenantState oldState, TenantState newState, Instant changedAt,
                                String changedBy, String reason) {
}
