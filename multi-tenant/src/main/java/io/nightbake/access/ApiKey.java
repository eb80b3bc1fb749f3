package io.nightbake.access;

import io.nightbake.tenant.TenantId;
import java.time.Instant;

/**
 * An API key as stored, without its secret (which is never stored) and without its hash.
 *
 * @param publicId the non-secret part of the key: names it in lists, logs and the revoke command
 * @param tenant   the tenant a TENANT key reads; null for OPERATOR keys
 * @param name     who or what uses the key; changes made with the key are audited under this name
 */
public record ApiKey(String publicId, ApiKeyRole role, TenantId tenant, String name, Instant createdAt, String createdBy,
                     Instant revokedAt, String revokedBy, String revokeReason) {

    public boolean active() {
        return revokedAt == null;
    }
}
