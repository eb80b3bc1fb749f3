package io.nightbake.admin;

import io.nightbake.access.ActiveApiKeys;
import io.nightbake.access.ApiKey;
import io.nightbake.access.ApiKeyRegistry;
import io.nightbake.access.CreatedApiKey;
import io.nightbake.access.UnknownApiKeyException;
import io.nightbake.admin.AdminException.Kind;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.UnknownTenantException;
import java.time.Instant;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;

/**
 * Creating, revoking and listing API keys, for the admin REST API and the CLI alike. This process's in-memory keys
 * ({@link ActiveApiKeys}) are reloaded at once after a change; other processes reload within
 * {@code nightbake.security.refresh-millis}.
 */
@Service
public class ApiKeyService {

    private final ApiKeyRegistry registry;
    private final ObjectProvider<ActiveApiKeys> active;

    /** {@code active} is missing in a process that does not answer HTTP (the CLI). */
    public ApiKeyService(ApiKeyRegistry registry, ObjectProvider<ActiveApiKeys> active) {
        this.registry = registry;
        this.active = active;
    }

    /** A key as operators see it: never the secret, never the hash. */
    public record ApiKeyView(String id, String role, String tenant, String name, Instant createdAt, String createdBy,
                             boolean active, Instant revokedAt, String revokedBy, String revokeReason) {
        public static ApiKeyView of(ApiKey k) {
            return new ApiKeyView(k.publicId(), k.role().name(), k.tenant() == null ? null : k.tenant().value(), k.name(),
                    k.createdAt(), k.createdBy(), k.active(), k.revokedAt(), k.revokedBy(), k.revokeReason());
        }
    }

    /** A new key with its secret, shown this once. */
    public record NewApiKey(String id, String key, String role, String tenant, String name, Instant createdAt, String createdBy,
                            String note) {
        static NewApiKey of(CreatedApiKey created) {
            ApiKey k = created.key();
            return new NewApiKey(k.publicId(), created.secret(), k.role().name(), k.tenant() == null ? null : k.tenant().value(),
                    k.name(), k.createdAt(), k.createdBy(), "store this key now: it is not shown again (only its hash is kept)");
        }

        @Override
        public String toString() {
            return "NewApiKey[id=" + id + ", role=" + role + ", tenant=" + tenant + ", name=" + name + ", key=<hidden>]";
        }
    }

    public NewApiKey createTenantKey(TenantId tenant, String name, String actor) {
        try {
            NewApiKey created = NewApiKey.of(registry.createTenantKey(tenant, name, actor));
            active.ifAvailable(ActiveApiKeys::refresh);
            return created;
        } catch (UnknownTenantException e) {
            throw new AdminException(Kind.NOT_FOUND, "unknown_tenant", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw AdminException.invalid(e.getMessage());
        }
    }

    public NewApiKey createOperatorKey(String name, String actor) {
        try {
            NewApiKey created = NewApiKey.of(registry.createOperatorKey(name, actor));
            active.ifAvailable(ActiveApiKeys::refresh);
            return created;
        } catch (IllegalArgumentException e) {
            throw AdminException.invalid(e.getMessage());
        }
    }

    /** The outcome of a revocation; {@code message} is one line for people. */
    public record Revocation(ApiKeyView key, boolean revokedNow, String message) {
    }

    /** Revokes the key; revoking a revoked key changes nothing. */
    public Revocation revoke(String publicId, String actor, String reason) {
        if (reason != null && reason.strip().length() > TenantAdminService.MAX_REASON_LENGTH) {
            throw AdminException.invalid("a reason must be at most " + TenantAdminService.MAX_REASON_LENGTH + " characters");
        }
        try {
            boolean wasActive = registry.find(publicId == null ? "" : publicId).map(ApiKey::active).orElse(false);
            ApiKeyView key = ApiKeyView.of(registry.revoke(publicId, actor, reason == null ? null : reason.strip()));
            active.ifAvailable(ActiveApiKeys::refresh);
            String what = key.role() + " key '" + key.name() + "'" + (key.tenant() == null ? "" : " of tenant " + key.tenant())
                    + " (id " + key.id() + ")";
            return new Revocation(key, wasActive, wasActive ? "revoked " + what
                    : what + " was already revoked on " + key.revokedAt() + " by " + key.revokedBy());
        } catch (UnknownApiKeyException e) {
            throw new AdminException(Kind.NOT_FOUND, "unknown_api_key", e.getMessage());
        }
    }

    public List<ApiKeyView> list() {
        return registry.list().stream().map(ApiKeyView::of).toList();
    }

    public List<ApiKeyView> list(TenantId tenant) {
        return registry.list(tenant).stream().map(ApiKeyView::of).toList();
    }
}
