package io.nightbake.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A tenant key posts events and reads performance only for its own tenant; the admin variant needs an operator. */
class EventsAccessTest {

    @Test
    void tenantKeyReachesOnlyItsOwnEventsAndPerformance() {
        assertThat(ApiKeyFilter.tenantKeyRefusal(List.of("api", "v1", "tenants", "acme", "events"), "acme")).isNull();
        assertThat(ApiKeyFilter.tenantKeyRefusal(List.of("api", "v1", "tenants", "acme", "performance"), "acme")).isNull();
        assertThat(ApiKeyFilter.tenantKeyRefusal(List.of("api", "v1", "tenants", "other", "events"), "acme"))
                .isEqualTo(ApiKeyFilter.FORBIDDEN_TENANT);
        assertThat(ApiKeyFilter.tenantKeyRefusal(List.of("api", "v1", "admin", "tenants", "acme", "performance"), "acme"))
                .isEqualTo(ApiKeyFilter.FORBIDDEN_ADMIN);
        assertThat(ApiKeyFilter.tenantKeyRefusal(List.of("api", "v1", "admin", "fleet", "health"), "acme"))
                .isEqualTo(ApiKeyFilter.FORBIDDEN_ADMIN);
    }
}
