package io.nightbake.retrain.synthetic;

import io.nightbake.tenant.TenantId;

import java.nio.file.Path;

/** What the generator wrote for one tenant. */
public record TenantSummary(TenantId tenant, Path directory, int customers, int products, int interactions) {
}
