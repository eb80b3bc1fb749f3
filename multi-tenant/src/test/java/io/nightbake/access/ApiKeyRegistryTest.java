package io.nightbake.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nightbake.jdbc.Jdbc;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import io.nightbake.tenant.UnknownTenantException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiKeyRegistryTest {

    private final TenantId acme = TenantId.of("acme");
    private JdbcDataSource ds;
    private ApiKeyRegistry keys;

    @BeforeEach
    void setUp() {
        ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Jdbc.migrate(ds);
        new TenantRegistry(ds, Clock.systemUTC()).register(acme, TenantState.ON, "test", "test");
        keys = new ApiKeyRegistry(ds, Clock.systemUTC());
    }

    @Test
    void aKeyIsShownOnceAndOnlyItsHashIsStored() throws Exception {
        CreatedApiKey created = keys.createTenantKey(acme, "  crm-frontend ", "alice");
        String secret = created.secret();
        assertThat(secret).matches("nbk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}");
        assertThat(ApiKeyRegistry.publicIdOf(secret)).contains(created.key().publicId());
        assertThat(created.toString()).doesNotContain(secret.substring(21));
        assertThat(created.key()).extracting(ApiKey::role, ApiKey::tenant, ApiKey::name, ApiKey::createdBy)
                .containsExactly(ApiKeyRole.TENANT, acme, "crm-frontend", "alice");

        List<String> stored = new ArrayList<>();
        try (Connection c = ds.getConnection(); ResultSet row = c.createStatement().executeQuery("SELECT * FROM nb_api_key")) {
            while (row.next()) {
                for (int i = 1; i <= row.getMetaData().getColumnCount(); i++) {
                    stored.add(String.valueOf(row.getObject(i)));
                }
            }
        }
        assertThat(stored).contains(ApiKeyRegistry.hash(secret)).noneMatch(v -> v.contains(secret.substring(21)));
        assertThat(keys.activeKeys()).singleElement().satisfies(k -> {
            assertThat(k.keyHash()).isEqualTo(ApiKeyRegistry.hash(secret));
            assertThat(k.key()).isEqualTo(created.key());
        });
    }

    @Test
    void everyKeyIsDifferent() {
        CreatedApiKey a = keys.createOperatorKey("ops", "cli:root");
        CreatedApiKey b = keys.createOperatorKey("ops", "cli:root");
        assertThat(a.secret()).isNotEqualTo(b.secret());
        assertThat(a.key().publicId()).isNotEqualTo(b.key().publicId());
        assertThat(a.key().tenant()).isNull();
        assertThat(a.key().role()).isEqualTo(ApiKeyRole.OPERATOR);
    }

    @Test
    void revokedKeysAreListedButNotActive() {
        CreatedApiKey ops = keys.createOperatorKey("ops", "cli:root");
        CreatedApiKey tenant = keys.createTenantKey(acme, "crm", "ops");
        ApiKey revoked = keys.revoke(tenant.key().publicId(), "ops", "leaked in a log");
        assertThat(revoked.active()).isFalse();
        assertThat(revoked.revokedBy()).isEqualTo("ops");
        assertThat(revoked.revokeReason()).isEqualTo("leaked in a log");
        assertThat(keys.revoke(tenant.key().publicId(), "bob", "again").revokedBy()).isEqualTo("ops");
        assertThat(keys.activeKeys()).extracting(k -> k.key().publicId()).containsExactly(ops.key().publicId());
        assertThat(keys.list()).extracting(ApiKey::publicId).containsExactlyInAnyOrder(ops.key().publicId(), tenant.key().publicId());
        assertThat(keys.list(acme)).extracting(ApiKey::publicId).containsExactly(tenant.key().publicId());
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> keys.createTenantKey(TenantId.of("nobody"), "x", "ops"))
                .isInstanceOf(UnknownTenantException.class).hasMessageContaining("nobody");
        assertThatThrownBy(() -> keys.createOperatorKey(" ", "ops")).hasMessageContaining("key name is required");
        assertThatThrownBy(() -> keys.createOperatorKey("x".repeat(101), "ops")).hasMessageContaining("1-100 characters");
        assertThatThrownBy(() -> keys.createOperatorKey("a\nb", "ops")).hasMessageContaining("control characters");
        assertThatThrownBy(() -> keys.revoke("0123456789abcdef", "ops", "x"))
                .isInstanceOf(UnknownApiKeyException.class).hasMessageContaining("0123456789abcdef");
        assertThat(keys.list()).isEmpty();
    }

    @Test
    void onlyWellFormedKeysHaveAPublicId() {
        assertThat(ApiKeyRegistry.publicIdOf(null)).isEmpty();
        assertThat(ApiKeyRegistry.publicIdOf("")).isEmpty();
        assertThat(ApiKeyRegistry.publicIdOf("nbk_0123456789abcdef_short")).isEmpty();
        assertThat(ApiKeyRegistry.publicIdOf("nbk_0123456789ABCDEF_" + "a".repeat(43))).isEmpty();
        assertThat(ApiKeyRegistry.publicIdOf("nbk_0123456789abcdef_" + "a".repeat(43))).contains("0123456789abcdef");
    }
}
