package io.nightbake.access;

import io.nightbake.ops.Postgres;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The same tests on the production profile, against the real PostgreSQL: tenant keys cannot read other tenants and admin endpoints refuse tenant keys. */
@ActiveProfiles("postgres")
class ApiKeyAccessPostgresTest extends ApiKeyAccessTest {

    private static final String SCHEMA = Postgres.newSchema();

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> Postgres.url(SCHEMA));
        registry.add("spring.datasource.username", () -> Postgres.USER);
        registry.add("spring.flyway.schemas", () -> SCHEMA);
    }
}
