package io.nightbake.tenant;

import java.time.Instant;

public record Tenant(TenantId id, TenantState state, Instant createdAt, Instant updatedAt) {
}
