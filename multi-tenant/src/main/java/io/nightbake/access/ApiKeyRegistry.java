package io.nightbake.access;

import io.nightbake.jdbc.Jdbc;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.UnknownTenantException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * API keys: operator keys (everything) and tenant keys (one tenant's recommendations and state). A key reads
 * {@code nbk_<publicId>_<secret>}: the public id (16 hex characters) names the key in lists and in the revoke command,
 * the secret is 32 bytes from {@link SecureRandom}, base64url. The key is returned once, at creation; only its hash is
 * stored.
 *
 * <p>The hash is a plain SHA-256 of the whole key, without salt or key stretching. That is sound here because the
 * keys are generated, not chosen by people: 256 random bits cannot be guessed or looked up in a table, so a slow
 * password hash (bcrypt, argon2) would buy nothing and would cost every request. Do not reuse this for passwords.
 */
public class ApiKeyRegistry {

    public static final String PREFIX = "nbk_";
    public static final int MAX_NAME_LENGTH = 100;
    private static final int SECRET_BYTES = 32;
    private static final int PUBLIC_ID_BYTES = 8;
    /** The exact shape of a key; anything else is rejected before hashing. */
    private static final Pattern KEY = Pattern.compile("nbk_([0-9a-f]{16})_[A-Za-z0-9_-]{43}");

    private final Jdbc jdbc;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public ApiKeyRegistry(DataSource dataSource, Clock clock) {
        this.jdbc = new Jdbc(dataSource);
        this.clock = clock;
    }

    /** A key stored with its hash, for a process that checks keys from memory. */
    public record HashedKey(ApiKey key, String keyHash) {
    }

    /** Creates a key that reads {@code tenant}'s recommendations and state; the secret is in the result only. */
    public CreatedApiKey createTenantKey(TenantId tenant, String name, String actor) {
        return create(ApiKeyRole.TENANT, tenant, name, actor);
    }

    /** Creates an operator key (every endpoint, the admin API included); the secret is in the result only. */
    public CreatedApiKey createOperatorKey(String name, String actor) {
        return create(ApiKeyRole.OPERATOR, null, name, actor);
    }

    private CreatedApiKey create(ApiKeyRole role, TenantId tenant, String name, String actor) {
        String checkedName = checkName(name);
        requireText(actor, "actor");
        String publicId = HexFormat.of().formatHex(randomBytes(PUBLIC_ID_BYTES));
        String secret = PREFIX + publicId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(SECRET_BYTES));
        Instant now = now();
        ApiKey key = new ApiKey(publicId, role, tenant, checkedName, now, actor, null, null, null);
        jdbc.inTransaction(c -> {
            if (tenant != null && Jdbc.query(c, "SELECT tenant_id FROM nb_tenant WHERE tenant_id = ?", row -> row.getString(1),
                    tenant.value()).isEmpty()) {
                throw new UnknownTenantException(tenant);
            }
            return Jdbc.update(c, "INSERT INTO nb_api_key (public_id, key_hash, role, tenant_id, name, created_at, created_by) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?)", publicId, hash(secret), role.name(), tenant == null ? null : tenant.value(),
                    checkedName, now, actor);
        });
        return new CreatedApiKey(key, secret);
    }

    /**
     * Revokes the key: from now on it is refused. Revoking a revoked key changes nothing and returns it as it is.
     * Throws {@link UnknownApiKeyException} for an id that names no key.
     */
    public ApiKey revoke(String publicId, String actor, String reason) {
        requireText(actor, "actor");
        return jdbc.inTransaction(c -> {
            ApiKey key = Jdbc.query(c, "SELECT * FROM nb_api_key WHERE public_id = ? FOR UPDATE", ApiKeyRegistry::key,
                    publicId == null ? "" : publicId).stream().findFirst().orElseThrow(() -> new UnknownApiKeyException(
                    publicId == null ? "" : publicId));
            if (!key.active()) {
                return key;
            }
            Instant now = now();
            String why = reason == null || reason.isBlank() ? "revoked" : truncate(reason);
            Jdbc.update(c, "UPDATE nb_api_key SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE public_id = ?",
                    now, actor, why, publicId);
            return new ApiKey(key.publicId(), key.role(), key.tenant(), key.name(), key.createdAt(), key.createdBy(), now,
                    actor, why);
        });
    }

    public Optional<ApiKey> find(String publicId) {
        return jdbc.queryOne("SELECT * FROM nb_api_key WHERE public_id = ?", ApiKeyRegistry::key, publicId);
    }

    /** Every key, revoked ones included, oldest first; never a secret or a hash. */
    public List<ApiKey> list() {
        return jdbc.query("SELECT * FROM nb_api_key ORDER BY created_at, public_id", ApiKeyRegistry::key);
    }

    public List<ApiKey> list(TenantId tenant) {
        return jdbc.query("SELECT * FROM nb_api_key WHERE tenant_id = ? ORDER BY created_at, public_id", ApiKeyRegistry::key,
                tenant.value());
    }

    /** The keys not revoked, with their hashes: what a serving process keeps in memory to check requests. */
    public List<HashedKey> activeKeys() {
        return jdbc.query("SELECT * FROM nb_api_key WHERE revoked_at IS NULL ORDER BY public_id",
                row -> new HashedKey(key(row), row.getString("key_hash")));
    }

    /** The public id of a well-formed key, or empty when {@code presented} does not have the shape of a key. */
    public static Optional<String> publicIdOf(String presented) {
        if (presented == null || presented.length() > 100) {
            return Optional.empty();
        }
        Matcher m = KEY.matcher(presented);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Hex SHA-256 of the whole key (see the class comment for why a fast hash is right for random keys). */
    public static String hash(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    public static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The name of a key: 1-100 characters without control characters, trimmed. */
    public static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a key name is required (who or what will use the key, e.g. 'crm-frontend')");
        }
        String trimmed = name.strip();
        if (trimmed.length() > MAX_NAME_LENGTH || trimmed.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("a key name must be 1-" + MAX_NAME_LENGTH + " characters without control characters");
        }
        return trimmed;
    }

    /** Microseconds, what the databases store, so that a returned record equals the stored one. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        random.nextBytes(bytes);
        return bytes;
    }

    private static ApiKey key(ResultSet row) throws SQLException {
        String tenant = row.getString("tenant_id");
        return new ApiKey(row.getString("public_id"), ApiKeyRole.valueOf(row.getString("role")),
                tenant == null ? null : TenantId.of(tenant), row.getString("name"), Jdbc.instant(row, "created_at"),
                row.getString("created_by"), Jdbc.instant(row, "revoked_at"), row.getString("revoked_by"),
                row.getString("revoke_reason"));
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("a " + what + " is required");
        }
    }

    private static String truncate(String text) {
        return text.length() <= 1000 ? text : text.substring(0, 997) + "...";
    }
}
